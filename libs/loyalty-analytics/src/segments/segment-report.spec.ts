import { defaultProgramRules, type ProgramRules } from '@loyalty/program-rules';
import type { CustomerProfile } from '@loyalty/read-models';
import { evaluatePopulation, selectCustomers } from '../customer-lists/customer-list';
import { rfmBaseOfProfiles, type EvaluationContext } from '../profiles/customer-evaluation';
import { segmentCounts, tierCounts } from './segment-report';

const ASOF = '2026-06-30T00:00:00.000Z';
const DAY = 86_400_000;

function customer(id: string, purchases: number, each: number, daysAgo: number): CustomerProfile {
  return {
    customerId: id,
    enrolledAt: null,
    birthDate: null,
    purchases: Array.from({ length: purchases }, (_, i) => ({
      orderId: `${id}-${i}`,
      at: new Date(Date.parse(ASOF) - (daysAgo + i) * DAY).toISOString(),
      amount: each,
      refunded: 0,
      points: 0,
    })),
    surveyAnswers: [],
    supportContacts: [],
  };
}

async function* stream(profiles: CustomerProfile[]): AsyncIterable<CustomerProfile> {
  yield* profiles;
}

describe('segment reports', () => {
  const base = [customer('TOP', 20, 40_000, 1), customer('MID', 10, 31_000, 20), customer('LOW', 5, 40_000, 45), customer('IDLE', 1, 1_000, 2_000)];

  it('counts by fixed thresholds (the default style)', async () => {
    expect(await segmentCounts(stream(base), { rules: defaultProgramRules(), asOf: ASOF, base: null, model: null })).toEqual([
      { segment: 'loyal', customers: 1, monetary: 800_000 },
      { segment: 'A', customers: 1, monetary: 310_000 },
      { segment: 'B', customers: 1, monetary: 200_000 },
      { segment: 'other', customers: 1, monetary: 0 },
    ]);
  });

  it('counts by quantile scores when the rules ask for it, with the scores on each member', async () => {
    const rules: ProgramRules = {
      ...defaultProgramRules(),
      rfm: { ...defaultProgramRules().rfm, style: 'quantile' },
      loyalty: { ...defaultProgramRules().loyalty, topSegment: 'champions' },
    };
    const context: EvaluationContext = { rules, asOf: ASOF, base: await rfmBaseOfProfiles(() => stream(base), rules, ASOF), model: null };
    const counts = await segmentCounts(stream(base), context);
    expect(counts.map((c) => c.segment)).toEqual(['champions', 'loyal-customers', 'potential-loyalists', 'at-risk', 'hibernating', 'other']);
    const champions = await selectCustomers(evaluatePopulation(stream(base), context), (e) => e.rfm.segment === 'champions', 'monetary', 'natural');
    expect(champions.map((m) => [m.customerId, m.rfm.scores])).toEqual([['TOP', { recency: 4, frequency: 4, monetary: 4 }]]);
    expect(counts.reduce((n, c) => n + c.customers, 0)).toBe(4);
  });

  it('counts members per tier, every level of the rules listed lowest first', async () => {
    // Given spends of 800,000 (20 days), 310,000, 200,000 and an idle customer
    const counts = await tierCounts(stream(base), { rules: defaultProgramRules(), asOf: ASOF, base: null, model: null });
    // Then one customer in each level, by the thresholds of the rules
    expect(counts).toEqual([
      { tier: 'regular', threshold: 0, customers: 1 },
      { tier: 'silver', threshold: 100_000, customers: 1 },
      { tier: 'gold', threshold: 300_000, customers: 1 },
      { tier: 'platinum', threshold: 500_000, customers: 1 },
    ]);
  });
});
