import { parseInstant, utcDayNumber } from '@loyalty/program-rules';
import type { LedgerEvent, LotMovement, LotSource } from './ledger-events';
import { initialLoyaltyAccountState, type Lot, type LoyaltyAccountState } from './loyalty-account.state';
import { assertNever } from './source-keys';

/** Applies one event to the account (in place, see LoyaltyAccountState) and returns it. */
export function evolve(state: LoyaltyAccountState, event: LedgerEvent): LoyaltyAccountState {
  switch (event.type) {
    case 'AccountOpened':
      state.customerId = event.customerId;
      state.openedAtMs = parseInstant(event.openedAt);
      return state;
    case 'CustomerEnrolled':
      state.sources.add(`enrolment:${event.customerId}`);
      if (event.birthDate) state.birthMonth = Number(event.birthDate.slice(5, 7));
      return state;
    case 'PurchaseRecorded': {
      state.sources.add(`purchase:${event.orderId}`);
      const atMs = parseInstant(event.occurredAt);
      state.purchases.set(event.orderId, {
        orderId: event.orderId,
        atMs,
        amount: event.amount,
        refundedAmount: 0,
        pointsEarned: 0,
        pointsReversed: 0,
        lotId: '',
        activity: state.qualifying.add({ atMs, spendMinor: event.amount, points: 0 }),
      });
      return state;
    }
    case 'PointsEarned': {
      const earnedAtMs = parseInstant(event.earnedAt);
      addLot(state, event.lotId, event.source, event.points, event.deficitSettled, earnedAtMs, event.availableAt, event.expiresAt);
      if (event.source.kind === 'purchase') {
        const purchase = state.purchases.get(event.source.orderId);
        if (purchase) {
          purchase.pointsEarned = event.points;
          purchase.lotId = event.lotId;
          state.qualifying.adjust(purchase.activity, 0, event.points - purchase.activity.points);
        }
        const day = utcDayNumber(earnedAtMs);
        state.purchasePointsByDay.set(day, (state.purchasePointsByDay.get(day) ?? 0) + event.points);
      }
      return state;
    }
    case 'BonusAwarded':
      addLot(state, event.lotId, event.source, event.points, event.deficitSettled, parseInstant(event.earnedAt), event.availableAt, event.expiresAt);
      if (event.source.kind === 'survey-bonus') state.surveysWithBonus.add(event.source.surveyId);
      return state;
    case 'PointsReversed': {
      state.sources.add(`refund:${event.refundId}`);
      takeFromLots(state, event.fromLots);
      state.deficit += event.addedToDeficit;
      const purchase = state.purchases.get(event.orderId);
      if (purchase) {
        purchase.refundedAmount += event.refundAmount;
        purchase.pointsReversed += event.points;
        state.qualifying.adjust(purchase.activity, -event.refundAmount, -event.points);
      }
      return state;
    }
    case 'PointsRedeemed':
      state.sources.add(`redemption:${event.redemptionId}`);
      takeFromLots(state, event.fromLots);
      state.redemptions.set(event.redemptionId, {
        redemptionId: event.redemptionId,
        points: event.points,
        fromLots: event.fromLots,
        cancelled: false,
      });
      return state;
    case 'RedemptionCancelled': {
      state.sources.add(`redemption-cancellation:${event.redemptionId}`);
      for (const m of event.toLots) {
        const lot = state.lotsById.get(m.lotId);
        if (lot) lot.remaining += m.points;
      }
      const redemption = state.redemptions.get(event.redemptionId);
      if (redemption) redemption.cancelled = true;
      return state;
    }
    case 'PointsExpired':
      takeFromLots(state, event.lots);
      return state;
    case 'PointsAdjusted':
      state.sources.add(`adjustment:${event.adjustmentId}`);
      if (event.lot) {
        const at = parseInstant(event.occurredAt);
        addLot(state, event.lot.lotId, { kind: 'adjustment', adjustmentId: event.adjustmentId }, event.points, event.lot.deficitSettled, at, event.lot.availableAt, event.lot.expiresAt);
      }
      takeFromLots(state, event.fromLots);
      return state;
    case 'SurveyAnswered':
      state.sources.add(`survey-response:${event.responseId}`);
      return state;
    case 'SupportContactRecorded':
      state.sources.add(`support-contact:${event.contactId}`);
      return state;
    default:
      return assertNever(event);
  }
}

function addLot(
  state: LoyaltyAccountState,
  lotId: string,
  source: LotSource,
  points: number,
  deficitSettled: number,
  earnedAtMs: number,
  availableAt: string,
  expiresAt: string,
): void {
  const credited = points - deficitSettled;
  state.deficit -= deficitSettled;
  const lot: Lot = {
    lotId,
    source,
    points: credited,
    remaining: credited,
    earnedAtMs,
    availableAtMs: parseInstant(availableAt),
    expiresAtMs: parseInstant(expiresAt),
  };
  state.lots.push(lot);
  state.lotsById.set(lotId, lot);
}

function takeFromLots(state: LoyaltyAccountState, movements: readonly LotMovement[]): void {
  for (const m of movements) {
    const lot = state.lotsById.get(m.lotId);
    if (lot) lot.remaining -= m.points;
  }
}

/** Folds events from the initial state. */
export function foldLoyaltyAccount(events: Iterable<LedgerEvent>, state = initialLoyaltyAccountState()): LoyaltyAccountState {
  for (const event of events) evolve(state, event);
  return state;
}
