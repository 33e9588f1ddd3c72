import type { ProgramRules } from '@loyalty/program-rules';
import { quantileSegment, rfmQuantileScores, type CustomerProfile, type RfmScores } from '@loyalty/read-models';
import { evaluateCustomer, type CustomerEvaluation } from '../profiles/customer-evaluation';

/** A customer's evaluation with the segment of the rules' segmentation style. */
export type SegmentedCustomer = CustomerEvaluation & { scores?: RfmScores };

/**
 * Every customer evaluated and segmented. Fixed thresholds need one customer at a time;
 * quantile scores need the whole base, so that style evaluates everyone first.
 */
export async function segmentPopulation(profiles: AsyncIterable<CustomerProfile>, rules: ProgramRules, asOf: string): Promise<SegmentedCustomer[]> {
  const evaluations: SegmentedCustomer[] = [];
  for await (const profile of profiles) evaluations.push(evaluateCustomer(profile, rules, asOf));
  if (rules.rfm.style !== 'quantile') return evaluations;
  const scores = rfmQuantileScores(evaluations.map((e) => ({ customerId: e.customerId, values: e.rfm })));
  return evaluations.map((e) => {
    const customerScores = scores.get(e.customerId);
    return { ...e, rfm: { ...e.rfm, ...quantileSegment(customerScores, rules.rfm) }, ...(customerScores ? { scores: customerScores } : {}) };
  });
}

export interface SegmentCount {
  segment: string;
  customers: number;
  /** Net spend in the look-back window of the segment's customers. */
  monetary: number;
}

/** Customers per RFM segment (every segment of the rules' style listed, in their order, then "other"). */
export async function segmentCounts(profiles: AsyncIterable<CustomerProfile>, rules: ProgramRules, asOf: string): Promise<SegmentCount[]> {
  const names = rules.rfm.style === 'quantile' ? rules.rfm.quantileSegments.map((s) => s.name) : rules.rfm.segments.map((s) => s.name);
  const counts = new Map<string, SegmentCount>([...names, rules.rfm.otherSegment].map((name) => [name, { segment: name, customers: 0, monetary: 0 }]));
  for (const evaluation of await segmentPopulation(profiles, rules, asOf)) {
    const row = counts.get(evaluation.rfm.segment);
    if (!row) continue; // every segment of the rules is in the map
    row.customers++;
    row.monetary += evaluation.rfm.monetary;
  }
  return [...counts.values()];
}

export type MemberSort = 'monetary' | 'frequency' | 'recency';

export interface MemberPage {
  segment: string;
  total: number;
  page: number;
  pageSize: number;
  members: SegmentedCustomer[];
}

/**
 * A segment's members, sorted (monetary and frequency descending, recency most recent first),
 * ties broken by customer id so that pages are stable.
 */
export async function segmentMembers(
  profiles: AsyncIterable<CustomerProfile>,
  rules: ProgramRules,
  asOf: string,
  segment: string,
  sort: MemberSort,
  page: number,
  pageSize: number,
): Promise<MemberPage> {
  const members = (await segmentPopulation(profiles, rules, asOf)).filter((e) => e.rfm.segment === segment);
  const key = (e: CustomerEvaluation): number =>
    sort === 'monetary' ? -e.rfm.monetary : sort === 'frequency' ? -e.rfm.frequency : (e.rfm.recencyDays ?? Number.MAX_SAFE_INTEGER);
  members.sort((a, b) => key(a) - key(b) || (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  return { segment, total: members.length, page, pageSize, members: members.slice((page - 1) * pageSize, page * pageSize) };
}
