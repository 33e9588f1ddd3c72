import { CommandHandler } from '@nestjs/cqrs';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { LedgerCommandHandlerBase } from '../../http/ledger-command.handler-base';
import { RecordSupportContact } from './record-support-contact.command';

@CommandHandler(RecordSupportContact)
export class RecordSupportContactHandler extends LedgerCommandHandlerBase<RecordSupportContact> {
  constructor(writer: LedgerWriter) {
    super(writer);
  }
}
