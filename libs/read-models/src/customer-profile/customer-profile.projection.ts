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
  surveyAnswers: ProfileSurveyAnswer[];
  supportContacts: ProfileSupportContact[];
}

export const customerProfileProjection: CustomerProjection<CustomerProfile> = {
  name: 'customer_profiles',
  version: 1,
  initial: (customerId) => ({ customerId, enrolledAt: null, birthDate: null, purchases: [], surveyAnswers: [], supportContacts: [] }),
  apply(state, event) {
    switch (event.type) {
      case 'CustomerEnrolled':
        return { ...state, enrolledAt: event.enrolledAt, birthDate: event.birthDate };
      case 'PurchaseRecorded':
        return { ...state, purchases: [...state.purchases, { orderId: event.orderId, at: event.occurredAt, amount: event.amount, refunded: 0, points: 0 }] };
      case 'PointsEarned':
        if (event.source.kind !== 'purchase') return state;
        return { ...state, purchases: updatePurchase(state.purchases, event.source.orderId, (p) => ({ ...p, points: p.points + event.points })) };
      case 'PointsReversed':
        return { ...state, purchases: updatePurchase(state.purchases, event.orderId, (p) => ({ ...p, refunded: p.refunded + event.refundAmount, points: p.points - event.points })) };
      case 'SurveyAnswered':
        return { ...state, surveyAnswers: [...state.surveyAnswers, { responseId: event.responseId, surveyId: event.surveyId, at: event.occurredAt, score: event.score }] };
      case 'SupportContactRecorded':
        return {
          ...state,
          supportContacts: [
            ...state.supportContacts,
            { contactId: event.contactId, channel: event.channel, openedAt: event.openedAt, resolvedAt: event.resolvedAt, resolved: event.resolved, satisfaction: event.satisfaction },
          ],
        };
      default:
        return state;
    }
  },
};

function updatePurchase(purchases: ProfilePurchase[], orderId: string, change: (p: ProfilePurchase) => ProfilePurchase): ProfilePurchase[] {
  return purchases.map((p) => (p.orderId === orderId ? change(p) : p));
}
