import type { LedgerEvent, LotMovement } from '@loyalty/ledger-domain';
import { datedPostings, effectiveAtOf } from '../postings/dated-postings';
import { liabilityEffect } from './points-liability';

/** Lot age buckets, in whole days since the lot was earned (as of the report instant). */
export const LOT_AGE_BUCKETS = [
  { label: '0-30 days', maxDays: 30 },
  { label: '31-90 days', maxDays: 90 },
  { label: '91-180 days', maxDays: 180 },
  { label: '181-365 days', maxDays: 365 },
  { label: 'over 365 days', maxDays: Infinity },
] as const;

export interface LiabilitySplitRow {
  key: string;
  points: number;
  /** points × minor units per point (an integer: never a float in the books). */
  valueMinor: number;
  lots: number;
}

export interface LiabilityReport {
  asOf: string;
  currency: string;
  minorUnitsPerPoint: number;
  /** Available + pending + awaiting an expiry run: every point still owed. */
  outstandingPoints: number;
  valueMinor: number;
  available: number;
  pending: number;
  /** Past their expiry date, not yet taken by an expiry run: still owed until the run posts. */
  awaitingExpiry: number;
  /** Per tier: the tier the customer held at their latest earning on or before asOf, as the ledger recorded it. */
  byTier: LiabilitySplitRow[];
  byLotAge: LiabilitySplitRow[];
  /** Per month of expiry (YYYY-MM, UTC). */
  byExpiryMonth: LiabilitySplitRow[];
  /** Liability that no lot explains (always 0 unless the ledger is inconsistent): shown, never hidden. */
  unattributedPoints: number;
  events: number;
}

function ageBucketOf(ageDays: number): string {
  return (LOT_AGE_BUCKETS.find((b) => ageDays <= b.maxDays) ?? LOT_AGE_BUCKETS[LOT_AGE_BUCKETS.length - 1]).label;
}

interface LotAsOf {
  customerId: string;
  remaining: number;
  earnedAt: string;
  availableAt: string;
  expiresAt: string;
}

/**
 * The points liability as of an instant, streamed: feed every ledger event (any order of
 * business time; position order), then read the report. Only movements effective at or
 * before asOf count, so the figure for a past date never changes when later entries arrive.
 * The total is the sum of the liability postings; the splits are the same points per lot.
 */
export class LiabilityAccumulator {
  private readonly lots = new Map<string, LotAsOf>();
  private readonly tierOf = new Map<string, { at: string; tier: string }>();
  private total = 0;
  private events = 0;

  constructor(
    private readonly asOf: string,
    private readonly valuation: { currency: string; minorUnitsPerPoint: number },
  ) {}

  add(event: LedgerEvent): void {
    const at = effectiveAtOf(event);
    if (at > this.asOf) return;
    this.events++;
    for (const p of datedPostings(event)) this.total += liabilityEffect(p);
    switch (event.type) {
      case 'PointsEarned': {
        const known = this.tierOf.get(event.customerId);
        if (!known || known.at <= event.earnedAt) this.tierOf.set(event.customerId, { at: event.earnedAt, tier: event.breakdown.tier.name });
        this.addLot(event.customerId, event.lotId, event.points - event.deficitSettled, event.earnedAt, event.availableAt, event.expiresAt);
        return;
      }
      case 'BonusAwarded':
        this.addLot(event.customerId, event.lotId, event.points - event.deficitSettled, event.earnedAt, event.availableAt, event.expiresAt);
        return;
      case 'PointsAdjusted':
        if (event.lot) this.addLot(event.customerId, event.lot.lotId, event.points - event.lot.deficitSettled, event.occurredAt, event.lot.availableAt, event.lot.expiresAt);
        else this.move(event.customerId, event.fromLots, -1);
        return;
      case 'PointsRedeemed':
      case 'PointsReversed':
        this.move(event.customerId, event.fromLots, -1);
        return;
      case 'RedemptionCancelled':
        this.move(event.customerId, event.toLots, 1);
        return;
      case 'PointsExpired':
        this.move(event.customerId, event.lots, -1);
        return;
      default:
        return;
    }
  }

  report(): LiabilityReport {
    const { currency, minorUnitsPerPoint } = this.valuation;
    const byTier = new Splits(minorUnitsPerPoint);
    const byAge = new Splits(minorUnitsPerPoint);
    const byExpiry = new Splits(minorUnitsPerPoint);
    let available = 0;
    let pending = 0;
    let awaitingExpiry = 0;
    let inLots = 0;
    const asOfMs = Date.parse(this.asOf);
    for (const lot of this.lots.values()) {
      if (lot.remaining === 0) continue;
      inLots += lot.remaining;
      if (this.asOf >= lot.expiresAt) awaitingExpiry += lot.remaining;
      else if (this.asOf >= lot.availableAt) available += lot.remaining;
      else pending += lot.remaining;
      byTier.add(this.tierOf.get(lot.customerId)?.tier ?? 'none recorded', lot.remaining);
      byAge.add(ageBucketOf(Math.floor((asOfMs - Date.parse(lot.earnedAt)) / 86_400_000)), lot.remaining);
      byExpiry.add(lot.expiresAt.slice(0, 7), lot.remaining);
    }
    return {
      asOf: this.asOf,
      currency,
      minorUnitsPerPoint,
      outstandingPoints: this.total,
      valueMinor: this.total * minorUnitsPerPoint,
      available,
      pending,
      awaitingExpiry,
      byTier: byTier.rows(),
      byLotAge: byAge.rows(LOT_AGE_BUCKETS.map((b) => b.label)),
      byExpiryMonth: byExpiry.rows(),
      unattributedPoints: this.total - inLots,
      events: this.events,
    };
  }

  /**
   * The lots (customer + lot id keys) behind one row of a split, for the drill-down from a
   * liability figure to its entries. Same classification as report().
   */
  lotsIn(split: 'tier' | 'lotAge' | 'expiryMonth', key: string): Set<string> {
    const asOfMs = Date.parse(this.asOf);
    const found = new Set<string>();
    for (const [lotKey, lot] of this.lots) {
      if (lot.remaining === 0) continue;
      const rowKey =
        split === 'tier'
          ? (this.tierOf.get(lot.customerId)?.tier ?? 'none recorded')
          : split === 'expiryMonth'
            ? lot.expiresAt.slice(0, 7)
            : ageBucketOf(Math.floor((asOfMs - Date.parse(lot.earnedAt)) / 86_400_000));
      if (rowKey === key) found.add(lotKey);
    }
    return found;
  }

  private addLot(customerId: string, lotId: string, points: number, earnedAt: string, availableAt: string, expiresAt: string): void {
    this.lots.set(`${customerId}\u0000${lotId}`, { customerId, remaining: points, earnedAt, availableAt, expiresAt });
  }

  private move(customerId: string, movements: readonly LotMovement[], sign: 1 | -1): void {
    for (const m of movements) {
      const lot = this.lots.get(`${customerId}\u0000${m.lotId}`);
      if (lot) lot.remaining += sign * m.points;
    }
  }
}

class Splits {
  private readonly map = new Map<string, { points: number; lots: number }>();
  constructor(private readonly minorUnitsPerPoint: number) {}

  add(key: string, points: number): void {
    const row = this.map.get(key);
    if (row) {
      row.points += points;
      row.lots++;
    } else this.map.set(key, { points, lots: 1 });
  }

  /** Rows in the given order (every key listed, zero if empty), else sorted by key. */
  rows(order?: readonly string[]): LiabilitySplitRow[] {
    const keys = order ?? [...this.map.keys()].sort();
    return keys.map((key) => {
      const row = this.map.get(key) ?? { points: 0, lots: 0 };
      return { key, points: row.points, valueMinor: row.points * this.minorUnitsPerPoint, lots: row.lots };
    });
  }
}
