import { holdingsAt, lotEffectsOf, type OpenedLot, type DatedLot, type DeficitMove, type Holdings } from '@loyalty/ledger-domain';
import type { CustomerProjection, TouchItem } from '../projection/projection';

/** A lot as the read model keeps it: the one lot model's dated lot, plus what is left of it as recorded. */
export interface BalanceLot extends DatedLot {
  /** Points left after every recorded move, whatever its business time. */
  remaining: number;
}

/** A customer's points as the ledger has them: dated lots, what they owe, and lifetime totals. */
export interface CustomerBalance {
  customerId: string;
  lots: Record<string, BalanceLot>;
  /** Owed after every recorded move. */
  deficit: number;
  deficitMoves: DeficitMove[];
  /** `migrated` is absent in states stored before opening balances existed (read it as 0). */
  lifetime: { migrated?: number; earned: number; redeemed: number; expired: number; adjusted: number; reversed: number; writtenOff: number };
  lastEventAt: string | null;
  /** The expiresAt (ms) of every lot with points left (as recorded), ascending: a multiset, one entry per open lot. */
  openExpiries: number[];
  /** The soonest expiresAt (ms) among open lots (openExpiries[0]); null if none. The expiry job finds due customers by it. */
  nextExpiryAtMs: number | null;
}

/**
 * The balances projection: what GET /v1/accounts shows, kept up to date from the ledger. It
 * changes the state in place (the runner owns it): copying a frequent buyer's lots per event
 * would make a rebuild quadratic. Lots are kept with their dated moves, so the balance as of
 * any instant is the one lot model's answer (holdingsAt), the same as the account's and finance's.
 */
export const balancesProjection: CustomerProjection<CustomerBalance> = {
  name: 'balances',
  // v2: dated lots (moves at business time) and the open-lot index of the expiry job.
  version: 2,
  initial: (customerId) => ({
    customerId,
    lots: {},
    deficit: 0,
    deficitMoves: [],
    lifetime: { migrated: 0, earned: 0, redeemed: 0, expired: 0, adjusted: 0, reversed: 0, writtenOff: 0 },
    lastEventAt: null,
    openExpiries: [],
    nextExpiryAtMs: null,
  }),
  apply(state, event, touch) {
    applyLotEffects(state, event, touch);
    switch (event.type) {
      case 'OpeningBalanceMigrated':
        state.lifetime.migrated = (state.lifetime.migrated ?? 0) + event.points;
        state.lastEventAt = event.migratedAt;
        return state;
      case 'PointsEarned':
      case 'BonusAwarded':
        state.lifetime.earned += event.points;
        state.lastEventAt = event.earnedAt;
        return state;
      case 'PointsAdjusted':
        state.lifetime.adjusted += event.points;
        state.lastEventAt = event.occurredAt;
        return state;
      case 'PointsRedeemed':
        state.lifetime.redeemed += event.points;
        state.lastEventAt = event.occurredAt;
        return state;
      case 'RedemptionCancelled':
        state.lifetime.redeemed -= event.points;
        state.lastEventAt = event.occurredAt;
        return state;
      case 'PointsExpired':
        state.lifetime.expired += event.points;
        state.lastEventAt = event.asOf;
        return state;
      case 'PointsReversed':
        state.lifetime.reversed += event.points - event.writtenOff;
        state.lifetime.writtenOff += event.writtenOff;
        state.lastEventAt = event.occurredAt;
        return state;
      default:
        return state;
    }
  },
  // Lots are rows: an earning adds one, a redemption or expiry changes a few (never every lot).
  storage: { collections: { lots: 'record' } },
};

function applyLotEffects(state: CustomerBalance, event: Parameters<typeof lotEffectsOf>[0], touch: TouchItem | undefined): void {
  const effects = lotEffectsOf(event);
  if (!effects) return;
  const { atMs, opened } = effects;
  for (const lot of opened) openLot(state, lot, touch);
  for (const m of effects.moves) {
    // Lots keep their dates at zero, so that a cancelled redemption can give points back to them.
    const lot = state.lots[m.lotId];
    if (!lot) continue;
    const wasOpen = lot.remaining > 0;
    lot.remaining += m.points;
    lot.moves.push({ atMs, points: m.points, cause: m.cause });
    touch?.('lots', m.lotId);
    if (wasOpen !== lot.remaining > 0) trackOpen(state, lot.expiresAtMs, !wasOpen);
  }
  if (effects.deficit !== 0) {
    state.deficit += effects.deficit;
    state.deficitMoves.push({ atMs, points: effects.deficit });
  }
}

function openLot(state: CustomerBalance, opened: OpenedLot, touch: TouchItem | undefined): void {
  state.lots[opened.lotId] = {
    earnedAtMs: opened.earnedAtMs,
    availableAtMs: opened.availableAtMs,
    expiresAtMs: opened.expiresAtMs,
    points: opened.points,
    moves: [],
    remaining: opened.points,
  };
  if (opened.points > 0) trackOpen(state, opened.expiresAtMs, true);
  touch?.('lots', opened.lotId);
}

/**
 * Adds (a lot opened, or given points back) or removes (a lot emptied) one expiry of the
 * sorted open-lot index. Lots mostly open with the latest expiry and empty with the soonest,
 * so both ends are cheap; a binary search finds the place either way.
 */
function trackOpen(state: CustomerBalance, expiresAtMs: number, opened: boolean): void {
  const expiries = state.openExpiries;
  let lo = 0;
  let hi = expiries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (expiries[mid] < expiresAtMs) lo = mid + 1;
    else hi = mid;
  }
  if (opened) expiries.splice(lo, 0, expiresAtMs);
  else if (expiries[lo] === expiresAtMs) expiries.splice(lo, 1);
  state.nextExpiryAtMs = expiries.length > 0 ? expiries[0] : null;
}

/** What the customer holds at an instant, from the projected lots: the one lot model's answer. */
export function balanceHoldingsAt(balance: CustomerBalance, atMs: number): Holdings {
  return holdingsAt(Object.values(balance.lots), balance.deficitMoves, atMs);
}
