import type { ProgramRules } from '@loyalty/program-rules';
import type { CustomerProfile } from '@loyalty/read-models';
import { evaluateCustomer, type CustomerEvaluation } from '../profiles/customer-evaluation';

export interface SegmentCount {
  segment: string;
  customers: number;
  /** Net spend in the look-back window of the segment's customers. */
  monetary: number;
}

/** Customers per RFM segment (every segment of the rules listed, in their order, then "other"). */
export async function segmentCounts(profiles: AsyncIterable<CustomerProfile>, rules: ProgramRules, asOf: string): Promise<SegmentCount[]> {
  const counts = new Map<string, SegmentCount>([...rules.rfm.segments.map((s) => s.name), rules.rfm.otherSegment].map((name) => [name, { segment: name, customers: 0, monetary: 0 }]));
  for await (const profile of profiles) {
    const evaluation = evaluateCustomer(profile, rules, asOf);
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
  members: CustomerEvaluation[];
}

/**
 * A segment's members, sorted (monetary and frequency descending, recency most recent first),
 * ties broken by customer id so that pages are stable.
 */
export async function segmentMembers(profiles: AsyncIterable<CustomerProfile>, rules: ProgramRules, asOf: string, segment: string, sort: MemberSort, page: number, pageSize: number): Promise<MemberPage> {
  const members: CustomerEvaluation[] = [];
  for await (const profile of profiles) {
    const evaluation = evaluateCustomer(profile, rules, asOf);
    if (evaluation.rfm.segment === segment) members.push(evaluation);
  }
  const key = (e: CustomerEvaluation): number => (sort === 'monetary' ? -e.rfm.monetary : sort === 'frequency' ? -e.rfm.frequency : (e.rfm.recencyDays ?? Number.MAX_SAFE_INTEGER));
  members.sort((a, b) => key(a) - key(b) || (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  return { segment, total: members.length, page, pageSize, members: members.slice((page - 1) * pageSize, page * pageSize) };
}
