import { CustomerEnrolledV1, PurchaseRecordedV1, RefundRecordedV1, SupportContactRecordedV1, SurveyAnsweredV1 } from './payloads.v1';

/**
 * Every topic the ledger reads or writes. Keys are customer ids, values JSON envelopes.
 * Order holds per customer within a topic: what changes how a purchase earns (enrolment,
 * refunds) travels on the purchases topic with it.
 */
export const LOYALTY_TOPICS = {
  purchases: 'loyalty.purchases.v1',
  surveyAnswers: 'loyalty.survey-answers.v1',
  supportContacts: 'loyalty.support-contacts.v1',
  deadLetters: 'loyalty.dead-letters.v1',
} as const;
export type LoyaltyTopic = (typeof LOYALTY_TOPICS)[keyof typeof LOYALTY_TOPICS];

/** The catalog: each message type, its topic and its payload class per schema version. */
export const MESSAGE_CATALOG = {
  'purchase.recorded': { topic: LOYALTY_TOPICS.purchases, versions: { 1: PurchaseRecordedV1 }, summary: 'A purchase in an order system; earns points once per orderId.' },
  'refund.recorded': { topic: LOYALTY_TOPICS.purchases, versions: { 1: RefundRecordedV1 }, summary: "A full or partial refund of an order; takes back its points pro rata. On the purchases topic, so it follows its purchase." },
  'survey.answered': { topic: LOYALTY_TOPICS.surveyAnswers, versions: { 1: SurveyAnsweredV1 }, summary: 'An NPS answer (0-10); may earn a bonus once per survey.' },
  'support-contact.recorded': { topic: LOYALTY_TOPICS.supportContacts, versions: { 1: SupportContactRecordedV1 }, summary: 'A support contact with its channel, times, resolution and satisfaction.' },
  'customer.enrolled': {
    topic: LOYALTY_TOPICS.purchases,
    versions: { 1: CustomerEnrolledV1 },
    summary: 'A customer joined the program (with the facts rules need, e.g. birth date). On the purchases topic, so it comes before the purchases it affects.',
  },
} as const;

export type MessageType = keyof typeof MESSAGE_CATALOG;
export const MESSAGE_TYPES = Object.keys(MESSAGE_CATALOG) as MessageType[];

/** The payload of each (type, version 1). */
export interface PayloadOf {
  'purchase.recorded': PurchaseRecordedV1;
  'refund.recorded': RefundRecordedV1;
  'survey.answered': SurveyAnsweredV1;
  'support-contact.recorded': SupportContactRecordedV1;
  'customer.enrolled': CustomerEnrolledV1;
}

/** The JSON every message value holds. */
export interface MessageEnvelope<T extends MessageType = MessageType> {
  type: T;
  schemaVersion: number;
  /** Unique per message (a UUID is best); logged and recorded on the ledger entry. */
  messageId: string;
  /** When the fact happened at the producer (ISO-8601 with an offset). */
  occurredAt: string;
  /** Which system sent it, e.g. "pos-tokyo" or "web-shop". */
  producer: string;
  payload: PayloadOf[T];
}

export function topicsConsumedByTheLedger(): string[] {
  return [...new Set(MESSAGE_TYPES.map((t) => MESSAGE_CATALOG[t].topic))];
}
