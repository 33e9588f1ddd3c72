import type { Lot, LoyaltyAccountState } from './loyalty-account.state';

/** What the customer holds at one instant, derived from the lots. */
export interface PointsPosition {
  /** Spendable now: available lots minus any negative balance (can be < 0 only if the policy allows). */
  available: number;
  /** Earned, waiting for the return window to pass. */
  pending: number;
  /** Past expiry but not yet written off by an expiry run. */
  awaitingExpiry: number;
  /** Owed after refunds of spent points. */
  deficit: number;
  /** The customer's points liability: every unspent, unexpired-by-entry lot point. */
  outstanding: number;
  nextExpiry: { at: number; points: number } | null;
}

export function isAvailable(lot: Lot, atMs: number): boolean {
  return lot.remaining > 0 && lot.availableAtMs <= atMs && atMs < lot.expiresAtMs;
}

export function pointsPosition(state: LoyaltyAccountState, atMs: number): PointsPosition {
  let availableLots = 0;
  let pending = 0;
  let awaitingExpiry = 0;
  let outstanding = 0;
  let nextExpiryAt = Infinity;
  let nextExpiryPoints = 0;
  for (const lot of state.lots) {
    if (lot.remaining <= 0) continue;
    outstanding += lot.remaining;
    if (atMs >= lot.expiresAtMs) awaitingExpiry += lot.remaining;
    else {
      if (lot.availableAtMs <= atMs) availableLots += lot.remaining;
      else pending += lot.remaining;
      if (lot.expiresAtMs < nextExpiryAt) {
        nextExpiryAt = lot.expiresAtMs;
        nextExpiryPoints = lot.remaining;
      } else if (lot.expiresAtMs === nextExpiryAt) nextExpiryPoints += lot.remaining;
    }
  }
  return {
    available: availableLots - state.deficit,
    pending,
    awaitingExpiry,
    deficit: state.deficit,
    outstanding,
    nextExpiry: nextExpiryAt === Infinity ? null : { at: nextExpiryAt, points: nextExpiryPoints },
  };
}

/** Lots in spending order: soonest expiry first, then oldest, then by id (deterministic). */
export function bySpendingOrder(a: Lot, b: Lot): number {
  return a.expiresAtMs - b.expiresAtMs || a.earnedAtMs - b.earnedAtMs || (a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0);
}
