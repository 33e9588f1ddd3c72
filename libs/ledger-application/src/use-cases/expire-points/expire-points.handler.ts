import { CommandHandler } from '@nestjs/cqrs';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { LedgerCommandHandlerBase } from '../../http/ledger-command.handler-base';
import { ExpirePoints } from './expire-points.command';

@CommandHandler(ExpirePoints)
export class ExpirePointsHandler extends LedgerCommandHandlerBase<ExpirePoints> {
  constructor(writer: LedgerWriter) {
    super(writer);
  }
}
