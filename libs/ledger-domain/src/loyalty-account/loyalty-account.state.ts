import { QualifyingActivityLog, type QualifyingActivity } from '@loyalty/program-rules';
import type { LotSource, LotMovement } from './ledger-events';

/** A lot: points earned together, spent and expiring together (FIFO by expiry). */
export interface Lot {
  lotId: string;
  source: LotSource;
  /** Points credited to the lot when it was created (after any deficit settlement). */
  points: number;
  remaining: number;
  earnedAtMs: number;
  availableAtMs: number;
  expiresAtMs: number;
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
  birthMonth: number | null;
  lots: Lot[];
  lotsById: Map<string, Lot>;
  /** Points owed after a refund took back already-spent points (only if the policy allows). */
  deficit: number;
  /** Source keys already applied, e.g. "purchase:ORDER-1". */
  sources: Set<string>;
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
    birthMonth: null,
    lots: [],
    lotsById: new Map(),
    deficit: 0,
    sources: new Set(),
    purchases: new Map(),
    qualifying: new QualifyingActivityLog(),
    redemptions: new Map(),
    surveysWithBonus: new Set(),
    purchasePointsByDay: new Map(),
  };
}
