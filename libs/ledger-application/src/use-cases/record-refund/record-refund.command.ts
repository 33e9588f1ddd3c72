import type { RecordRefund as RecordRefundInput } from '@loyalty/ledger-domain';
import { LedgerCommandMessage } from '../../http/ledger-command.message';

export class RecordRefund extends LedgerCommandMessage<RecordRefundInput> {}
