import type { RfmQuantileSegmentRule, RfmRules } from '@loyalty/program-rules';
import type { RfmValues } from './rfm';

export interface RfmScores {
  recency: number;
  frequency: number;
  monetary: number;
}

/**
 * RFM scores 1-5 per dimension against the whole customer base (quintiles), for customers who
 * bought in the look-back window (the others score nothing and fall in the other segment).
 *
 * Deterministic tie-break: customers are ranked by value (recency: most recent is best), then
 * by customer id; a customer's score is floor(5 * i / n) + 1 where i is the position of the
 * *first* customer with the same value, so equal values always share a score whatever the
 * input order, and the order of ids never decides a score.
 */
export function rfmQuantileScores(population: readonly { customerId: string; values: RfmValues }[]): Map<string, RfmScores> {
  const active = population.filter((p) => p.values.frequency > 0);
  const n = active.length;
  const scores = new Map<string, RfmScores>(active.map((p) => [p.customerId, { recency: 0, frequency: 0, monetary: 0 }]));
  const dimensions: [keyof RfmScores, (v: RfmValues) => number][] = [
    ['recency', (v) => -(v.recencyDays ?? Number.MAX_SAFE_INTEGER)], // fewer days since the last purchase is better
    ['frequency', (v) => v.frequency],
    ['monetary', (v) => v.monetary],
  ];
  for (const [dimension, value] of dimensions) {
    const ranked = [...active].sort((a, b) => value(a.values) - value(b.values) || (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
    let groupStart = 0;
    ranked.forEach((p, i) => {
      if (i > 0 && value(p.values) !== value(ranked[i - 1].values)) groupStart = i;
      const entry = scores.get(p.customerId);
      if (entry) entry[dimension] = Math.floor((5 * groupStart) / n) + 1;
    });
  }
  return scores;
}

/** The first quantile segment whose three score ranges hold; the other segment otherwise. */
export function quantileSegment(scores: RfmScores | undefined, rules: RfmRules): { segment: string; reason: string } {
  if (!scores) return { segment: rules.otherSegment, reason: `${rules.otherSegment}: no purchase in the look-back window` };
  const within = (range: [number, number], score: number) => score >= range[0] && score <= range[1];
  const match = rules.quantileSegments.find(
    (s: RfmQuantileSegmentRule) => within(s.recency, scores.recency) && within(s.frequency, scores.frequency) && within(s.monetary, scores.monetary),
  );
  const pattern = `R${scores.recency} F${scores.frequency} M${scores.monetary}`;
  return match
    ? { segment: match.name, reason: `${match.name}: scores ${pattern}` }
    : { segment: rules.otherSegment, reason: `${rules.otherSegment}: scores ${pattern} match no segment` };
}
