import type { CustomerProfile } from '@loyalty/read-models';
import { evaluateCustomer, type CustomerEvaluation, type EvaluationContext } from '../profiles/customer-evaluation';

/** How a list of customers may be sorted; each key has its natural direction, `order` flips it. */
export const LIST_SORTS = ['monetary', 'frequency', 'recency', 'closeness', 'clv', 'customer-id'] as const;
export type ListSort = (typeof LIST_SORTS)[number];
export type ListOrder = 'natural' | 'reversed';

export interface ListRequest {
  sort: ListSort;
  order: ListOrder;
  page: number;
  pageSize: number;
}

export interface CustomerPage {
  total: number;
  page: number;
  pageSize: number;
  sort: ListSort;
  customers: CustomerEvaluation[];
}

/** Every customer evaluated as of an instant, streamed (one profile held at a time). */
export async function* evaluatePopulation(profiles: AsyncIterable<CustomerProfile>, context: EvaluationContext): AsyncIterable<CustomerEvaluation> {
  for await (const profile of profiles) yield evaluateCustomer(profile, context);
}

/**
 * The customers a filter keeps, sorted (spend, purchases, closeness and CLV biggest first, recency
 * most recent first, customer id ascending), ties broken by customer id so pages are stable.
 */
export async function selectCustomers(
  evaluations: AsyncIterable<CustomerEvaluation>,
  keep: (e: CustomerEvaluation) => boolean,
  sort: ListSort,
  order: ListOrder,
): Promise<CustomerEvaluation[]> {
  const kept: CustomerEvaluation[] = [];
  for await (const e of evaluations) if (keep(e)) kept.push(e);
  const key = sortKey(sort);
  const flip = order === 'reversed' ? -1 : 1;
  kept.sort((a, b) => flip * (key(a) - key(b) || compareIds(a.customerId, b.customerId)));
  return kept;
}

export function pageOf(customers: CustomerEvaluation[], request: ListRequest): CustomerPage {
  const { page, pageSize, sort } = request;
  return { total: customers.length, page, pageSize, sort, customers: customers.slice((page - 1) * pageSize, page * pageSize) };
}

function sortKey(sort: ListSort): (e: CustomerEvaluation) => number {
  switch (sort) {
    case 'monetary':
      return (e) => -e.rfm.monetary;
    case 'frequency':
      return (e) => -e.rfm.frequency;
    case 'recency':
      return (e) => e.rfm.recencyDays ?? Number.MAX_SAFE_INTEGER;
    case 'closeness':
      return (e) => -e.loyalty.closenessPercent;
    case 'clv':
      return (e) => -(e.predicted?.clv ?? -1);
    case 'customer-id':
      return () => 0;
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The columns of a customer list's CSV, in order (a header even for an empty list). */
export const CUSTOMER_COLUMNS = [
  'customerId',
  'segment',
  'recencyDays',
  'frequency',
  'monetary',
  'recencyScore',
  'frequencyScore',
  'monetaryScore',
  'tier',
  'npsScore',
  'npsCategory',
  'loyaltyClass',
  'closenessPercent',
  'lacksBehavioural',
  'lacksPsychological',
  'purchases',
  'totalSpend',
  'averageOrderValue',
  'clv',
  'expectedPurchases',
  'probabilityAlive',
  'expectedAverageValue',
  'predictedClv',
] as const;

/** One flat row per customer for CSV exports: the same fields in every list. */
export function customerRow(e: CustomerEvaluation): Record<(typeof CUSTOMER_COLUMNS)[number], string | number | null> {
  return {
    customerId: e.customerId,
    segment: e.rfm.segment,
    recencyDays: e.rfm.recencyDays,
    frequency: e.rfm.frequency,
    monetary: e.rfm.monetary,
    recencyScore: e.rfm.scores?.recency ?? null,
    frequencyScore: e.rfm.scores?.frequency ?? null,
    monetaryScore: e.rfm.scores?.monetary ?? null,
    tier: e.tier,
    npsScore: e.nps?.score ?? null,
    npsCategory: e.nps?.category ?? null,
    loyaltyClass: e.loyalty.class,
    closenessPercent: e.loyalty.closenessPercent,
    lacksBehavioural: e.loyalty.lacks.behavioural.join('; '),
    lacksPsychological: e.loyalty.lacks.psychological?.needs ?? '',
    purchases: e.value.purchases,
    totalSpend: e.value.totalSpend,
    averageOrderValue: e.value.averageOrderValue,
    clv: e.value.clv,
    expectedPurchases: e.predicted?.expectedPurchases ?? null,
    probabilityAlive: e.predicted?.probabilityAlive ?? null,
    expectedAverageValue: e.predicted?.expectedAverageValue ?? null,
    predictedClv: e.predicted?.clv ?? null,
  };
}
