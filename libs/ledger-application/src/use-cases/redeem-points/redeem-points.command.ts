import type { RedeemPoints as RedeemPointsInput } from '@loyalty/ledger-domain';
import { LedgerCommandMessage } from '../../http/ledger-command.message';

export class RedeemPoints extends LedgerCommandMessage<RedeemPointsInput> {}
