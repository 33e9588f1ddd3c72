/**
 * Commands to one loyalty account. Each carries the id of its source (order, refund,
 * survey response, ...): a repeated source id is reported as a duplicate, never applied twice.
 * Times are ISO-8601 UTC strings; amounts integers in minor units; points whole points.
 */

export interface PurchaseLine {
  sku: string;
  category: string;
  quantity: number;
  unitPrice: number;
}

export interface EnrolCustomer {
  type: 'EnrolCustomer';
  customerId: string;
  enrolledAt: string;
  /** YYYY-MM-DD; its month drives the birthday bonus. */
  birthDate?: string;
}

export interface RecordPurchase {
  type: 'RecordPurchase';
  customerId: string;
  orderId: string;
  occurredAt: string;
  currency: string;
  amount: number;
  lines?: PurchaseLine[];
  channel?: string;
}

export interface RecordRefund {
  type: 'RecordRefund';
  customerId: string;
  refundId: string;
  orderId: string;
  occurredAt: string;
  amount: number;
}

export interface RecordSurveyAnswer {
  type: 'RecordSurveyAnswer';
  customerId: string;
  responseId: string;
  surveyId: string;
  occurredAt: string;
  score: number;
  comment?: string;
  touchpoint?: string;
}

export const SUPPORT_CHANNELS = ['phone', 'email', 'chat', 'chatbot', 'faq', 'sms', 'ivr'] as const;
export type SupportChannel = (typeof SUPPORT_CHANNELS)[number];

export interface RecordSupportContact {
  type: 'RecordSupportContact';
  customerId: string;
  contactId: string;
  channel: SupportChannel;
  openedAt: string;
  resolvedAt?: string;
  resolved: boolean;
  satisfaction?: number;
}

export interface RedeemPoints {
  type: 'RedeemPoints';
  customerId: string;
  redemptionId: string;
  points: number;
  reward: string;
  occurredAt: string;
}

export interface CancelRedemption {
  type: 'CancelRedemption';
  customerId: string;
  redemptionId: string;
  occurredAt: string;
  reason?: string;
}

export interface AdjustPoints {
  type: 'AdjustPoints';
  customerId: string;
  adjustmentId: string;
  /** Signed: a credit creates a lot, a debit consumes available lots soonest-expiry first. */
  points: number;
  reasonCode: string;
  actor: string;
  note?: string;
  occurredAt: string;
}

export interface ExpirePoints {
  type: 'ExpirePoints';
  customerId: string;
  /** Identifies the expiry run; expiry is naturally idempotent (an expired lot has nothing left). */
  expiryRunId: string;
  /** Lots whose expiresAt is at or before this instant expire. */
  asOf: string;
}

export type LedgerCommand =
  EnrolCustomer | RecordPurchase | RecordRefund | RecordSurveyAnswer | RecordSupportContact | RedeemPoints | CancelRedemption | AdjustPoints | ExpirePoints;

export type LedgerCommandType = LedgerCommand['type'];
