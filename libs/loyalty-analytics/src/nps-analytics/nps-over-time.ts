import { npsOf, type CustomerProfile, type NpsSummary } from '@loyalty/read-models';
import { evaluateCustomer, type EvaluationContext } from '../profiles/customer-evaluation';

export type NpsGrouping = 'month' | 'segment' | 'tier';

/**
 * NPS of the answers given in [from, to), grouped by the month of the answer (UTC), or by the
 * customer's RFM segment or tier as of `to` (the context is that instant's). Every answer counts
 * (a customer may answer twice).
 */
export async function npsOverTime(
  profiles: AsyncIterable<CustomerProfile>,
  atEnd: EvaluationContext,
  from: string,
  groupBy: NpsGrouping,
): Promise<({ group: string } & NpsSummary)[]> {
  const to = atEnd.asOf;
  const groups = new Map<string, number[]>();
  for await (const profile of profiles) {
    const answers = profile.surveyAnswers.filter((a) => a.at >= from && a.at < to);
    if (answers.length === 0) continue;
    // Segment and tier are the customer's as of the end of the period.
    const evaluation = groupBy === 'month' ? null : evaluateCustomer(profile, atEnd);
    const customerGroup = evaluation === null ? null : groupBy === 'segment' ? evaluation.rfm.segment : evaluation.tier;
    for (const answer of answers) {
      const group = customerGroup ?? answer.at.slice(0, 7);
      const list = groups.get(group);
      if (list) list.push(answer.score);
      else groups.set(group, [answer.score]);
    }
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([group, scores]) => ({ group, ...npsOf(scores, atEnd.rules.nps) }));
}
