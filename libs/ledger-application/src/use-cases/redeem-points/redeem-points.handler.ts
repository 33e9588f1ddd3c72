import { CommandHandler } from '@nestjs/cqrs';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { LedgerCommandHandlerBase } from '../../http/ledger-command.handler-base';
import { RedeemPoints } from './redeem-points.command';

@CommandHandler(RedeemPoints)
export class RedeemPointsHandler extends LedgerCommandHandlerBase<RedeemPoints> {
  constructor(writer: LedgerWriter) {
    super(writer);
  }
}
