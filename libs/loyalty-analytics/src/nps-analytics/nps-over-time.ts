import type { ProgramRules } from '@loyalty/program-rules';
import { npsOf, type CustomerProfile, type NpsSummary } from '@loyalty/read-models';
import { evaluateCustomer } from '../profiles/customer-evaluation';

export type NpsGrouping = 'month' | 'segment' | 'tier';

/**
 * NPS of the answers given in [from, to), grouped by the month of the answer (UTC), or by the
 * customer's RFM segment or tier as of `to`. Every answer counts (a customer may answer twice).
 */
export async function npsOverTime(
  profiles: AsyncIterable<CustomerProfile>,
  rules: ProgramRules,
  from: string,
  to: string,
  groupBy: NpsGrouping,
): Promise<({ group: string } & NpsSummary)[]> {
  const groups = new Map<string, number[]>();
  for await (const profile of profiles) {
    const answers = profile.surveyAnswers.filter((a) => a.at >= from && a.at < to);
    if (answers.length === 0) continue;
    // Segment and tier are the customer's as of the end of the period.
    const customerGroup =
      groupBy === 'month' ? null : groupBy === 'segment' ? evaluateCustomer(profile, rules, to).rfm.segment : evaluateCustomer(profile, rules, to).tier;
    for (const answer of answers) {
      const group = customerGroup ?? answer.at.slice(0, 7);
      const list = groups.get(group);
      if (list) list.push(answer.score);
      else groups.set(group, [answer.score]);
    }
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([group, scores]) => ({ group, ...npsOf(scores, rules.nps) }));
}
