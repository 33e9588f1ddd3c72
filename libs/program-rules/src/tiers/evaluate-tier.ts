import type { TierLevel, TierRules } from '../program-rules.types';
import { QualifyingActivityLog, type QualifyingActivity } from './qualifying-activity-log';
import { addDays, addMonths, formatInstant, startOfMonth, startOfYear } from '../time/utc-calendar';

export type TierBasisOfStatus = 'current-window' | 'previous-period' | 'grace';

export interface TierStatus {
  level: TierLevel;
  /** The qualifying total in the window that ends at as-of. */
  qualifyingTotal: number;
  basis: TierBasisOfStatus;
  /** For previous-period and grace: the total that earned the kept level, and when that period ended. */
  keptFrom?: { periodEndMs: number; qualifyingTotal: number };
  asOfMs: number;
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
  let status: TierStatus = { level: current, qualifyingTotal: currentTotal, basis: 'current-window', asOfMs };

  const previousTotal = qualifyingTotal(activities, rules, windowStart(rules, periodStart - 1, true), periodStart);
  const held = levelFor(rules, previousTotal);
  if (held.threshold > status.level.threshold) {
    status = {
      level: held,
      qualifyingTotal: currentTotal,
      basis: 'previous-period',
      keptFrom: { periodEndMs: periodStart, qualifyingTotal: previousTotal },
      asOfMs,
    };
  }

  if (withGrace && rules.downgradeGraceDays > 0 && asOfMs < addDays(periodStart, rules.downgradeGraceDays)) {
    const endOfPrevious = tierAt(activities, rules, periodStart - 1, false);
    if (endOfPrevious.level.threshold > status.level.threshold) {
      status = {
        level: endOfPrevious.level,
        qualifyingTotal: currentTotal,
        basis: 'grace',
        keptFrom: { periodEndMs: periodStart, qualifyingTotal: endOfPrevious.keptFrom?.qualifyingTotal ?? endOfPrevious.qualifyingTotal },
        asOfMs,
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

/** The status in words, for people (built on demand: the ledger stores the structured status). */
export function describeTierStatus(status: TierStatus, rules: TierRules): string {
  const { level } = status;
  switch (status.basis) {
    case 'current-window':
      return `${level.name}: ${status.qualifyingTotal} qualifying ${rules.basis} in ${describeWindow(rules)} to ${formatInstant(status.asOfMs)} (threshold ${level.threshold})`;
    case 'previous-period':
      return `${level.name}: held until the period end after ${status.keptFrom?.qualifyingTotal} qualifying ${rules.basis} in the period ending ${formatInstant(status.keptFrom?.periodEndMs ?? status.asOfMs)}`;
    case 'grace':
      return `${level.name}: kept in the ${rules.downgradeGraceDays}-day grace period after ${formatInstant(status.keptFrom?.periodEndMs ?? status.asOfMs)}`;
  }
}

function describeWindow(rules: TierRules): string {
  return rules.window.kind === 'calendar-year' ? 'the calendar year' : `the rolling ${rules.window.months} months`;
}
