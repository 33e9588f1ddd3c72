import type { CustomerProfile } from '@loyalty/read-models';
import type { EvaluationContext } from '../profiles/customer-evaluation';
import { evaluatePopulation } from '../customer-lists/customer-list';

export interface SegmentCount {
  segment: string;
  customers: number;
  /** Net spend in the look-back window of the segment's customers. */
  monetary: number;
}

/** Customers per RFM segment (every segment of the style in force listed, in their order, then "other"). */
export async function segmentCounts(profiles: AsyncIterable<CustomerProfile>, context: EvaluationContext): Promise<SegmentCount[]> {
  const { rfm } = context.rules;
  const names = rfm.style === 'quantile' ? rfm.quantileSegments.map((s) => s.name) : rfm.segments.map((s) => s.name);
  const counts = new Map<string, SegmentCount>([...names, rfm.otherSegment].map((name) => [name, { segment: name, customers: 0, monetary: 0 }]));
  for await (const evaluation of evaluatePopulation(profiles, context)) {
    const row = counts.get(evaluation.rfm.segment);
    if (!row) continue; // every segment of the rules is in the map
    row.customers++;
    row.monetary += evaluation.rfm.monetary;
  }
  return [...counts.values()];
}

export interface TierCount {
  tier: string;
  /** The level's qualifying threshold under the rules in force. */
  threshold: number;
  customers: number;
}

/** Members per tier as of the instant (every level of the rules in force, lowest first), by the tier function the ledger rates with. */
export async function tierCounts(profiles: AsyncIterable<CustomerProfile>, context: EvaluationContext): Promise<TierCount[]> {
  const counts = new Map<string, TierCount>(context.rules.tiers.levels.map((l) => [l.name, { tier: l.name, threshold: l.threshold, customers: 0 }]));
  for await (const evaluation of evaluatePopulation(profiles, context)) {
    const row = counts.get(evaluation.tier);
    if (row) row.customers++;
  }
  return [...counts.values()];
}
