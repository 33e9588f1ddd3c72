import type { EnrolCustomer as EnrolCustomerInput } from '@loyalty/ledger-domain';
import { LedgerCommandMessage } from '../../http/ledger-command.message';

export class EnrolCustomer extends LedgerCommandMessage<EnrolCustomerInput> {}
