import type { LedgerEvent } from '@loyalty/ledger-domain';
import {
  addDays,
  addMonths,
  evaluateTier,
  QualifyingActivityLog,
  type ProgramRules,
  type QualifyingActivity,
  type TierRules,
  type TierStatus,
} from '@loyalty/program-rules';
import { customerProfileProjection, type CustomerProfile } from '../customer-profile/customer-profile.projection';
import { NOTIFICATION_CATALOG_VERSION, notificationId, type LoyaltyNotification } from './notification-catalog';

/** What the notifier remembers of a customer between events: the facts the tier needs. */
export interface NotifierCustomerState {
  profile: CustomerProfile;
}

export function initialNotifierState(customerId: string): NotifierCustomerState {
  return { profile: customerProfileProjection.initial(customerId) };
}

/** A ledger event as the notifier reads it: with its id and global position. */
export interface PositionedEvent {
  eventId: string;
  position: bigint;
  event: LedgerEvent;
}

/**
 * The notifications one ledger event gives rise to, and the state after it: a pure function of
 * (state, event, rules in force at the event's business time). Points earned, redeemed and
 * expired come with their event. A tier change is the tier just after the event (a purchase
 * counts from the instant after it) against the tier just before it, both evaluated by the
 * ledger's own tier function: changes that only time brings (a period end) are the scan's. Each
 * id derives from the event's id, so a re-read event yields the same notifications.
 */
export function deriveFromEvent(
  state: NotifierCustomerState,
  { eventId, position, event }: PositionedEvent,
  rules: ProgramRules,
): { state: NotifierCustomerState; notifications: LoyaltyNotification[] } {
  const before = state.profile;
  const at = businessTimeOf(event);
  // Both sides at the instant after the event: only the event itself differs between them.
  const justAfter = at === null ? null : new Date(Date.parse(at) + 1).toISOString();
  const tierBefore =
    justAfter !== null && touchesTier(event, rules.tiers.basis) ? evaluateTier(tierLogOf(before).log, rules.tiers, Date.parse(justAfter)) : null;
  // Like a projection, the state may be changed in place: the tier before is taken first.
  const memo = tierLogs.get(before);
  const profile = customerProfileProjection.apply(before, event);
  if (memo && profile === before) followInTierLog(memo, event);
  else tierLogs.delete(before);
  const customerId = event.customerId;
  const out: LoyaltyNotification[] = [];
  const emit = (type: LoyaltyNotification['type'], occurredAt: string, data: LoyaltyNotification['data'], ...key: string[]) =>
    out.push({
      id: notificationId(type, customerId, ...key),
      type,
      version: NOTIFICATION_CATALOG_VERSION,
      customerId,
      occurredAt,
      position: position.toString(),
      data,
    });

  switch (event.type) {
    case 'PointsEarned':
    case 'BonusAwarded':
      if (event.points > 0)
        emit(
          'points.earned',
          event.earnedAt,
          {
            points: event.points,
            lotId: event.lotId,
            reason: event.type === 'PointsEarned' ? 'purchase' : 'survey-answer',
            orderId: event.source.kind === 'purchase' ? event.source.orderId : null,
            availableAt: event.availableAt,
            expiresAt: event.expiresAt,
          },
          event.lotId,
        );
      break;
    case 'PointsRedeemed':
      emit('points.redeemed', event.occurredAt, { points: event.points, redemptionId: event.redemptionId, reward: event.reward }, event.redemptionId);
      break;
    case 'PointsExpired':
      if (event.points > 0) emit('points.expired', event.asOf, { points: event.points, expiryRunId: event.expiryRunId }, eventId);
      break;
  }

  if (at !== null && justAfter !== null && tierBefore) {
    const after = evaluateTier(tierLogOf(profile).log, rules.tiers, Date.parse(justAfter));
    const rank = (name: string) => rules.tiers.levels.findIndex((l) => l.name === name);
    if (rank(after.level.name) !== rank(tierBefore.level.name)) {
      const type = rank(after.level.name) > rank(tierBefore.level.name) ? 'tier.upgraded' : 'tier.downgraded';
      emit(type, at, tierChange(tierBefore.level.name, after, rules.tiers), eventId);
    }
  }
  return { state: { profile: keptForTiers(profile, rules, at) }, notifications: out };
}

/**
 * What the tier can still depend on: purchases within two tier windows and a grace period of
 * the event (the current window and the one the previous period held), nothing else of the
 * profile. A frequent buyer's state stays small, so a page does not rewrite years of history.
 */
function keptForTiers(profile: CustomerProfile, rules: ProgramRules, at: string | null): CustomerProfile {
  let trimmed = profile;
  if (profile.surveyAnswers.length > 0 || profile.supportContacts.length > 0) {
    trimmed = { ...profile, surveyAnswers: [], supportContacts: [] };
    const memo = tierLogs.get(profile);
    if (memo) tierLogs.set(trimmed, memo); // the same purchases: the same log
  }
  if (at === null || trimmed.purchases.length === 0) return trimmed;
  const windowMonths = rules.tiers.window.kind === 'calendar-year' ? 12 : rules.tiers.window.months;
  const horizon = addDays(addMonths(Date.parse(at), -2 * windowMonths - 1), -rules.tiers.downgradeGraceDays);
  // Trimmed a window at a time, not at every event: each trim drops the log, rebuilt at the next tier question.
  if (Date.parse(trimmed.purchases[0].at) >= addMonths(horizon, -windowMonths)) return trimmed;
  const from = new Date(horizon).toISOString();
  return { ...trimmed, purchases: trimmed.purchases.filter((p) => p.at >= from) };
}

/**
 * A profile's purchases as the tier function reads them (times parsed once, window sums kept),
 * remembered per profile object and kept in step with the projection's in-place changes: the
 * tier is asked twice per purchase, and rebuilding it from the purchases each time made the
 * notifier quadratic in a customer's history. A memo, never stored: rebuilt from the purchases
 * when missing, so a state read back from the outbox gives the same answers.
 */
interface TierLogMemo {
  log: QualifyingActivityLog;
  byOrder: Map<string, QualifyingActivity>;
}
const tierLogs = new WeakMap<CustomerProfile, TierLogMemo>();

function tierLogOf(profile: CustomerProfile): TierLogMemo {
  let memo = tierLogs.get(profile);
  if (!memo) {
    const log = new QualifyingActivityLog();
    const byOrder = new Map<string, QualifyingActivity>();
    for (const p of profile.purchases) byOrder.set(p.orderId, log.add({ atMs: Date.parse(p.at), spendMinor: p.amount - p.refunded, points: p.points }));
    for (const q of profile.carriedOverQualifying ?? []) log.add({ atMs: Date.parse(q.at), spendMinor: q.spend, points: q.points });
    memo = { log, byOrder };
    tierLogs.set(profile, memo);
  }
  return memo;
}

/** The change customerProfileProjection.apply made to the purchases, made to the log too. */
function followInTierLog({ log, byOrder }: TierLogMemo, event: LedgerEvent): void {
  switch (event.type) {
    case 'OpeningBalanceMigrated':
      for (const q of event.tier?.qualifying ?? []) log.add({ atMs: Date.parse(q.at), spendMinor: q.spend, points: q.points });
      return;
    case 'PurchaseRecorded':
      byOrder.set(event.orderId, log.add({ atMs: Date.parse(event.occurredAt), spendMinor: event.amount, points: 0 }));
      return;
    case 'PointsEarned': {
      const activity = event.source.kind === 'purchase' ? byOrder.get(event.source.orderId) : undefined;
      if (activity) log.adjust(activity, 0, event.points);
      return;
    }
    case 'PointsReversed': {
      const activity = byOrder.get(event.orderId);
      if (activity) log.adjust(activity, -event.refundAmount, -event.points);
      return;
    }
  }
}

/**
 * Only an event that changes what qualifies can change the tier: under a spend basis, a purchase
 * or a refund; under a points basis, the purchase's points or a refund (a purchase alone has none
 * yet). The tier is evaluated twice per such event, on the notifier's hot path: never for others.
 */
function touchesTier(event: LedgerEvent, basis: TierRules['basis']): boolean {
  if (event.type === 'PointsReversed') return true;
  return basis === 'spend' ? event.type === 'PurchaseRecorded' : event.type === 'PointsEarned';
}

function businessTimeOf(event: LedgerEvent): string | null {
  switch (event.type) {
    case 'PurchaseRecorded':
    case 'PointsReversed':
      return event.occurredAt;
    case 'PointsEarned':
      return event.earnedAt;
    default:
      return null;
  }
}

/** From and to, the total that qualified, and what the next tier up still needs. */
export function tierChange(from: string, status: TierStatus, rules: TierRules) {
  const index = rules.levels.findIndex((l) => l.name === status.level.name);
  const next = rules.levels[index + 1];
  return {
    from,
    to: status.level.name,
    qualifyingTotal: status.qualifyingTotal,
    basis: rules.basis,
    next: next ? { tier: next.name, missing: Math.max(0, next.threshold - status.qualifyingTotal) } : null,
  };
}
