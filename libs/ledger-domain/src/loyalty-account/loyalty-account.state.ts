import { QualifyingActivityLog, type QualifyingActivity } from '@loyalty/program-rules';
import { holdingsAt, type DatedLot, type DeficitMove, type Holdings } from '../lots/lot-model';
import type { LotSource, LotMovement } from './ledger-events';

/** A lot: points earned together, spent and expiring together (soonest expiry first), with its dated history (see lot-model). */
export interface Lot extends DatedLot {
  lotId: string;
  source: LotSource;
  /** Points left after every recorded move (whatever their business time). */
  remaining: number;
}

export interface PurchaseRecord {
  orderId: string;
  atMs: number;
  amount: number;
  refundedAmount: number;
  /** Points the purchase earned, including any part that settled a deficit. */
  pointsEarned: number;
  pointsReversed: number;
  lotId: string;
  /** This purchase's entry in the tier qualification log (net of refunds). */
  activity: QualifyingActivity;
}

export interface RedemptionRecord {
  redemptionId: string;
  points: number;
  /** Business time of the redemption: a cancellation cannot precede it. */
  atMs: number;
  fromLots: LotMovement[];
  cancelled: boolean;
}

/**
 * One customer's loyalty account, folded from its events. `evolve` updates it in place for
 * speed (a replay of ten million events must not copy maps per event): whoever folds owns it.
 */
export interface LoyaltyAccountState {
  customerId: string | null;
  openedAtMs: number | null;
  /** The cutover of an opening balance migrated from another program: a member already, never a first purchase. */
  migratedAtMs: number | null;
  birthMonth: number | null;
  lots: Lot[];
  lotsById: Map<string, Lot>;
  /** Points owed after a refund took back already-spent points (only if the policy allows), after every recorded move. */
  deficit: number;
  /** The deficit's changes at their business times. */
  deficitMoves: DeficitMove[];
  /** Source keys already applied, e.g. "purchase:ORDER-1", with what each said (see source-meaning). */
  sources: Map<string, string>;
  purchases: Map<string, PurchaseRecord>;
  /** Purchases in time order, for the tier at purchase time. */
  qualifying: QualifyingActivityLog;
  redemptions: Map<string, RedemptionRecord>;
  surveysWithBonus: Set<string>;
  /** Purchase points earned per UTC day (day number), for the daily cap. */
  purchasePointsByDay: Map<number, number>;
}

export function initialLoyaltyAccountState(): LoyaltyAccountState {
  return {
    customerId: null,
    openedAtMs: null,
    migratedAtMs: null,
    birthMonth: null,
    lots: [],
    lotsById: new Map(),
    deficit: 0,
    deficitMoves: [],
    sources: new Map(),
    purchases: new Map(),
    qualifying: new QualifyingActivityLog(),
    redemptions: new Map(),
    surveysWithBonus: new Set(),
    purchasePointsByDay: new Map(),
  };
}

/** What the account holds at an instant (entries dated at or before it), through the one lot model. */
export function accountHoldingsAt(state: LoyaltyAccountState, atMs: number): Holdings {
  return holdingsAt(state.lots, state.deficitMoves, atMs);
}
