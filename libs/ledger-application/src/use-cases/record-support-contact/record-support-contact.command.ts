import type { RecordSupportContact as RecordSupportContactInput } from '@loyalty/ledger-domain';
import { LedgerCommandMessage } from '../../http/ledger-command.message';

export class RecordSupportContact extends LedgerCommandMessage<RecordSupportContactInput> {}
