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

/** A lot of points as another program held it at the cutover. */
export interface OpeningLot {
  /** The other program's id of the lot (unique within the customer's opening balance). */
  ref: string;
  points: number;
  /** When the other program credited it (kept for the record; in this ledger it exists from the cutover). */
  earnedAt: string;
  /** Pending until this instant (the return window); absent: available at the cutover. */
  availableAt?: string;
  /** Leftover points expire here; after the cutover. */
  expiresAt: string;
}

/** A figure the tier counts, as the other program had it (e.g. one per month of the window). */
export interface OpeningQualifyingFigure {
  /** When it was earned; before the cutover. */
  at: string;
  /** Net spend in minor units. */
  spend: number;
  points: number;
}

/**
 * A customer's balance taken over from another program at the cutover: its lots with their own
 * dates, the tier with the figures that qualify for it, and the enrolment date. It opens the
 * account: the first points entry it has.
 */
export interface MigrateOpeningBalance {
  type: 'MigrateOpeningBalance';
  customerId: string;
  /** The migration this balance belongs to (e.g. "from-acme-points-2026-12"). */
  migrationId: string;
  /** The program the balance comes from. */
  sourceProgram: string;
  /** The cutover: the entry's business time. */
  migratedAt: string;
  /** Enrolment date in the other program. */
  memberSince?: string;
  /** YYYY-MM-DD; its month drives the birthday bonus. */
  birthDate?: string;
  lots: OpeningLot[];
  /** The tier the other program gave, with the figures the rules must find it from. */
  tier?: { name: string; qualifying: OpeningQualifyingFigure[] };
}

export type LedgerCommand =
  | MigrateOpeningBalance
  | EnrolCustomer
  | RecordPurchase
  | RecordRefund
  | RecordSurveyAnswer
  | RecordSupportContact
  | RedeemPoints
  | CancelRedemption
  | AdjustPoints
  | ExpirePoints;

export type LedgerCommandType = LedgerCommand['type'];
