import type { RecordPurchase as RecordPurchaseInput } from '@loyalty/ledger-domain';
import { LedgerCommandMessage } from '../../http/ledger-command.message';

export class RecordPurchase extends LedgerCommandMessage<RecordPurchaseInput> {}
