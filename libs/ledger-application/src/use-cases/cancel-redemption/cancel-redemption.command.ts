import type { CancelRedemption as CancelRedemptionInput } from '@loyalty/ledger-domain';
import { LedgerCommandMessage } from '../../http/ledger-command.message';

export class CancelRedemption extends LedgerCommandMessage<CancelRedemptionInput> {}
