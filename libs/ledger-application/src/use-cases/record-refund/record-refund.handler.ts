import { CommandHandler } from '@nestjs/cqrs';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { LedgerCommandHandlerBase } from '../../http/ledger-command.handler-base';
import { RecordRefund } from './record-refund.command';

@CommandHandler(RecordRefund)
export class RecordRefundHandler extends LedgerCommandHandlerBase<RecordRefund> {
  constructor(writer: LedgerWriter) {
    super(writer);
  }
}
