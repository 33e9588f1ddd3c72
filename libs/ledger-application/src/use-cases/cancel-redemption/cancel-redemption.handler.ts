import { CommandHandler } from '@nestjs/cqrs';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { LedgerCommandHandlerBase } from '../../http/ledger-command.handler-base';
import { CancelRedemption } from './cancel-redemption.command';

@CommandHandler(CancelRedemption)
export class CancelRedemptionHandler extends LedgerCommandHandlerBase<CancelRedemption> {
  constructor(writer: LedgerWriter) {
    super(writer);
  }
}
