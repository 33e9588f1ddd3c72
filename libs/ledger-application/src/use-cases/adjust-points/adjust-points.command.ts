import type { AdjustPoints as AdjustPointsInput } from '@loyalty/ledger-domain';
import { LedgerCommandMessage } from '../../http/ledger-command.message';

export class AdjustPoints extends LedgerCommandMessage<AdjustPointsInput> {}
