import { exact } from './exact-sum';
import { lotEffectsOf, statusWithPoints, type LedgerAccount, type LedgerEvent } from '@loyalty/ledger-domain';
import { formatInstant } from '@loyalty/program-rules';
import { lotKey } from './liability-report';
import { datedPostings, effectiveAtOf } from '../postings/dated-postings';
import { addMovement, emptyRollForwardRow, liabilityEffect, type RollForwardRow, type TrialBalanceRow } from './points-liability';

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
 * The roll-forward, streamed: opening + migrated + issued − redeemed + cancelled redemptions − expired
 * ± adjustments − reversals = closing per period, each period's closing the next one's
 * opening. Same definitions as `rollForward` (which it is tested against), in one pass and
 * O(log periods) per posting.
 */
export class RollForwardAccumulator {
  private opening = 0;
  private readonly rows: RollForwardRow[];

  constructor(private readonly periods: readonly Period[]) {
    this.rows = periods.map(({ from, to }) => emptyRollForwardRow(from, to));
  }

  add(event: LedgerEvent): void {
    if (this.periods.length === 0) return;
    const at = effectiveAtOf(event);
    if (at >= this.periods[this.periods.length - 1].to) return;
    const postings = datedPostings(event);
    if (at < this.periods[0].from) {
      for (const p of postings) this.opening = exact(this.opening + liabilityEffect(p));
      return;
    }
    const row = this.rows[periodIndex(this.periods, at)];
    for (const p of postings) {
      if (p.movement === 'written-off') row.writtenOff = exact(row.writtenOff + p.points);
      const effect = liabilityEffect(p);
      if (effect !== 0) addMovement(row, p.movement, effect);
    }
  }

  report(): RollForwardRow[] {
    let opening = this.opening;
    return this.rows.map((r) => {
      const closing = exact(opening + r.migrated + r.issued - r.redeemed + r.redemptionsCancelled - r.expired + r.adjustments - r.reversals);
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
      this.row(p.debit).debit = exact(this.row(p.debit).debit + p.points);
      this.row(p.credit).credit = exact(this.row(p.credit).credit + p.points);
    }
  }

  report(): { from: string; to: string; rows: TrialBalanceRow[]; totalDebit: number; totalCredit: number } {
    const rows = [...this.rows.values()].sort((a, b) => (a.account < b.account ? -1 : 1));
    return { ...this.period, rows, totalDebit: rows.reduce((n, r) => exact(n + r.debit), 0), totalCredit: rows.reduce((n, r) => exact(n + r.credit), 0) };
  }

  private row(account: LedgerAccount): TrialBalanceRow {
    let r = this.rows.get(account);
    if (!r) this.rows.set(account, (r = { account, debit: 0, credit: 0 }));
    return r;
  }
}

export interface BreakageReport {
  /**
   * Points that expired in each period: expiry entries dated in it, plus points whose expiry
   * instant falls in it and that no entry has taken yet (awaitingRun): past their expiry they
   * are broken whether or not the expiry job has run.
   */
  periods: { from: string; to: string; expiredPoints: number; awaitingRun: number }[];
  /**
   * The estimated breakage rate (IFRS 15: the share of issued points expected never to be
   * redeemed), from matured lots only: lots whose expiry instant is on or before `asOf`, so
   * their fate is settled. rate = points that expired from them (with or without their entry
   * yet) / points they issued net of refund reversals. Given in parts per million (an
   * integer) and as a decimal string for people. Lots still live are not guessed at.
   */
  estimate: { asOf: string; maturedLots: number; issuedPoints: number; expiredPoints: number; ratePpm: number; rate: string; method: string };
}

interface BreakageLot {
  expiresAtMs: number;
  availableAtMs: number;
  issued: number;
  expired: number;
  /** Points in the lot as of asOf. */
  remaining: number;
}

/** Expired points per period and the breakage rate estimated from matured lots. */
export class BreakageAccumulator {
  private readonly expiredPerPeriod: number[];
  private readonly lots = new Map<string, BreakageLot>();
  private readonly asOfMs: number;

  constructor(
    private readonly periods: readonly Period[],
    private readonly asOf: string,
  ) {
    this.expiredPerPeriod = periods.map(() => 0);
    this.asOfMs = Date.parse(asOf);
  }

  add(event: LedgerEvent): void {
    const at = effectiveAtOf(event);
    if (event.type === 'PointsExpired') {
      const i = this.periods.length ? periodIndex(this.periods, at) : -1;
      if (i >= 0) this.expiredPerPeriod[i] = exact(this.expiredPerPeriod[i] + event.points);
    }
    if (at > this.asOf) return;
    const effects = lotEffectsOf(event);
    if (!effects) return;
    for (const opened of effects.opened) {
      this.lots.set(lotKey(event.customerId, opened.lotId), {
        expiresAtMs: opened.expiresAtMs,
        availableAtMs: opened.availableAtMs,
        issued: opened.points,
        expired: 0,
        remaining: opened.points,
      });
    }
    for (const m of effects.moves) {
      const lot = this.lots.get(lotKey(event.customerId, m.lotId));
      if (!lot) continue;
      lot.remaining = exact(lot.remaining + m.points);
      if (m.cause === 'reversed') lot.issued = exact(lot.issued + m.points);
      if (m.cause === 'expired') lot.expired = exact(lot.expired - m.points);
    }
  }

  report(): BreakageReport {
    let maturedLots = 0;
    let issuedPoints = 0;
    let expiredPoints = 0;
    const awaitingPerPeriod = this.periods.map(() => 0);
    for (const lot of this.lots.values()) {
      // Points past their expiry with no entry yet: broken all the same, at the lot's expiry instant.
      const awaiting = statusWithPoints(lot, lot.remaining, this.asOfMs) === 'expired-awaiting-run' ? lot.remaining : 0;
      if (awaiting > 0 && this.periods.length) {
        const i = periodIndex(this.periods, formatInstant(lot.expiresAtMs));
        if (i >= 0) awaitingPerPeriod[i] = exact(awaitingPerPeriod[i] + awaiting);
      }
      if (lot.expiresAtMs > this.asOfMs) continue;
      maturedLots++;
      issuedPoints = exact(issuedPoints + lot.issued);
      expiredPoints = exact(expiredPoints + lot.expired + awaiting);
    }
    const ratePpm = issuedPoints > 0 ? Math.round((expiredPoints * 1_000_000) / issuedPoints) : 0;
    return {
      periods: this.periods.map((p, i) => ({ ...p, expiredPoints: this.expiredPerPeriod[i] + awaitingPerPeriod[i], awaitingRun: awaitingPerPeriod[i] })),
      estimate: {
        asOf: this.asOf,
        maturedLots,
        issuedPoints,
        expiredPoints,
        ratePpm,
        rate: (ratePpm / 1_000_000).toFixed(6),
        method:
          'IFRS 15 breakage from matured lots (expiry instant on or before asOf): points expired, with or without their expiry entry yet, / points issued net of refund reversals',
      },
    };
  }
}
