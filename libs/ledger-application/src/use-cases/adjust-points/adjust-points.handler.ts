import { CommandHandler } from '@nestjs/cqrs';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { LedgerCommandHandlerBase } from '../../http/ledger-command.handler-base';
import { AdjustPoints } from './adjust-points.command';

@CommandHandler(AdjustPoints)
export class AdjustPointsHandler extends LedgerCommandHandlerBase<AdjustPoints> {
  constructor(writer: LedgerWriter) {
    super(writer);
  }
}
