import { exact } from './exact-sum';
import { LedgerAccount, type LedgerAccount as Account } from '@loyalty/ledger-domain';
import type { DatedPosting, Movement } from '../postings/dated-postings';

/** Signed effect of a posting on the customer-points liability (a credit raises it). */
export function liabilityEffect(p: DatedPosting): number {
  if (p.credit === LedgerAccount.CustomerPointsLiability) return p.points;
  if (p.debit === LedgerAccount.CustomerPointsLiability) return -p.points;
  return 0;
}

/** Outstanding points (the liability) as of an instant: every posting effective at or before it. */
export function liabilityAsOf(postings: Iterable<DatedPosting>, asOf: string): number {
  let total = 0;
  for (const p of postings) if (p.effectiveAt <= asOf) total = exact(total + liabilityEffect(p));
  return total;
}

export interface RollForwardRow {
  from: string;
  to: string;
  opening: number;
  /** Taken over from another program at its cutover (opening balances migrated). */
  migrated: number;
  issued: number;
  redeemed: number;
  redemptionsCancelled: number;
  expired: number;
  adjustments: number;
  reversals: number;
  closing: number;
  /**
   * Memo, outside the equation: points refunds could not take back (already spent) and the
   * write-off policy forgave. They do not move the liability; shown so that what refunds took
   * back, what became owed and what was forgiven are all in the report.
   */
  writtenOff: number;
}

/** A period's roll-forward before any movement. */
export function emptyRollForwardRow(from: string, to: string): RollForwardRow {
  return {
    from,
    to,
    opening: 0,
    migrated: 0,
    issued: 0,
    redeemed: 0,
    redemptionsCancelled: 0,
    expired: 0,
    adjustments: 0,
    reversals: 0,
    closing: 0,
    writtenOff: 0,
  };
}

/**
 * Opening + migrated + issued − redeemed + cancelled redemptions − expired ± adjustments − reversals =
 * closing, for each period [from, to) (postings effective at or after `from`, before `to`).
 * Opening is the liability of everything before `from`; closing of everything before `to`.
 */
export function rollForward(postings: readonly DatedPosting[], periods: readonly { from: string; to: string }[]): RollForwardRow[] {
  return periods.map(({ from, to }) => {
    const row = emptyRollForwardRow(from, to);
    for (const p of postings) {
      if (p.movement === 'written-off') {
        if (p.effectiveAt >= from && p.effectiveAt < to) row.writtenOff = exact(row.writtenOff + p.points);
        continue;
      }
      const effect = liabilityEffect(p);
      if (effect === 0) continue;
      if (p.effectiveAt < from) {
        row.opening = exact(row.opening + effect);
        continue;
      }
      if (p.effectiveAt >= to) continue;
      addMovement(row, p.movement, effect);
    }
    row.closing = exact(row.opening + row.migrated + row.issued - row.redeemed + row.redemptionsCancelled - row.expired + row.adjustments - row.reversals);
    return row;
  });
}

/** Adds a posting's liability effect to its roll-forward column. */
export function addMovement(row: RollForwardRow, movement: Movement, effect: number): void {
  switch (movement) {
    case 'migrated':
      row.migrated = exact(row.migrated + effect);
      return;
    case 'issued':
      row.issued = exact(row.issued + effect);
      return;
    case 'redeemed':
      row.redeemed = exact(row.redeemed - effect);
      return;
    case 'redemption-cancelled':
      row.redemptionsCancelled = exact(row.redemptionsCancelled + effect);
      return;
    case 'expired':
      row.expired = exact(row.expired - effect);
      return;
    case 'adjusted':
      row.adjustments = exact(row.adjustments + effect);
      return;
    case 'reversed':
    case 'deficit':
      row.reversals = exact(row.reversals - effect);
      return;
    case 'written-off':
      return;
  }
}

/** Consecutive periods of whole UTC days or months covering [from, to). */
export function periods(from: string, to: string, by: 'day' | 'month'): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  let start = new Date(from);
  const end = new Date(to);
  while (start < end) {
    const next =
      by === 'day'
        ? new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + 1))
        : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    const stop = next < end ? next : end;
    out.push({ from: start.toISOString(), to: stop.toISOString() });
    start = stop;
  }
  return out;
}

export interface TrialBalanceRow {
  account: Account;
  debit: number;
  credit: number;
}

/** Debits and credits per account for postings effective in [from, to): they always sum equal. */
export function trialBalanceFor(postings: Iterable<DatedPosting>, from: string, to: string): TrialBalanceRow[] {
  const rows = new Map<Account, TrialBalanceRow>();
  const row = (account: Account) => {
    let r = rows.get(account);
    if (!r) rows.set(account, (r = { account, debit: 0, credit: 0 }));
    return r;
  };
  for (const p of postings) {
    if (p.effectiveAt < from || p.effectiveAt >= to) continue;
    row(p.debit).debit = exact(row(p.debit).debit + p.points);
    row(p.credit).credit = exact(row(p.credit).credit + p.points);
  }
  return [...rows.values()].sort((a, b) => (a.account < b.account ? -1 : 1));
}
