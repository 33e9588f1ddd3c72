import { CommandHandler } from '@nestjs/cqrs';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { LedgerCommandHandlerBase } from '../../http/ledger-command.handler-base';
import { EnrolCustomer } from './enrol-customer.command';

@CommandHandler(EnrolCustomer)
export class EnrolCustomerHandler extends LedgerCommandHandlerBase<EnrolCustomer> {
  constructor(writer: LedgerWriter) {
    super(writer);
  }
}
