import { remainingAt } from '@loyalty/ledger-domain';
import { addDays, addMonths, evaluateTier, startOfMonth, startOfYear, type ProgramRules, type TierRules } from '@loyalty/program-rules';
import type { CustomerBalance } from '../balances/balances.projection';
import type { CustomerProfile } from '../customer-profile/customer-profile.projection';
import { qualifyingLogOf } from '../measures/tier';
import { tierChange } from './derive-from-event';
import { NOTIFICATION_CATALOG_VERSION, notificationId, type LoyaltyNotification } from './notification-catalog';

const DAY = 86_400_000;

/** When time-driven notifications fire. */
export interface ScanSettings {
  /** Days before a lot's expiry at which `points.expiring` is sent, e.g. [30, 7]. */
  expiringDaysBefore: number[];
  /** From how many days before the period end a customer who will drop is warned. */
  downgradeWarningDaysBefore: number;
}

export const DEFAULT_SCAN_SETTINGS: ScanSettings = { expiringDaysBefore: [30, 7], downgradeWarningDaysBefore: 30 };

/** The segment and loyalty class a customer was last announced in; `changes` counts announcements (it keys their ids). */
export interface StandingMemory {
  segment: string;
  loyaltyClass: string;
  changes: number;
}

/** The customer's standing now, as the read side evaluates it (the caller's one RFM definition). */
export interface Standing {
  segment: string;
  loyaltyClass: string;
  lacks: { behavioural: string[]; psychological: string | null };
}

export interface ScanInput {
  customerId: string;
  profile: CustomerProfile | null;
  balance: CustomerBalance | null;
  /** The last announced standing; null for a customer not seen by a scan before. */
  memory: StandingMemory | null;
  standing: Standing | null;
  rules: ProgramRules;
  /** The scan covers (after, asOf]: what became due in it. `after` null: the scanner's very first scan, which only learns standings. */
  after: string | null;
  asOf: string;
  /** The read models' position the scan read. */
  position: string;
  settings: ScanSettings;
  otherSegment: string;
}

/**
 * The time-driven notifications of one customer over (after, asOf], a pure function of the read
 * models, the rules and the window: a lot's points becoming spendable (at `availableAt`
 * exactly), a lot about to expire (each configured number of days before), a tier dropping at a
 * period end (or at the end of its grace) and the warning before it (only when the customer
 * will really drop: the tier without further activity at the drop is lower), and a segment or
 * loyalty class entered or left. Ids are keyed by the fact (lot, horizon, period end, standing
 * change count), so a repeated scan of the same window yields the same ids.
 */
export function deriveFromScan(input: ScanInput): { memory: StandingMemory | null; notifications: LoyaltyNotification[] } {
  const { customerId, rules, asOf, position } = input;
  const afterMs = input.after === null ? null : Date.parse(input.after);
  const asOfMs = Date.parse(asOf);
  const out: LoyaltyNotification[] = [];
  const emit = (type: LoyaltyNotification['type'], occurredAt: string, data: LoyaltyNotification['data'], ...key: string[]) =>
    out.push({ id: notificationId(type, customerId, ...key), type, version: NOTIFICATION_CATALOG_VERSION, customerId, occurredAt, position, data });
  const due = (ms: number) => afterMs !== null && ms > afterMs && ms <= asOfMs;
  const iso = (ms: number) => new Date(ms).toISOString();

  for (const [lotId, lot] of Object.entries(input.balance?.lots ?? {})) {
    if (lot.availableAtMs > lot.earnedAtMs && due(lot.availableAtMs)) {
      const points = remainingAt(lot, lot.availableAtMs);
      if (points > 0)
        emit('points.available', iso(lot.availableAtMs), { points, lotId, availableAt: iso(lot.availableAtMs), expiresAt: iso(lot.expiresAtMs) }, lotId);
    }
    for (const days of input.settings.expiringDaysBefore) {
      const warnAt = lot.expiresAtMs - days * DAY;
      const points = remainingAt(lot, asOfMs);
      if (due(warnAt) && points > 0)
        emit('points.expiring', iso(warnAt), { points, lotId, expiresAt: iso(lot.expiresAtMs), daysBefore: days }, lotId, String(days));
    }
  }

  if (input.profile) tierNotifications(input.profile, rules.tiers, afterMs, asOfMs, input.settings, emit);

  let memory = input.memory;
  if (input.standing) {
    const known = memory ?? { segment: input.otherSegment, loyaltyClass: 'other', changes: 0 };
    if (input.after === null && !memory) memory = { segment: input.standing.segment, loyaltyClass: input.standing.loyaltyClass, changes: 0 };
    else {
      let changes = known.changes;
      const announce = (kind: 'rfm-segment' | 'loyalty-class', from: string, to: string, none: string) => {
        if (from === to) return;
        changes++;
        if (from !== none) emit('segment.left', asOf, { kind, name: from }, kind, from, 'left', String(changes));
        if (to !== none) emit('segment.entered', asOf, { kind, name: to, lacks: input.standing?.lacks }, kind, to, 'entered', String(changes));
      };
      announce('rfm-segment', known.segment, input.standing.segment, input.otherSegment);
      announce('loyalty-class', known.loyaltyClass, input.standing.loyaltyClass, 'other');
      memory = { segment: input.standing.segment, loyaltyClass: input.standing.loyaltyClass, changes };
    }
  }
  return { memory, notifications: out };
}

function tierNotifications(
  profile: CustomerProfile,
  rules: TierRules,
  afterMs: number | null,
  asOfMs: number,
  settings: ScanSettings,
  emit: (type: LoyaltyNotification['type'], occurredAt: string, data: LoyaltyNotification['data'], ...key: string[]) => void,
): void {
  const iso = (ms: number) => new Date(ms).toISOString();
  const rank = (name: string) => rules.levels.findIndex((l) => l.name === name);
  const log = qualifyingLogOf(profile);
  const tierAt = (ms: number) => evaluateTier(log, rules, ms);
  const nextPeriodStart = (ms: number) => (rules.window.kind === 'calendar-year' ? addMonths(startOfYear(ms), 12) : addMonths(startOfMonth(ms), 1));

  // A drop takes effect at a period start, or at the end of its grace days: every such instant in (after, asOf].
  if (afterMs !== null) {
    const firstStart =
      rules.window.kind === 'calendar-year' ? startOfYear(afterMs - rules.downgradeGraceDays * DAY) : startOfMonth(afterMs - rules.downgradeGraceDays * DAY);
    for (let start = firstStart; start <= asOfMs; start = nextPeriodStart(start)) {
      for (const dropAt of new Set([start, addDays(start, rules.downgradeGraceDays)])) {
        if (dropAt <= afterMs || dropAt > asOfMs) continue;
        const before = tierAt(dropAt - 1);
        const after = tierAt(dropAt);
        if (rank(after.level.name) < rank(before.level.name)) emit('tier.downgraded', iso(dropAt), tierChange(before.level.name, after, rules), String(dropAt));
      }
    }
  }

  // The warning: the next instant a drop can take effect (a period start or a grace end) at which
  // the tier without further activity is lower; sent from the configured days before it.
  const now = tierAt(asOfMs);
  const currentStart = rules.window.kind === 'calendar-year' ? startOfYear(asOfMs) : startOfMonth(asOfMs);
  const nextStart = nextPeriodStart(asOfMs);
  const candidates = [addDays(currentStart, rules.downgradeGraceDays), nextStart, addDays(nextStart, rules.downgradeGraceDays)].filter((ms) => ms > asOfMs);
  const dropAt = candidates.sort((x, y) => x - y).find((ms) => rank(tierAt(ms).level.name) < rank(now.level.name));
  if (dropAt === undefined || asOfMs < dropAt - settings.downgradeWarningDaysBefore * DAY) return;
  const then = tierAt(dropAt);
  // What would keep the tier: the level's threshold over what the window that decides at the drop holds now.
  const periodEnd = dropAt >= nextStart ? nextStart : currentStart;
  const totalAtEnd = tierAt(periodEnd - 1).qualifyingTotal;
  emit(
    'tier.downgrade-warning',
    iso(asOfMs),
    {
      tier: now.level.name,
      dropsTo: then.level.name,
      at: iso(dropAt),
      qualifyingTotal: totalAtEnd,
      missing: Math.max(0, now.level.threshold - totalAtEnd),
      basis: rules.basis,
    },
    now.level.name,
    String(dropAt),
  );
}
