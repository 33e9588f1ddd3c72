import type { PurchaseLine, SupportChannel } from './ledger-commands';

/** Where a lot of points came from: its source document. */
export type LotSource =
  | { kind: 'purchase'; orderId: string }
  | { kind: 'survey-bonus'; responseId: string; surveyId: string }
  | { kind: 'adjustment'; adjustmentId: string }
  | { kind: 'migration'; migrationId: string; ref: string };

/** Points taken from (or given back to) one lot. */
export interface LotMovement {
  lotId: string;
  points: number;
}

export type EarningStepKind = 'amount-band' | 'category' | 'sku' | 'tier' | 'birthday-month' | 'first-purchase';

/** One step of an earning computation: what it added and why. */
export interface EarningStep {
  kind: EarningStepKind;
  label: string;
  /** The multiplier (150 = x1.5) for multiplier steps; absent for fixed bonuses. */
  percent?: number;
  /** The base points the multiplier applied to. */
  onBasePoints?: number;
  points: number;
}

/** How a purchase's points were computed, recorded on the entry for the auditor. */
export interface EarningBreakdown {
  basePoints: number;
  baseRate: { points: number; perAmountMinor: number };
  steps: EarningStep[];
  /** base + every step, before caps. */
  uncappedPoints: number;
  caps: { kind: 'per-purchase' | 'per-day'; limit: number; pointsRemoved: number }[];
  /** The tier at purchase time, and why: which window qualified it, with what total. */
  tier: { name: string; basis: 'current-window' | 'previous-period' | 'grace'; qualifyingTotal: number };
}

export interface AccountOpened {
  type: 'AccountOpened';
  customerId: string;
  openedAt: string;
}

export interface CustomerEnrolled {
  type: 'CustomerEnrolled';
  customerId: string;
  enrolledAt: string;
  birthDate: string | null;
}

/** The purchase as a fact: what RFM, CLV and tiers are computed from. */
export interface PurchaseRecorded {
  type: 'PurchaseRecorded';
  customerId: string;
  orderId: string;
  occurredAt: string;
  currency: string;
  amount: number;
  lines: PurchaseLine[];
  channel: string | null;
}

/** A lot of points earned by a purchase. */
export interface PointsEarned {
  type: 'PointsEarned';
  customerId: string;
  lotId: string;
  source: LotSource;
  points: number;
  /** Part of `points` that paid back a negative balance instead of going into the lot. */
  deficitSettled: number;
  earnedAt: string;
  availableAt: string;
  expiresAt: string;
  breakdown: EarningBreakdown;
}

/** A lot taken over from another program (see MigrateOpeningBalance). */
export interface MigratedLot {
  lotId: string;
  /** The other program's id of the lot. */
  ref: string;
  points: number;
  /** When the other program credited it; in this ledger the lot exists from the cutover. */
  earnedAt: string;
  availableAt: string;
  expiresAt: string;
}

/**
 * A balance taken over from another program, posted on the chart's opening-balances account:
 * the migrated liability is one line of the roll-forward. The lots exist from `migratedAt`.
 */
export interface OpeningBalanceMigrated {
  type: 'OpeningBalanceMigrated';
  customerId: string;
  migrationId: string;
  sourceProgram: string;
  migratedAt: string;
  memberSince: string | null;
  birthDate: string | null;
  /** The sum of the lots' points. */
  points: number;
  lots: MigratedLot[];
  /** The tier the rules found at the cutover from the carried-over figures (equal to the other program's). */
  tier: { name: string; qualifying: { at: string; spend: number; points: number }[] } | null;
}

/** A lot of points given as a bonus outside a purchase (e.g. for answering a survey). */
export interface BonusAwarded {
  type: 'BonusAwarded';
  customerId: string;
  lotId: string;
  source: LotSource;
  reason: 'survey-answer';
  points: number;
  deficitSettled: number;
  earnedAt: string;
  availableAt: string;
  expiresAt: string;
}

/** A refund took back points of its purchase, pro rata. */
export interface PointsReversed {
  type: 'PointsReversed';
  customerId: string;
  refundId: string;
  orderId: string;
  refundAmount: number;
  occurredAt: string;
  /** All the points the refund takes back: fromLots + addedToDeficit + writtenOff. */
  points: number;
  fromLots: LotMovement[];
  /** Taken back as a negative balance (refund policy allowNegativeBalance). */
  addedToDeficit: number;
  /** Could not be taken back: already spent, and the policy keeps balances at zero or above. */
  writtenOff: number;
}

export interface PointsRedeemed {
  type: 'PointsRedeemed';
  customerId: string;
  redemptionId: string;
  points: number;
  reward: string;
  occurredAt: string;
  fromLots: LotMovement[];
}

export interface RedemptionCancelled {
  type: 'RedemptionCancelled';
  customerId: string;
  redemptionId: string;
  points: number;
  occurredAt: string;
  reason: string | null;
  /** The lots the points return to, with their original expiry. */
  toLots: LotMovement[];
}

export interface PointsExpired {
  type: 'PointsExpired';
  customerId: string;
  expiryRunId: string;
  asOf: string;
  points: number;
  lots: LotMovement[];
}

export interface PointsAdjusted {
  type: 'PointsAdjusted';
  customerId: string;
  adjustmentId: string;
  points: number;
  reasonCode: string;
  actor: string;
  note: string | null;
  occurredAt: string;
  /** For a credit: the new lot. */
  lot: { lotId: string; deficitSettled: number; availableAt: string; expiresAt: string } | null;
  /** For a debit: the lots it consumed. */
  fromLots: LotMovement[];
}

export interface SurveyAnswered {
  type: 'SurveyAnswered';
  customerId: string;
  responseId: string;
  surveyId: string;
  occurredAt: string;
  score: number;
  comment: string | null;
  touchpoint: string | null;
}

export interface SupportContactRecorded {
  type: 'SupportContactRecorded';
  customerId: string;
  contactId: string;
  channel: SupportChannel;
  openedAt: string;
  resolvedAt: string | null;
  resolved: boolean;
  satisfaction: number | null;
}

export type LedgerEvent =
  | AccountOpened
  | OpeningBalanceMigrated
  | CustomerEnrolled
  | PurchaseRecorded
  | PointsEarned
  | BonusAwarded
  | PointsReversed
  | PointsRedeemed
  | RedemptionCancelled
  | PointsExpired
  | PointsAdjusted
  | SurveyAnswered
  | SupportContactRecorded;

export type LedgerEventType = LedgerEvent['type'];
