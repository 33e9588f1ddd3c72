import { parseInstant, utcDayNumber } from '@loyalty/program-rules';
import { lotEffectsOf } from '../lots/lot-model';
import { encodeMeaning, meaningOfEvent } from './source-meaning';
import type { LedgerEvent } from './ledger-events';
import { initialLoyaltyAccountState, type Lot, type LoyaltyAccountState } from './loyalty-account.state';
import { assertNever } from './source-keys';

/** Applies one event to the account (in place, see LoyaltyAccountState) and returns it. */
export function evolve(state: LoyaltyAccountState, event: LedgerEvent): LoyaltyAccountState {
  applyLotEffects(state, event);
  const source = meaningOfEvent(event);
  if (source) state.sources.set(source.sourceKey, encodeMeaning(source.meaning));
  switch (event.type) {
    case 'AccountOpened':
      state.customerId = event.customerId;
      state.openedAtMs = parseInstant(event.openedAt);
      return state;
    case 'OpeningBalanceMigrated':
      state.migratedAtMs = parseInstant(event.migratedAt);
      if (event.birthDate) state.birthMonth = Number(event.birthDate.slice(5, 7));
      for (const figure of event.tier?.qualifying ?? [])
        state.qualifying.add({ atMs: parseInstant(figure.at), spendMinor: figure.spend, points: figure.points });
      return state;
    case 'CustomerEnrolled':
      if (event.birthDate) state.birthMonth = Number(event.birthDate.slice(5, 7));
      return state;
    case 'PurchaseRecorded': {
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
      if (event.source.kind === 'purchase') {
        const purchase = state.purchases.get(event.source.orderId);
        if (purchase) {
          purchase.pointsEarned = event.points;
          purchase.lotId = event.lotId;
          state.qualifying.adjust(purchase.activity, 0, event.points - purchase.activity.points);
        }
        const day = utcDayNumber(parseInstant(event.earnedAt));
        state.purchasePointsByDay.set(day, (state.purchasePointsByDay.get(day) ?? 0) + event.points);
      }
      return state;
    }
    case 'BonusAwarded':
      if (event.source.kind === 'survey-bonus') state.surveysWithBonus.add(event.source.surveyId);
      return state;
    case 'PointsReversed': {
      const purchase = state.purchases.get(event.orderId);
      if (purchase) {
        purchase.refundedAmount += event.refundAmount;
        purchase.pointsReversed += event.points;
        state.qualifying.adjust(purchase.activity, -event.refundAmount, -event.points);
      }
      return state;
    }
    case 'PointsRedeemed':
      state.redemptions.set(event.redemptionId, {
        redemptionId: event.redemptionId,
        points: event.points,
        atMs: parseInstant(event.occurredAt),
        fromLots: event.fromLots,
        cancelled: false,
      });
      return state;
    case 'RedemptionCancelled': {
      const redemption = state.redemptions.get(event.redemptionId);
      if (redemption) redemption.cancelled = true;
      return state;
    }
    case 'PointsExpired':
      return state;
    case 'PointsAdjusted':
      return state;
    case 'SurveyAnswered':
      return state;
    case 'SupportContactRecorded':
      return state;
    default:
      return assertNever(event);
  }
}

/** The event's effect on the lots and the deficit, through the one lot model. */
function applyLotEffects(state: LoyaltyAccountState, event: LedgerEvent): void {
  const effects = lotEffectsOf(event);
  if (!effects) return;
  const { atMs, opened } = effects;
  for (const created of opened) {
    const lot: Lot = { ...created, remaining: created.points, moves: [] };
    state.lots.push(lot);
    state.lotsById.set(lot.lotId, lot);
  }
  for (const m of effects.moves) {
    const lot = state.lotsById.get(m.lotId);
    if (!lot) continue;
    lot.remaining += m.points;
    lot.moves.push({ atMs, points: m.points, cause: m.cause });
  }
  if (effects.deficit !== 0) {
    state.deficit += effects.deficit;
    state.deficitMoves.push({ atMs, points: effects.deficit });
  }
}

/** Folds events from the initial state. */
export function foldLoyaltyAccount(events: Iterable<LedgerEvent>, state = initialLoyaltyAccountState()): LoyaltyAccountState {
  for (const event of events) evolve(state, event);
  return state;
}
