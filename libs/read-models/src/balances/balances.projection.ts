import type { LotMovement } from '@loyalty/ledger-domain';
import type { CustomerProjection } from '../projection/projection';

export interface BalanceLot {
  remaining: number;
  availableAt: string;
  expiresAt: string;
}

/** A customer's points as the ledger has them: lots with points left, and lifetime totals. */
export interface CustomerBalance {
  customerId: string;
  lots: Record<string, BalanceLot>;
  deficit: number;
  lifetime: { earned: number; redeemed: number; expired: number; adjusted: number; reversed: number };
  lastEventAt: string | null;
}

/**
 * The balances projection: what GET /v1/accounts shows, kept up to date from the ledger. It
 * changes the state in place (the runner owns it): copying a frequent buyer's lots per event
 * would make a rebuild quadratic.
 */
export const balancesProjection: CustomerProjection<CustomerBalance> = {
  name: 'balances',
  version: 1,
  initial: (customerId) => ({ customerId, lots: {}, deficit: 0, lifetime: { earned: 0, redeemed: 0, expired: 0, adjusted: 0, reversed: 0 }, lastEventAt: null }),
  apply(state, event) {
    switch (event.type) {
      case 'PointsEarned':
      case 'BonusAwarded':
        addLot(state, event.lotId, event.points - event.deficitSettled, event.availableAt, event.expiresAt, event.deficitSettled);
        state.lifetime.earned += event.points;
        state.lastEventAt = event.earnedAt;
        return state;
      case 'PointsAdjusted':
        if (event.lot) addLot(state, event.lot.lotId, event.points - event.lot.deficitSettled, event.lot.availableAt, event.lot.expiresAt, event.lot.deficitSettled);
        else move(state.lots, event.fromLots, -1);
        state.lifetime.adjusted += event.points;
        state.lastEventAt = event.occurredAt;
        return state;
      case 'PointsRedeemed':
        move(state.lots, event.fromLots, -1);
        state.lifetime.redeemed += event.points;
        state.lastEventAt = event.occurredAt;
        return state;
      case 'RedemptionCancelled':
        move(state.lots, event.toLots, 1);
        state.lifetime.redeemed -= event.points;
        state.lastEventAt = event.occurredAt;
        return state;
      case 'PointsExpired':
        move(state.lots, event.lots, -1);
        state.lifetime.expired += event.points;
        state.lastEventAt = event.asOf;
        return state;
      case 'PointsReversed':
        move(state.lots, event.fromLots, -1);
        state.deficit += event.addedToDeficit;
        state.lifetime.reversed += event.points - event.writtenOff;
        state.lastEventAt = event.occurredAt;
        return state;
      default:
        return state;
    }
  },
  // Lots are rows: an earning adds one, a redemption or expiry changes a few (never every lot).
  storage: {
    collections: { lots: 'record' },
    touches(event) {
      switch (event.type) {
        case 'PointsEarned':
        case 'BonusAwarded':
          return [lotRef(event.lotId)];
        case 'PointsAdjusted':
          return event.lot ? [lotRef(event.lot.lotId)] : event.fromLots.map((m) => lotRef(m.lotId));
        case 'PointsRedeemed':
        case 'PointsReversed':
          return event.fromLots.map((m) => lotRef(m.lotId));
        case 'RedemptionCancelled':
          return event.toLots.map((m) => lotRef(m.lotId));
        case 'PointsExpired':
          return event.lots.map((m) => lotRef(m.lotId));
        default:
          return [];
      }
    },
  },
};

const lotRef = (key: string) => ({ collection: 'lots', key });

function addLot(state: CustomerBalance, lotId: string, points: number, availableAt: string, expiresAt: string, deficitSettled: number): void {
  state.lots[lotId] = { remaining: points, availableAt, expiresAt };
  state.deficit -= deficitSettled;
}

/** Lots keep their dates at zero, so that a cancelled redemption can give points back to them. */
function move(lots: Record<string, BalanceLot>, movements: readonly LotMovement[], sign: 1 | -1): void {
  for (const m of movements) {
    const lot = lots[m.lotId];
    if (lot) lot.remaining += sign * m.points;
  }
}

export interface BalanceAsOf {
  available: number;
  pending: number;
  awaitingExpiry: number;
  outstanding: number;
}

export interface ExpiryOutlook {
  /** The soonest expiry after as-of, and the points it takes. */
  nextExpiry: { at: string; points: number } | null;
  /** Points that expire within 30, 60 and 90 days after as-of. */
  expiringWithinDays: Record<'30' | '60' | '90', number>;
}

/** What will expire, and when, from the projected lots. */
export function expiryOutlook(balance: CustomerBalance, asOf: string): ExpiryOutlook {
  const asOfMs = Date.parse(asOf);
  const within = { '30': 0, '60': 0, '90': 0 };
  let next: { at: string; points: number } | null = null;
  for (const lot of Object.values(balance.lots)) {
    if (lot.remaining <= 0 || lot.expiresAt <= asOf) continue;
    if (next === null || lot.expiresAt < next.at) next = { at: lot.expiresAt, points: lot.remaining };
    else if (lot.expiresAt === next.at) next = { at: next.at, points: next.points + lot.remaining };
    const days = (Date.parse(lot.expiresAt) - asOfMs) / 86_400_000;
    if (days <= 30) within['30'] += lot.remaining;
    if (days <= 60) within['60'] += lot.remaining;
    if (days <= 90) within['90'] += lot.remaining;
  }
  return { nextExpiry: next, expiringWithinDays: within };
}

/** Available and pending points at an instant, from the projected lots. */
export function balanceAsOf(balance: CustomerBalance, asOf: string): BalanceAsOf {
  let available = 0;
  let pending = 0;
  let awaitingExpiry = 0;
  for (const lot of Object.values(balance.lots)) {
    if (asOf >= lot.expiresAt) awaitingExpiry += lot.remaining;
    else if (asOf >= lot.availableAt) available += lot.remaining;
    else pending += lot.remaining;
  }
  return { available: available - balance.deficit, pending, awaitingExpiry, outstanding: available + pending + awaitingExpiry };
}
