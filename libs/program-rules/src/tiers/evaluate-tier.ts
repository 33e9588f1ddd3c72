import type { TierLevel, TierRules } from '../program-rules.types';
import { addDays, addMonths, formatInstant, startOfMonth, startOfYear } from '../time/utc-calendar';

/** One thing that counts towards a tier: a purchase's net spend and the points it earned. */
export interface QualifyingActivity {
  atMs: number;
  spendMinor: number;
  points: number;
}

/**
 * Activities kept in time order, so that a window's total is a binary search and a short
 * sum, not a scan of the customer's whole history (a frequent buyer has thousands).
 * Entries are live objects: a refund lowers its purchase's spend in place.
 */
export class QualifyingActivityLog {
  private readonly items: QualifyingActivity[] = [];

  static of(activities: readonly QualifyingActivity[]): QualifyingActivityLog {
    const log = new QualifyingActivityLog();
    for (const a of activities) log.add({ ...a });
    return log;
  }

  /** Adds in time order (an out-of-order arrival is inserted where it belongs). */
  add(activity: QualifyingActivity): QualifyingActivity {
    const items = this.items;
    if (items.length === 0 || items[items.length - 1].atMs <= activity.atMs) items.push(activity);
    else items.splice(this.lowerBound(activity.atMs + 1), 0, activity);
    return activity;
  }

  /** Sum over activities with fromMs <= atMs < toMs. */
  total(basis: TierRules['basis'], fromMs: number, toMs: number): number {
    let total = 0;
    const items = this.items;
    for (let i = this.lowerBound(fromMs); i < items.length && items[i].atMs < toMs; i++) {
      total += basis === 'spend' ? items[i].spendMinor : items[i].points;
    }
    return total;
  }

  get size(): number {
    return this.items.length;
  }

  /** The first index whose atMs >= ms. */
  private lowerBound(ms: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid].atMs < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export type TierBasisOfStatus = 'current-window' | 'previous-period' | 'grace';

export interface TierStatus {
  level: TierLevel;
  /** The qualifying total in the window that ends at as-of. */
  qualifyingTotal: number;
  basis: TierBasisOfStatus;
  reason: string;
}

/**
 * The customer's tier as of an instant, from their own activity. The same function serves
 * the ledger (tier multiplier at purchase time) and the tier projection, so the two agree.
 *
 * - Upgrade at once: the level met in the window ending at as-of (activities strictly before as-of).
 * - Downgrade only at period end: the level met in the window that ended at the start of the
 *   current period is kept for the whole period (period = UTC month for a rolling window,
 *   UTC year for a calendar-year window).
 * - Grace: during the first `downgradeGraceDays` of a period, the level held on the last
 *   instant of the previous period is kept too.
 */
export function evaluateTier(activities: QualifyingActivityLog | readonly QualifyingActivity[], rules: TierRules, asOfMs: number): TierStatus {
  const log = activities instanceof QualifyingActivityLog ? activities : QualifyingActivityLog.of(activities);
  return tierAt(log, rules, asOfMs, true);
}

function tierAt(activities: QualifyingActivityLog, rules: TierRules, asOfMs: number, withGrace: boolean): TierStatus {
  const periodStart = rules.window.kind === 'calendar-year' ? startOfYear(asOfMs) : startOfMonth(asOfMs);
  const currentTotal = qualifyingTotal(activities, rules, windowStart(rules, asOfMs), asOfMs);
  const current = levelFor(rules, currentTotal);
  let status: TierStatus = {
    level: current,
    qualifyingTotal: currentTotal,
    basis: 'current-window',
    reason: `${current.name}: ${currentTotal} qualifying ${rules.basis} in ${describeWindow(rules)} to ${formatInstant(asOfMs)} (threshold ${current.threshold})`,
  };

  const previousTotal = qualifyingTotal(activities, rules, windowStart(rules, periodStart - 1, true), periodStart);
  const held = levelFor(rules, previousTotal);
  if (held.threshold > status.level.threshold) {
    status = {
      level: held,
      qualifyingTotal: currentTotal,
      basis: 'previous-period',
      reason: `${held.name}: held until the period end after ${previousTotal} qualifying ${rules.basis} in the period ending ${formatInstant(periodStart)}`,
    };
  }

  if (withGrace && rules.downgradeGraceDays > 0 && asOfMs < addDays(periodStart, rules.downgradeGraceDays)) {
    const endOfPrevious = tierAt(activities, rules, periodStart - 1, false);
    if (endOfPrevious.level.threshold > status.level.threshold) {
      status = {
        level: endOfPrevious.level,
        qualifyingTotal: currentTotal,
        basis: 'grace',
        reason: `${endOfPrevious.level.name}: kept in the ${rules.downgradeGraceDays}-day grace period after ${formatInstant(periodStart)}`,
      };
    }
  }
  return status;
}

/**
 * Start of the window ending at `endMs`. For a calendar year and `wholePeriodEndingAt`, the
 * whole year that contains `endMs` (used for the period that has just ended).
 */
function windowStart(rules: TierRules, endMs: number, wholePeriodEndingAt = false): number {
  if (rules.window.kind === 'calendar-year') return startOfYear(endMs);
  const end = wholePeriodEndingAt ? endMs + 1 : endMs;
  return addMonths(end, -rules.window.months);
}

function qualifyingTotal(activities: QualifyingActivityLog, rules: TierRules, fromMs: number, toMs: number): number {
  return activities.total(rules.basis, fromMs, toMs);
}

/** The highest level whose threshold the total reaches. */
export function levelFor(rules: TierRules, total: number): TierLevel {
  let chosen = rules.levels[0];
  for (const level of rules.levels) {
    if (total >= level.threshold) chosen = level;
  }
  return chosen;
}

function describeWindow(rules: TierRules): string {
  return rules.window.kind === 'calendar-year' ? 'the calendar year' : `the rolling ${rules.window.months} months`;
}
