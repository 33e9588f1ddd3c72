import type { RfmDimensionScoring, RfmQuantileScoring, RfmQuantileSegmentRule, RfmRules } from '@loyalty/program-rules';
import type { RfmValues } from './rfm';

export interface RfmScores {
  recency: number;
  frequency: number;
  monetary: number;
}

export interface RfmPopulationMember {
  customerId: string;
  values: RfmValues;
}

type Dimension = keyof RfmScores;

/** Today's scoring where the rules say nothing: equal values share a score, boundaries by position. */
export const DEFAULT_QUANTILE_SCORING: RfmQuantileScoring = {
  recency: { ties: 'shared', boundaries: 'position' },
  frequency: { ties: 'shared', boundaries: 'position' },
  monetary: { ties: 'shared', boundaries: 'position' },
};

const QUINTILES = 5;

/**
 * RFM scores 1-5 per dimension against a whole customer base, for the customers who bought in
 * the look-back window (the others score nothing and fall in the other segment). Built once from
 * the base; then scores any customer of it in O(log n), so one customer's answer and a list of
 * all of them agree.
 *
 * Per dimension (docs/analytics.md has a worked example of each):
 * - ties `shared`: equal values share a score; `by-customer-id`: equal values are ranked in
 *   ascending customer id order first, as pandas `rank(method="first")` on a table sorted by id;
 * - boundaries `position`: floor(5 × customers ranked below / customers) + 1, the customers ranked
 *   below being those with a worse value (and, by id, the equal ones before);
 *   `qcut`: the bin of `pandas.qcut(x, 5)` (edges by linear interpolation, bins closed on the right,
 *   the first including its lower edge; recency days binned ascending with scores reversed, as
 *   `labels=[5, 4, 3, 2, 1]`). Where edges coincide (pandas refuses), a value takes the lowest bin
 *   whose upper edge it does not exceed.
 */
export class RfmQuantileScorer {
  private readonly dimensions: Record<Dimension, DimensionScorer>;

  private constructor(
    readonly size: number,
    population: readonly RfmPopulationMember[],
    scoring: RfmQuantileScoring,
  ) {
    this.dimensions = {
      recency: new DimensionScorer(population, (v) => v.recencyDays ?? Number.MAX_SAFE_INTEGER, true, scoring.recency),
      frequency: new DimensionScorer(population, (v) => v.frequency, false, scoring.frequency),
      monetary: new DimensionScorer(population, (v) => v.monetary, false, scoring.monetary),
    };
  }

  static of(population: Iterable<RfmPopulationMember>, scoring: RfmQuantileScoring = DEFAULT_QUANTILE_SCORING): RfmQuantileScorer {
    const active = [...population].filter((p) => p.values.frequency > 0);
    return new RfmQuantileScorer(active.length, active, scoring);
  }

  /** The scores of a customer of the base (its values as of the base's instant); undefined without a purchase in the window. */
  scoresOf(customerId: string, values: RfmValues): RfmScores | undefined {
    if (values.frequency <= 0 || this.size === 0) return undefined;
    return {
      recency: this.dimensions.recency.score(customerId, values),
      frequency: this.dimensions.frequency.score(customerId, values),
      monetary: this.dimensions.monetary.score(customerId, values),
    };
  }
}

/** One dimension's sorted values (ascending, ties by customer id) and its scoring rule. */
class DimensionScorer {
  private readonly values: Float64Array;
  private readonly ids: string[];
  private readonly edges: number[] = [];

  constructor(
    population: readonly RfmPopulationMember[],
    private readonly valueOf: (v: RfmValues) => number,
    private readonly lowerIsBetter: boolean,
    private readonly rule: RfmDimensionScoring,
  ) {
    const sorted = population.map((p) => ({ id: p.customerId, value: valueOf(p.values) })).sort((a, b) => a.value - b.value || compareIds(a.id, b.id));
    this.values = Float64Array.from(sorted, (s) => s.value);
    this.ids = sorted.map((s) => s.id);
    if (rule.boundaries === 'qcut') {
      const n = sorted.length;
      // By id, the binned quantity is the rank 1..n; shared, the value itself.
      const at = rule.ties === 'by-customer-id' ? (i: number) => i + 1 : (i: number) => this.values[i];
      this.edges = quantileProbabilities().map((q) => linearQuantile(at, n, q));
    }
  }

  score(customerId: string, values: RfmValues): number {
    const value = this.valueOf(values);
    const below = lowerBound(this.values, value); // customers with a smaller value
    const rankFirst = () => below + this.equalBefore(value, below, customerId); // 0-based rank, ties by id
    const n = this.values.length;
    if (this.rule.boundaries === 'qcut') {
      const binned = this.rule.ties === 'by-customer-id' ? rankFirst() + 1 : value;
      const bin = qcutBin(this.edges, binned);
      return this.lowerIsBetter ? QUINTILES + 1 - bin : bin;
    }
    // position: how many customers rank below (worse) this one.
    let worse: number;
    if (!this.lowerIsBetter) worse = this.rule.ties === 'by-customer-id' ? rankFirst() : below;
    else {
      const atOrBelow = upperBound(this.values, value);
      worse = n - atOrBelow + (this.rule.ties === 'by-customer-id' ? this.equalBefore(value, below, customerId) : 0);
    }
    return Math.floor((QUINTILES * worse) / n) + 1;
  }

  /** Customers with the same value and a smaller id (the equal run starts at `from`). */
  private equalBefore(value: number, from: number, customerId: string): number {
    let lo = from;
    let hi = upperBound(this.values, value);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.ids[mid], customerId) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - from;
  }
}

/** The first quantile segment whose three score ranges hold; the other segment otherwise. */
export function quantileSegment(scores: RfmScores | undefined, rules: RfmRules): { segment: string; reason: string } {
  if (!scores) return { segment: rules.otherSegment, reason: `${rules.otherSegment}: no purchase in the look-back window` };
  const match = rules.quantileSegments.find((s) => scoresWithin(s, scores));
  const pattern = `R${scores.recency} F${scores.frequency} M${scores.monetary}`;
  return match
    ? { segment: match.name, reason: `${match.name}: scores ${pattern}` }
    : { segment: rules.otherSegment, reason: `${rules.otherSegment}: scores ${pattern} match no segment` };
}

export function scoresWithin(rule: RfmQuantileSegmentRule, scores: RfmScores): boolean {
  const within = (range: [number, number], score: number) => score >= range[0] && score <= range[1];
  return within(rule.recency, scores.recency) && within(rule.frequency, scores.frequency) && within(rule.monetary, scores.monetary);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** numpy.linspace(0, 1, 6) as numpy computes it (0.6000000000000001 included), through pandas' ×100 ÷100. */
function quantileProbabilities(): number[] {
  const step = 1 / QUINTILES;
  return Array.from({ length: QUINTILES + 1 }, (_, i) => (i === QUINTILES ? 1 : i * step)).map((q) => (q * 100) / 100);
}

/** numpy's "linear" quantile of n sorted values: virtual index (n-1)q, and numpy's two-sided lerp. */
function linearQuantile(at: (i: number) => number, n: number, q: number): number {
  const virtual = (n - 1) * q;
  const previous = Math.max(0, Math.min(n - 1, Math.floor(virtual)));
  const next = Math.min(n - 1, previous + 1);
  const t = virtual - Math.floor(virtual);
  const a = at(previous);
  const b = at(next);
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** pandas.qcut's bin, 1-based: the first edge not below the value (searchsorted left); the lowest edge itself is in bin 1. */
function qcutBin(edges: readonly number[], value: number): number {
  if (value <= edges[0]) return 1;
  for (let i = 1; i < edges.length; i++) if (value <= edges[i]) return i;
  return edges.length - 1;
}

/** Every scored customer of a base (those with a purchase in the window). */
export function rfmQuantileScores(population: readonly RfmPopulationMember[], scoring?: RfmQuantileScoring): Map<string, RfmScores> {
  const scorer = RfmQuantileScorer.of(population, scoring);
  const scores = new Map<string, RfmScores>();
  for (const p of population) {
    const s = scorer.scoresOf(p.customerId, p.values);
    if (s) scores.set(p.customerId, s);
  }
  return scores;
}
