import type { LedgerAccount, LedgerEvent } from '@loyalty/ledger-domain';
import { datedPostings, effectiveAtOf } from '../postings/dated-postings';
import { addMovement, liabilityEffect, type RollForwardRow, type TrialBalanceRow } from './points-liability';

export interface Period {
  from: string;
  to: string;
}

/** The period holding an instant (periods are consecutive and sorted), or -1. */
function periodIndex(periods: readonly Period[], at: string): number {
  let lo = 0;
  let hi = periods.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (at < periods[mid].from) hi = mid - 1;
    else if (at >= periods[mid].to) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * The roll-forward, streamed: opening + issued − redeemed + cancelled redemptions − expired
 * ± adjustments − reversals = closing per period, each period's closing the next one's
 * opening. Same definitions as `rollForward` (which it is tested against), in one pass and
 * O(log periods) per posting.
 */
export class RollForwardAccumulator {
  private opening = 0;
  private readonly rows: RollForwardRow[];

  constructor(private readonly periods: readonly Period[]) {
    this.rows = periods.map(({ from, to }) => ({ from, to, opening: 0, issued: 0, redeemed: 0, redemptionsCancelled: 0, expired: 0, adjustments: 0, reversals: 0, closing: 0 }));
  }

  add(event: LedgerEvent): void {
    if (this.periods.length === 0) return;
    const at = effectiveAtOf(event);
    if (at >= this.periods[this.periods.length - 1].to) return;
    const postings = datedPostings(event);
    if (at < this.periods[0].from) {
      for (const p of postings) this.opening += liabilityEffect(p);
      return;
    }
    const row = this.rows[periodIndex(this.periods, at)];
    for (const p of postings) {
      const effect = liabilityEffect(p);
      if (effect !== 0) addMovement(row, p.movement, effect);
    }
  }

  report(): RollForwardRow[] {
    let opening = this.opening;
    return this.rows.map((r) => {
      const closing = opening + r.issued - r.redeemed + r.redemptionsCancelled - r.expired + r.adjustments - r.reversals;
      const row = { ...r, opening, closing };
      opening = closing;
      return row;
    });
  }
}

/** Debits and credits per account for [from, to), streamed. Debits always equal credits. */
export class TrialBalanceAccumulator {
  private readonly rows = new Map<LedgerAccount, TrialBalanceRow>();

  constructor(private readonly period: Period) {}

  add(event: LedgerEvent): void {
    const at = effectiveAtOf(event);
    if (at < this.period.from || at >= this.period.to) return;
    for (const p of datedPostings(event)) {
      this.row(p.debit).debit += p.points;
      this.row(p.credit).credit += p.points;
    }
  }

  report(): { from: string; to: string; rows: TrialBalanceRow[]; totalDebit: number; totalCredit: number } {
    const rows = [...this.rows.values()].sort((a, b) => (a.account < b.account ? -1 : 1));
    return { ...this.period, rows, totalDebit: rows.reduce((n, r) => n + r.debit, 0), totalCredit: rows.reduce((n, r) => n + r.credit, 0) };
  }

  private row(account: LedgerAccount): TrialBalanceRow {
    let r = this.rows.get(account);
    if (!r) this.rows.set(account, (r = { account, debit: 0, credit: 0 }));
    return r;
  }
}

export interface BreakageReport {
  periods: { from: string; to: string; expiredPoints: number }[];
  /**
   * The estimated breakage rate, from matured lots only: lots whose expiry date is on or
   * before `asOf`, so their fate is settled. rate = points expired from them / points they
   * issued net of refund reversals. Given in parts per million (an integer) and as a decimal
   * string for people. Lots still live are not guessed at.
   */
  estimate: { asOf: string; maturedLots: number; issuedPoints: number; expiredPoints: number; ratePpm: number; rate: string; method: string };
}

/** Expired points per period and the breakage rate estimated from matured lots. */
export class BreakageAccumulator {
  private readonly expiredPerPeriod: number[];
  private readonly lots = new Map<string, { expiresAt: string; issued: number; expired: number }>();

  constructor(
    private readonly periods: readonly Period[],
    private readonly asOf: string,
  ) {
    this.expiredPerPeriod = periods.map(() => 0);
  }

  add(event: LedgerEvent): void {
    const at = effectiveAtOf(event);
    const key = (lotId: string) => `${event.customerId}\u0000${lotId}`;
    if (event.type === 'PointsExpired') {
      const i = this.periods.length ? periodIndex(this.periods, at) : -1;
      if (i >= 0) this.expiredPerPeriod[i] += event.points;
    }
    if (at > this.asOf) return;
    switch (event.type) {
      case 'PointsEarned':
      case 'BonusAwarded':
        this.lots.set(key(event.lotId), { expiresAt: event.expiresAt, issued: event.points, expired: 0 });
        return;
      case 'PointsAdjusted':
        if (event.lot) this.lots.set(key(event.lot.lotId), { expiresAt: event.lot.expiresAt, issued: event.points, expired: 0 });
        return;
      case 'PointsReversed':
        for (const m of event.fromLots) {
          const lot = this.lots.get(key(m.lotId));
          if (lot) lot.issued -= m.points;
        }
        return;
      case 'PointsExpired':
        for (const m of event.lots) {
          const lot = this.lots.get(key(m.lotId));
          if (lot) lot.expired += m.points;
        }
        return;
      default:
        return;
    }
  }

  report(): BreakageReport {
    let maturedLots = 0;
    let issuedPoints = 0;
    let expiredPoints = 0;
    for (const lot of this.lots.values()) {
      if (lot.expiresAt > this.asOf) continue;
      maturedLots++;
      issuedPoints += lot.issued;
      expiredPoints += lot.expired;
    }
    const ratePpm = issuedPoints > 0 ? Math.round((expiredPoints * 1_000_000) / issuedPoints) : 0;
    return {
      periods: this.periods.map((p, i) => ({ ...p, expiredPoints: this.expiredPerPeriod[i] })),
      estimate: {
        asOf: this.asOf,
        maturedLots,
        issuedPoints,
        expiredPoints,
        ratePpm,
        rate: (ratePpm / 1_000_000).toFixed(6),
        method: 'matured lots (expiry date on or before asOf): points expired / points issued net of refund reversals',
      },
    };
  }
}
