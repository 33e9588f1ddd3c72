import { CommandHandler } from '@nestjs/cqrs';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { LedgerCommandHandlerBase } from '../../http/ledger-command.handler-base';
import { RecordPurchase } from './record-purchase.command';

@CommandHandler(RecordPurchase)
export class RecordPurchaseHandler extends LedgerCommandHandlerBase<RecordPurchase> {
  constructor(writer: LedgerWriter) {
    super(writer);
  }
}
