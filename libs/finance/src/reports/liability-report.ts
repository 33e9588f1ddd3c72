import { exact } from './exact-sum';
import { HoldingsBuilder, lotEffectsOf, statusWithPoints, type Holdings, type LedgerEvent } from '@loyalty/ledger-domain';
import { formatInstant } from '@loyalty/program-rules';
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
  /**
   * The points liability: every point customers may still use as of asOf (available + pending),
   * from the entries dated at or before it. Points past their expiry are not owed, whether or
   * not the expiry job has posted their entry yet.
   */
  outstandingPoints: number;
  valueMinor: number;
  available: number;
  pending: number;
  /** Past their expiry instant, with no expiry entry yet: not owed; the expiry job posts them, dated at that instant. */
  awaitingExpiry: number;
  /** What customers owe after refunds of spent points (receivable:negative-balances). */
  deficit: number;
  /**
   * The balance of liability:customer-points from the postings dated at or before asOf: the
   * outstanding points plus those awaiting an expiry entry. It ties to the trial balance.
   */
  postedLiabilityPoints: number;
  /** Per tier: the tier the customer held at their latest earning on or before asOf, as the ledger recorded it. */
  byTier: LiabilitySplitRow[];
  byLotAge: LiabilitySplitRow[];
  /** Per month of expiry (YYYY-MM, UTC). */
  byExpiryMonth: LiabilitySplitRow[];
  /** Posted liability that no lot explains (always 0 unless the ledger is inconsistent): shown, never hidden. */
  unattributedPoints: number;
  events: number;
}

function ageBucketOf(ageDays: number): string {
  return (LOT_AGE_BUCKETS.find((b) => ageDays <= b.maxDays) ?? LOT_AGE_BUCKETS[LOT_AGE_BUCKETS.length - 1]).label;
}

interface LotAsOf {
  customerId: string;
  /** Points in the lot as of the report instant (only entries dated at or before it are added). */
  remaining: number;
  earnedAtMs: number;
  availableAtMs: number;
  expiresAtMs: number;
}

/**
 * The points liability as of an instant, streamed: feed every ledger event (any order of
 * business time; position order), then read the report. Only entries dated at or before asOf
 * count, so the figure for a past date never changes when later entries arrive. Lots are
 * classified by the one lot model, as the account and the balances read model classify them.
 */
export class LiabilityAccumulator {
  private readonly lots = new Map<string, LotAsOf>();
  private readonly tierOf = new Map<string, { at: string; tier: string }>();
  private readonly deficitOf = new Map<string, number>();
  private readonly asOfMs: number;
  private posted = 0;
  private events = 0;

  constructor(
    private readonly asOf: string,
    private readonly valuation: { currency: string; minorUnitsPerPoint: number },
    /** Only this customer's entries (a per-customer reconciliation). */
    private readonly customerId?: string,
  ) {
    this.asOfMs = Date.parse(asOf);
  }

  /** The tier of the customer's latest earning (or opening balance) up to as-of. */
  private noteTier(customerId: string, at: string, tier: string): void {
    const known = this.tierOf.get(customerId);
    if (!known || known.at <= at) this.tierOf.set(customerId, { at, tier });
  }

  add(event: LedgerEvent): void {
    if (this.customerId !== undefined && event.customerId !== this.customerId) return;
    const at = effectiveAtOf(event);
    if (at > this.asOf) return;
    this.events++;
    for (const p of datedPostings(event)) this.posted = exact(this.posted + liabilityEffect(p));
    if (event.type === 'PointsEarned') this.noteTier(event.customerId, event.earnedAt, event.breakdown.tier.name);
    if (event.type === 'OpeningBalanceMigrated' && event.tier) this.noteTier(event.customerId, event.migratedAt, event.tier.name);
    const effects = lotEffectsOf(event);
    if (!effects) return;
    for (const opened of effects.opened) {
      this.lots.set(lotKey(event.customerId, opened.lotId), {
        customerId: event.customerId,
        remaining: opened.points,
        earnedAtMs: opened.earnedAtMs,
        availableAtMs: opened.availableAtMs,
        expiresAtMs: opened.expiresAtMs,
      });
    }
    for (const m of effects.moves) {
      const lot = this.lots.get(lotKey(event.customerId, m.lotId));
      if (lot) lot.remaining = exact(lot.remaining + m.points);
    }
    if (effects.deficit !== 0) this.deficitOf.set(event.customerId, (this.deficitOf.get(event.customerId) ?? 0) + effects.deficit);
  }

  report(): LiabilityReport {
    const { currency, minorUnitsPerPoint } = this.valuation;
    const byTier = new Splits(minorUnitsPerPoint);
    const byAge = new Splits(minorUnitsPerPoint);
    const byExpiry = new Splits(minorUnitsPerPoint);
    const holdings = new HoldingsBuilder(this.asOfMs);
    let inLots = 0;
    for (const lot of this.lots.values()) {
      if (lot.remaining === 0) continue;
      inLots = exact(inLots + lot.remaining);
      holdings.add(lot, lot.remaining);
      if (statusWithPoints(lot, lot.remaining, this.asOfMs) === 'expired-awaiting-run') continue;
      byTier.add(this.tierOf.get(lot.customerId)?.tier ?? 'none recorded', lot.remaining);
      byAge.add(ageBucketOf(Math.floor((this.asOfMs - lot.earnedAtMs) / 86_400_000)), lot.remaining);
      byExpiry.add(formatInstant(lot.expiresAtMs).slice(0, 7), lot.remaining);
    }
    let deficit = 0;
    for (const owed of this.deficitOf.values()) deficit = exact(deficit + owed);
    const held = holdings.build(deficit);
    return {
      asOf: this.asOf,
      currency,
      minorUnitsPerPoint,
      outstandingPoints: held.outstanding,
      valueMinor: exact(held.outstanding * minorUnitsPerPoint),
      available: held.available + deficit,
      pending: held.pending,
      awaitingExpiry: held.awaitingExpiry,
      deficit,
      postedLiabilityPoints: this.posted,
      byTier: byTier.rows(),
      byLotAge: byAge.rows(LOT_AGE_BUCKETS.map((b) => b.label)),
      byExpiryMonth: byExpiry.rows(),
      unattributedPoints: this.posted - inLots,
      events: this.events,
    };
  }

  /** What one customer holds as of the instant (the account's definitions), from the entries fed. */
  holdingsOf(customerId: string): Holdings {
    const builder = new HoldingsBuilder(this.asOfMs);
    for (const lot of this.lots.values()) if (lot.customerId === customerId && lot.remaining !== 0) builder.add(lot, lot.remaining);
    return builder.build(this.deficitOf.get(customerId) ?? 0);
  }

  /**
   * The lots (customer + lot id keys) behind one row of a split, for the drill-down from a
   * liability figure to its entries. Same classification as report().
   */
  lotsIn(split: 'tier' | 'lotAge' | 'expiryMonth', key: string): Set<string> {
    const found = new Set<string>();
    for (const [id, lot] of this.lots) {
      if (lot.remaining === 0 || statusWithPoints(lot, lot.remaining, this.asOfMs) === 'expired-awaiting-run') continue;
      const rowKey =
        split === 'tier'
          ? (this.tierOf.get(lot.customerId)?.tier ?? 'none recorded')
          : split === 'expiryMonth'
            ? formatInstant(lot.expiresAtMs).slice(0, 7)
            : ageBucketOf(Math.floor((this.asOfMs - lot.earnedAtMs) / 86_400_000));
      if (rowKey === key) found.add(id);
    }
    return found;
  }
}

/** The key of a customer's lot in the reports' lot maps and drill-down sets. */
export function lotKey(customerId: string, lotId: string): string {
  return `${customerId}\u0000${lotId}`;
}

class Splits {
  private readonly map = new Map<string, { points: number; lots: number }>();
  constructor(private readonly minorUnitsPerPoint: number) {}

  add(key: string, points: number): void {
    const row = this.map.get(key);
    if (row) {
      row.points = exact(row.points + points);
      row.lots++;
    } else this.map.set(key, { points, lots: 1 });
  }

  /** Rows in the given order (every key listed, zero if empty), else sorted by key. */
  rows(order?: readonly string[]): LiabilitySplitRow[] {
    const keys = order ?? [...this.map.keys()].sort();
    return keys.map((key) => {
      const row = this.map.get(key) ?? { points: 0, lots: 0 };
      return { key, points: row.points, valueMinor: exact(row.points * this.minorUnitsPerPoint), lots: row.lots };
    });
  }
}
