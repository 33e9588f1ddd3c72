import type { ExpirePoints as ExpirePointsInput } from '@loyalty/ledger-domain';
import { LedgerCommandMessage } from '../../http/ledger-command.message';

export class ExpirePoints extends LedgerCommandMessage<ExpirePointsInput> {}
