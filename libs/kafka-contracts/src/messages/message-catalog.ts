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
  /** Marks of dead letters re-driven (key: dead-letter partition:offset), so that every instance lists them as such. */
  deadLetterRedrives: 'loyalty.dead-letters.redriven.v1',
} as const;
export type LoyaltyTopic = (typeof LOYALTY_TOPICS)[keyof typeof LOYALTY_TOPICS];

/** The catalog: each message type, its topic, its payload class per schema version, and an example payload (v1). */
export const MESSAGE_CATALOG = {
  'purchase.recorded': {
    topic: LOYALTY_TOPICS.purchases,
    versions: { 1: PurchaseRecordedV1 },
    summary: 'A purchase in an order system; earns points once per orderId.',
    example: {
      orderId: 'ORD-2026-000123',
      customerId: 'CUST-42',
      occurredAt: '2026-11-22T10:15:00+09:00',
      currency: 'JPY',
      amount: 12800,
      lines: [{ sku: 'SKU-1234', category: 'grocery', quantity: 2, unitPrice: 6400 }],
      channel: 'store',
    },
  },
  'refund.recorded': {
    topic: LOYALTY_TOPICS.purchases,
    versions: { 1: RefundRecordedV1 },
    summary: 'A full or partial refund of an order; takes back its points pro rata. On the purchases topic, so it follows its purchase.',
    example: { refundId: 'REF-2026-000045', orderId: 'ORD-2026-000123', customerId: 'CUST-42', occurredAt: '2026-11-25T12:00:00+09:00', amount: 6400 },
  },
  'survey.answered': {
    topic: LOYALTY_TOPICS.surveyAnswers,
    versions: { 1: SurveyAnsweredV1 },
    summary: 'An NPS answer (0-10); may earn a bonus once per survey.',
    example: {
      responseId: 'RESP-9001',
      surveyId: 'nps-2026-q4',
      customerId: 'CUST-42',
      occurredAt: '2026-11-23T09:00:00Z',
      score: 9,
      comment: 'Quick delivery',
      touchpoint: 'post-purchase',
    },
  },
  'support-contact.recorded': {
    topic: LOYALTY_TOPICS.supportContacts,
    versions: { 1: SupportContactRecordedV1 },
    summary: 'A support contact with its channel, times, resolution and satisfaction (a resolved contact says when).',
    example: {
      contactId: 'TICKET-777',
      customerId: 'CUST-42',
      channel: 'chat',
      openedAt: '2026-11-24T10:00:00Z',
      resolved: true,
      resolvedAt: '2026-11-24T10:42:00Z',
      satisfaction: 5,
    },
  },
  'customer.enrolled': {
    topic: LOYALTY_TOPICS.purchases,
    versions: { 1: CustomerEnrolledV1 },
    summary: 'A customer joined the program (with the facts rules need, e.g. birth date). On the purchases topic, so it comes before the purchases it affects.',
    example: { customerId: 'CUST-42', enrolledAt: '2026-01-05T08:00:00Z', birthDate: '1990-03-15' },
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
