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

/** The balances projection: what GET /v1/accounts shows, kept up to date from the ledger. */
export const balancesProjection: CustomerProjection<CustomerBalance> = {
  name: 'balances',
  version: 1,
  initial: (customerId) => ({ customerId, lots: {}, deficit: 0, lifetime: { earned: 0, redeemed: 0, expired: 0, adjusted: 0, reversed: 0 }, lastEventAt: null }),
  apply(state, event) {
    switch (event.type) {
      case 'PointsEarned':
      case 'BonusAwarded':
        return {
          ...addLot(state, event.lotId, event.points - event.deficitSettled, event.availableAt, event.expiresAt, event.deficitSettled),
          lifetime: { ...state.lifetime, earned: state.lifetime.earned + event.points },
          lastEventAt: event.earnedAt,
        };
      case 'PointsAdjusted': {
        const adjusted = { ...state.lifetime, adjusted: state.lifetime.adjusted + event.points };
        if (event.lot) return { ...addLot(state, event.lot.lotId, event.points - event.lot.deficitSettled, event.lot.availableAt, event.lot.expiresAt, event.lot.deficitSettled), lifetime: adjusted, lastEventAt: event.occurredAt };
        return { ...state, lots: take(state.lots, event.fromLots), lifetime: adjusted, lastEventAt: event.occurredAt };
      }
      case 'PointsRedeemed':
        return { ...state, lots: take(state.lots, event.fromLots), lifetime: { ...state.lifetime, redeemed: state.lifetime.redeemed + event.points }, lastEventAt: event.occurredAt };
      case 'RedemptionCancelled':
        return { ...state, lots: give(state.lots, event.toLots), lifetime: { ...state.lifetime, redeemed: state.lifetime.redeemed - event.points }, lastEventAt: event.occurredAt };
      case 'PointsExpired':
        return { ...state, lots: take(state.lots, event.lots), lifetime: { ...state.lifetime, expired: state.lifetime.expired + event.points }, lastEventAt: event.asOf };
      case 'PointsReversed':
        return {
          ...state,
          lots: take(state.lots, event.fromLots),
          deficit: state.deficit + event.addedToDeficit,
          lifetime: { ...state.lifetime, reversed: state.lifetime.reversed + event.points - event.writtenOff },
          lastEventAt: event.occurredAt,
        };
      default:
        return state;
    }
  },
};

function addLot(state: CustomerBalance, lotId: string, points: number, availableAt: string, expiresAt: string, deficitSettled: number): CustomerBalance {
  return { ...state, lots: { ...state.lots, [lotId]: { remaining: points, availableAt, expiresAt } }, deficit: state.deficit - deficitSettled };
}

function take(lots: Record<string, BalanceLot>, movements: readonly LotMovement[]): Record<string, BalanceLot> {
  return adjust(lots, movements, -1);
}

function give(lots: Record<string, BalanceLot>, movements: readonly LotMovement[]): Record<string, BalanceLot> {
  return adjust(lots, movements, 1);
}

/** Lots keep their dates at zero, so that a cancelled redemption can give points back to them. */
function adjust(lots: Record<string, BalanceLot>, movements: readonly LotMovement[], sign: 1 | -1): Record<string, BalanceLot> {
  const next = { ...lots };
  for (const m of movements) {
    const lot = next[m.lotId];
    if (lot) next[m.lotId] = { ...lot, remaining: lot.remaining + sign * m.points };
  }
  return next;
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
