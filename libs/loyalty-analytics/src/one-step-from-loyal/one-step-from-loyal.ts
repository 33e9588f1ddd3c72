import type { ProgramRules } from '@loyalty/program-rules';
import type { CustomerProfile } from '@loyalty/read-models';
import { evaluateCustomer, type CustomerEvaluation } from '../profiles/customer-evaluation';

/** The customers one step from loyal, closest first (then most spend, then customer id). */
export async function oneStepFromLoyal(
  profiles: AsyncIterable<CustomerProfile>,
  rules: ProgramRules,
  asOf: string,
  limit: number,
): Promise<CustomerEvaluation[]> {
  const found: CustomerEvaluation[] = [];
  for await (const profile of profiles) {
    const evaluation = evaluateCustomer(profile, rules, asOf);
    if (evaluation.loyalty.class === 'one-step-from-loyal') found.push(evaluation);
  }
  found.sort(
    (a, b) =>
      b.loyalty.closenessPercent - a.loyalty.closenessPercent ||
      b.rfm.monetary - a.rfm.monetary ||
      (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0),
  );
  return found.slice(0, limit);
}
