import type { SupportChannel } from '@loyalty/ledger-domain';
import type { CustomerProjection } from '../projection/projection';

export interface ProfilePurchase {
  orderId: string;
  at: string;
  amount: number;
  refunded: number;
  /** Points the purchase earned net of reversals (for tiers qualifying on points). */
  points: number;
}

/** A figure the tier counts that another program recorded before this ledger's cutover (an opening balance). */
export interface CarriedOverQualifying {
  at: string;
  spend: number;
  points: number;
}

export interface ProfileSurveyAnswer {
  responseId: string;
  surveyId: string;
  at: string;
  score: number;
}

export interface ProfileSupportContact {
  contactId: string;
  channel: SupportChannel;
  openedAt: string;
  resolvedAt: string | null;
  resolved: boolean;
  satisfaction: number | null;
}

/**
 * What the measures are computed from: a customer's purchases (net of refunds), NPS answers
 * and support contacts, as facts. Tiers, RFM segments, NPS categories, CLV and the loyalty
 * classification are pure functions of this profile, the rules and an as-of instant, so a
 * rules change needs no re-projection of the facts, only a re-evaluation.
 */
export interface CustomerProfile {
  customerId: string;
  enrolledAt: string | null;
  birthDate: string | null;
  purchases: ProfilePurchase[];
  /** Tier-qualifying figures migrated from another program (absent in profiles stored before migrations existed). */
  carriedOverQualifying?: CarriedOverQualifying[];
  surveyAnswers: ProfileSurveyAnswer[];
  supportContacts: ProfileSupportContact[];
}

/**
 * Appends in place (a frequent buyer has thousands of purchases: copying them per event would
 * make a replay quadratic). Refunds find their order from the end, where recent orders are.
 */
export const customerProfileProjection: CustomerProjection<CustomerProfile> = {
  name: 'customer_profiles',
  version: 1,
  initial: (customerId) => ({ customerId, enrolledAt: null, birthDate: null, purchases: [], surveyAnswers: [], supportContacts: [] }),
  apply(state, event, touch) {
    switch (event.type) {
      case 'OpeningBalanceMigrated':
        state.enrolledAt ??= event.memberSince;
        state.birthDate ??= event.birthDate;
        if (event.tier && event.tier.qualifying.length > 0) state.carriedOverQualifying = event.tier.qualifying.map((q) => ({ ...q }));
        return state;
      case 'CustomerEnrolled':
        state.enrolledAt = event.enrolledAt;
        state.birthDate = event.birthDate;
        return state;
      case 'PurchaseRecorded':
        state.purchases.push({ orderId: event.orderId, at: event.occurredAt, amount: event.amount, refunded: 0, points: 0 });
        touch?.('purchases', event.orderId);
        return state;
      case 'PointsEarned': {
        const purchase = event.source.kind === 'purchase' ? findOrder(state.purchases, event.source.orderId) : undefined;
        if (purchase) {
          purchase.points += event.points;
          touch?.('purchases', purchase.orderId);
        }
        return state;
      }
      case 'PointsReversed': {
        const purchase = findOrder(state.purchases, event.orderId);
        if (purchase) {
          purchase.refunded += event.refundAmount;
          purchase.points -= event.points;
          touch?.('purchases', purchase.orderId);
        }
        return state;
      }
      case 'SurveyAnswered':
        state.surveyAnswers.push({ responseId: event.responseId, surveyId: event.surveyId, at: event.occurredAt, score: event.score });
        touch?.('surveyAnswers', event.responseId);
        return state;
      case 'SupportContactRecorded':
        state.supportContacts.push({
          contactId: event.contactId,
          channel: event.channel,
          openedAt: event.openedAt,
          resolvedAt: event.resolvedAt,
          resolved: event.resolved,
          satisfaction: event.satisfaction,
        });
        touch?.('supportContacts', event.contactId);
        return state;
      default:
        return state;
    }
  },
  // Purchases, answers and contacts are rows: an event adds or changes one of them (apply says which).
  storage: {
    collections: { purchases: 'array', surveyAnswers: 'array', supportContacts: 'array' },
    keyOf(collection, item) {
      if (collection === 'purchases') return (item as ProfilePurchase).orderId;
      if (collection === 'surveyAnswers') return (item as ProfileSurveyAnswer).responseId;
      return (item as ProfileSupportContact).contactId;
    },
  },
};

/** What the tier counts: the purchases net of refunds, and any figures carried over from another program. */
export function qualifyingActivitiesOf(profile: CustomerProfile): { atMs: number; spendMinor: number; points: number }[] {
  const activities = profile.purchases.map((p) => ({ atMs: Date.parse(p.at), spendMinor: p.amount - p.refunded, points: p.points }));
  for (const q of profile.carriedOverQualifying ?? []) activities.push({ atMs: Date.parse(q.at), spendMinor: q.spend, points: q.points });
  return activities;
}

function findOrder(purchases: ProfilePurchase[], orderId: string): ProfilePurchase | undefined {
  for (let i = purchases.length - 1; i >= 0; i--) if (purchases[i].orderId === orderId) return purchases[i];
  return undefined;
}
