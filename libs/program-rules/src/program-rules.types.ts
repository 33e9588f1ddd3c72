/**
 * A loyalty program's rules: a versioned document, never a constant in code.
 * All amounts are integers in minor units of `currency`; all percentages are integers
 * (150 = ×1.5); all points are whole points. No floats reach the ledger.
 */
export interface ProgramRules {
  /** Stable id of the program, e.g. "default-program". */
  id: string;
  /** Monotonic version number within the program. */
  version: number;
  /** ISO-8601 UTC instant from which this version computes new entries. */
  effectiveFrom: string;
  /** ISO-4217 code; purchases in another currency are rejected. */
  currency: string;
  pointValue: PointValueRule;
  earning: EarningRules;
  pending: { days: number };
  expiry: ExpiryPolicy;
  refunds: RefundPolicy;
  tiers: TierRules;
  rfm: RfmRules;
  nps: NpsRules;
  loyalty: LoyaltyClassificationRules;
  /** Bounds on what one command may say (absent: DEFAULT_LIMITS). */
  limits?: LimitRules;
}

/**
 * What one command may say at most: a purchase or refund amount (and a line's price × quantity),
 * and the points of a redemption or an adjustment. They keep every sum in the ledger, the
 * projections and finance far below 2^53 (exact in a JavaScript number) and refuse amounts no
 * order system means.
 */
export interface LimitRules {
  maxAmountMinor: number;
  maxPoints: number;
}

/** What one point is worth to finance, in minor units (for the liability valuation). */
export interface PointValueRule {
  minorUnitsPerPoint: number;
}

export interface EarningRules {
  /** `points` for every `perAmountMinor` spent, rounded down. */
  baseRate: { points: number; perAmountMinor: number };
  /** The band with the highest `fromAmountMinor` not above the purchase amount applies. */
  amountBands: AmountBand[];
  categoryMultipliers: CategoryMultiplier[];
  /** A SKU multiplier replaces its line's category multiplier. */
  skuMultipliers: SkuMultiplier[];
  /** Extra percentage during the customer's birth month (UTC); 100 = no bonus. */
  birthdayMonthMultiplierPercent: number;
  firstPurchaseBonusPoints: number;
  /** Awarded once per survey id per customer. */
  surveyAnswerBonusPoints: number;
  caps: { perPurchasePoints: number | null; perDayPoints: number | null };
}

export interface AmountBand {
  fromAmountMinor: number;
  multiplierPercent: number;
}
export interface CategoryMultiplier {
  category: string;
  multiplierPercent: number;
}
export interface SkuMultiplier {
  sku: string;
  multiplierPercent: number;
}

export type ExpiryPolicy =
  /** Each lot expires `months` after it was earned, to the instant. */
  | { kind: 'rolling-months'; months: number }
  /** Each lot expires at the end of the month `months` after the month it was earned. */
  | { kind: 'end-of-month'; months: number }
  /** Each lot expires at the end of the year `years` after the year it was earned. */
  | { kind: 'end-of-year'; years: number };

export interface RefundPolicy {
  /** When the refunded purchase's own points are already spent, take the rest from other lots. */
  deductFromOtherLots: boolean;
  /**
   * When points are still missing after that: true records a negative balance that later
   * earnings settle; false writes the shortfall off (the balance never goes below zero).
   */
  allowNegativeBalance: boolean;
}

export interface TierRules {
  /** What qualifies: net spend in minor units, or points earned. */
  basis: 'spend' | 'points';
  window: { kind: 'rolling-months'; months: number } | { kind: 'calendar-year' };
  /** A tier lost at a period end is kept this many more days. */
  downgradeGraceDays: number;
  /** Ascending thresholds; the first level must have threshold 0. */
  levels: TierLevel[];
}

export interface TierLevel {
  name: string;
  threshold: number;
  earnMultiplierPercent: number;
}

export interface RfmRules {
  lookbackMonths: number;
  /**
   * Evaluated in order; the first segment whose three conditions hold is the customer's.
   * Conditions are half-open: last purchase strictly within `recencyMonths` before as-of,
   * purchases >= minPurchases, spend >= minSpendMinor. Listing segments from the strictest
   * down makes "10 to 15" mean [10, 15).
   */
  segments: RfmSegmentRule[];
  otherSegment: string;
  /**
   * fixed-thresholds: `segments` above (the source articles' table). quantile: each customer
   * scores 1-5 per dimension against the whole customer base (quintiles), and the first
   * entry of `quantileSegments` whose score ranges hold names the segment.
   */
  style: 'fixed-thresholds' | 'quantile';
  quantileSegments: RfmQuantileSegmentRule[];
  /** How quantile scores are computed, per dimension (absent: `shared` ties, `position` boundaries everywhere). */
  quantileScoring?: RfmQuantileScoring;
}

/** Per dimension: how equal values rank, and where the quintile boundaries fall (see docs/analytics.md). */
export interface RfmQuantileScoring {
  recency: RfmDimensionScoring;
  frequency: RfmDimensionScoring;
  monetary: RfmDimensionScoring;
}

export interface RfmDimensionScoring {
  /**
   * shared: equal values always share a score. by-customer-id: equal values are ranked in
   * ascending customer id order first (pandas `rank(method="first")` on a table sorted by id).
   */
  ties: 'shared' | 'by-customer-id';
  /**
   * position: score = floor(5 × customers ranked below / customers) + 1. qcut: the value
   * quintile edges as `pandas.qcut(x, 5)` computes them (linear interpolation, bins closed on the
   * right, the first bin including its lower edge).
   */
  boundaries: 'position' | 'qcut';
}

/** A segment by RFM scores, each an inclusive [min, max] range of 1-5. */
export interface RfmQuantileSegmentRule {
  name: string;
  recency: [number, number];
  frequency: [number, number];
  monetary: [number, number];
}

export interface RfmSegmentRule {
  name: string;
  recencyMonths: number;
  minPurchases: number;
  minSpendMinor: number;
}

export interface NpsRules {
  /** Scores 0..detractorMax are detractors, up to passiveMax passives, above promoters. */
  detractorMax: number;
  passiveMax: number;
}

export interface LoyaltyClassificationRules {
  /** The RFM segment that counts as "top RFM". */
  topSegment: string;
  /** "One step from loyal": every loyal threshold met to at least this percentage. */
  oneStepClosenessPercent: number;
}

/** Which rules computed an entry: recorded on every ledger entry. */
export interface RulesReference {
  id: string;
  version: number;
  hash: string;
}
