import { defaultProgramRules } from '@loyalty/program-rules';
import { customerProfileProjection, type CustomerProfile, type ProfilePurchase } from '../customer-profile/customer-profile.projection';
import { customerValue } from './customer-value';
import { classifyLoyalty } from './loyalty-classification';
import { placeInRfmSegment } from './rfm-placement';
import { latestNpsAnswer, npsCategory, npsOf } from './nps';
import { rfmSegment, rfmValues } from './rfm';
import { nearestRank, supportMetrics } from './support-metrics';
import { tierOf } from './tier';

const rules = defaultProgramRules();
const ASOF = '2026-06-30T12:00:00.000Z';
const DAY = 86_400_000;

function profile(purchases: Partial<ProfilePurchase>[], extra: Partial<CustomerProfile> = {}): CustomerProfile {
  return {
    customerId: 'C',
    enrolledAt: null,
    birthDate: null,
    purchases: purchases.map((p, i) => ({ orderId: `O-${i}`, at: '2026-06-20T00:00:00.000Z', amount: 0, refunded: 0, points: 0, ...p })),
    surveyAnswers: [],
    supportContacts: [],
    ...extra,
  };
}

/** n purchases that add up to `spend`, the last one at `lastAt`, the others a day apart before it. */
function buyer(n: number, spend: number, lastAt: string): CustomerProfile {
  const each = Math.floor(spend / n);
  return profile(
    Array.from({ length: n }, (_, i) => ({
      at: new Date(Date.parse(lastAt) - (n - 1 - i) * DAY).toISOString(),
      amount: i === n - 1 ? spend - each * (n - 1) : each,
    })),
  );
}

const segmentOf = (p: CustomerProfile) => rfmSegment(rfmValues(p, rules.rfm, ASOF), rules.rfm, ASOF).segment;
const oneMonthBefore = '2026-05-30T12:00:00.000Z';
const justInside = new Date(Date.parse(oneMonthBefore) + 1).toISOString();

describe('NPS', () => {
  it("is 20 with 50% promoters and 30% detractors (the source's worked example)", () => {
    const scores = [...Array(5).fill(9), ...Array(2).fill(7), ...Array(3).fill(3)];
    expect(npsOf(scores, rules.nps)).toEqual({ responses: 10, promoters: 5, passives: 2, detractors: 3, nps: 20 });
  });

  it('categorises 0-6, 7-8 and 9-10 at their boundaries, and rounds to one decimal', () => {
    expect([0, 6, 7, 8, 9, 10].map((s) => npsCategory(s, rules.nps))).toEqual(['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']);
    expect(npsOf([10, 10, 0], rules.nps).nps).toBe(33.3);
    expect(npsOf([0, 0, 10], rules.nps).nps).toBe(-33.3);
    expect(npsOf([], rules.nps).nps).toBeNull();
  });

  it("takes a customer's latest answer at or before as-of", () => {
    const p = profile([], {
      surveyAnswers: [
        { responseId: 'a', surveyId: 's', at: '2026-01-01T00:00:00.000Z', score: 10 },
        { responseId: 'b', surveyId: 's', at: '2026-07-01T00:00:00.000Z', score: 2 },
      ],
    });
    expect(latestNpsAnswer(p, rules.nps, ASOF)).toEqual({ score: 10, at: '2026-01-01T00:00:00.000Z', category: 'promoter' });
  });
});

describe('customer value', () => {
  it("is ¥1,000,000 for ¥100,000 × 10 purchases (the source's worked example)", () => {
    expect(customerValue(buyer(10, 1_000_000, '2026-06-01T00:00:00.000Z'), ASOF)).toEqual({
      purchases: 10,
      totalSpend: 1_000_000,
      averageOrderValue: 100_000,
      clv: 1_000_000,
    });
  });

  it('counts spend net of refunds, ignores fully refunded orders, and rounds the average half up', () => {
    const p = profile([{ amount: 1000 }, { amount: 2001 }, { amount: 500, refunded: 500 }, { amount: 800, refunded: 300 }]);
    expect(customerValue(p, ASOF)).toEqual({ purchases: 3, totalSpend: 3501, averageOrderValue: 1167, clv: 3501 });
  });
});

describe('RFM fixed thresholds (the source table, half-open)', () => {
  it.each([
    ['loyal: 15 purchases, ¥500,000, within 1 month', buyer(15, 500_000, '2026-06-25T00:00:00.000Z'), 'loyal'],
    ['14 purchases is not loyal (A)', buyer(14, 500_000, '2026-06-25T00:00:00.000Z'), 'A'],
    ['¥499,999 is not loyal (A)', buyer(15, 499_999, '2026-06-25T00:00:00.000Z'), 'A'],
    ['a last purchase exactly 1 month ago is not within 1 month (A)', buyer(15, 500_000, oneMonthBefore), 'A'],
    ['a last purchase 1 ms inside the month is (loyal)', buyer(15, 500_000, justInside), 'loyal'],
    ['A: 10 purchases, ¥300,000, within 2 months', buyer(10, 300_000, '2026-05-01T00:00:00.000Z'), 'A'],
    ['9 purchases is not A (B)', buyer(9, 300_000, '2026-05-01T00:00:00.000Z'), 'B'],
    ['¥299,999 is not A (B)', buyer(10, 299_999, '2026-05-01T00:00:00.000Z'), 'B'],
    ['B: 5 purchases, ¥200,000, within 3 months', buyer(5, 200_000, '2026-04-01T00:00:00.000Z'), 'B'],
    ['4 purchases is not B (other)', buyer(4, 200_000, '2026-04-01T00:00:00.000Z'), 'other'],
    ['¥199,999 is not B (other)', buyer(5, 199_999, '2026-04-01T00:00:00.000Z'), 'other'],
    ['a last purchase exactly 3 months ago is not B (other)', buyer(5, 200_000, '2026-03-30T12:00:00.000Z'), 'other'],
  ])('%s', (_name, p, segment) => {
    expect(segmentOf(p)).toBe(segment);
  });

  it('counts only the look-back window, net of refunds', () => {
    const p = profile([
      { at: '2023-06-30T12:00:00.000Z', amount: 100_000 },
      { at: '2023-07-01T00:00:00.000Z', amount: 200_000 },
      { at: '2026-06-01T00:00:00.000Z', amount: 50_000, refunded: 50_000 },
    ]);
    expect(rfmValues(p, rules.rfm, ASOF)).toEqual({ lastPurchaseAt: '2023-07-01T00:00:00.000Z', recencyDays: 1095, frequency: 1, monetary: 200_000 });
  });
});

describe('loyalty classification', () => {
  const loyalBuyer = buyer(15, 500_000, '2026-06-25T00:00:00.000Z');
  const answer = { promoter: 10, passive: 8, detractor: 3 } as const;
  const classify = (p: CustomerProfile, nps: 'promoter' | 'passive' | 'detractor' | null) => {
    const values = rfmValues(p, rules.rfm, ASOF);
    return classifyLoyalty(values, placeInRfmSegment(p.customerId, values, rules.rfm, ASOF, null), nps && { score: answer[nps], category: nps }, rules, ASOF);
  };

  it('calls top RFM and a promoter loyal, and top RFM without one a good customer, with what the psychological side lacks', () => {
    expect(classify(loyalBuyer, 'promoter')).toMatchObject({ class: 'loyal', closenessPercent: 100, lacks: { behavioural: [], psychological: null } });
    expect(classify(loyalBuyer, 'passive')).toMatchObject({
      class: 'good-customer',
      reason: 'top RFM segment (loyal), profitable but not yet attached; psychological side: latest answer 8 (a passive): an answer of 9 or more (a promoter)',
      lacks: { behavioural: [], psychological: { latest: 'passive', latestScore: 8 } },
    });
    expect(classify(loyalBuyer, null)).toMatchObject({
      class: 'good-customer',
      lacks: { psychological: { latest: null, latestScore: null, needs: 'no NPS answer yet: an answer of 9 or more (a promoter)' } },
    });
  });

  it('lists a customer within the configured closeness of every top threshold as one step from loyal, with the gaps on both sides', () => {
    const near = buyer(12, 420_000, '2026-06-25T00:00:00.000Z'); // 80% of purchases, 84% of spend
    expect(classify(near, 'promoter')).toEqual({
      class: 'one-step-from-loyal',
      closenessPercent: 80,
      reason: '80% of the way to loyal: 3 more purchase(s), 80000 more spend',
      lacks: { behavioural: ['3 more purchase(s)', '80000 more spend'], psychological: null },
    });
    // A detractor with near-perfect RFM: the NPS side is named, not only the purchases
    expect(classify(near, 'detractor')).toMatchObject({
      class: 'one-step-from-loyal',
      reason:
        '80% of the way to loyal: 3 more purchase(s), 80000 more spend; psychological side: latest answer 3 (a detractor): an answer of 9 or more (a promoter)',
      lacks: { psychological: { latest: 'detractor', latestScore: 3 } },
    });
    const further = buyer(11, 420_000, '2026-06-25T00:00:00.000Z'); // 73% of purchases
    expect(classify(further, 'promoter')).toMatchObject({ class: 'other', closenessPercent: 73 });
  });
});

describe('support metrics', () => {
  it('counts by channel and gives nearest-rank median and p90 times to resolution', () => {
    const opened = '2026-06-01T00:00:00.000Z';
    const contact = (i: number, minutes: number | null, channel: 'chat' | 'phone' = 'chat') => ({
      contactId: `K-${i}`,
      channel,
      openedAt: opened,
      resolvedAt: minutes === null ? null : new Date(Date.parse(opened) + minutes * 60_000).toISOString(),
      resolved: minutes !== null,
      satisfaction: minutes === null ? null : 4 + (i % 2),
    });
    const metrics = supportMetrics([contact(1, 10), contact(2, 20), contact(3, 30, 'phone'), contact(4, 40), contact(5, null, 'phone')]);
    expect(metrics).toEqual({
      contacts: 5,
      byChannel: { chat: 3, phone: 2 },
      resolved: 4,
      unresolved: 1,
      medianResolutionMinutes: 20,
      p90ResolutionMinutes: 40,
      averageSatisfaction: 4.5,
    });
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
  });
});

describe('tier from the profile', () => {
  it('is the tier the ledger would rate the next purchase with', () => {
    const p = buyer(3, 120_000, '2026-06-01T00:00:00.000Z');
    expect(tierOf(p, rules.tiers, ASOF).level.name).toBe('silver');
    expect(tierOf(p, rules.tiers, '2026-05-01T00:00:00.000Z').level.name).toBe('regular');
  });

  it('counts the qualifying figures an opening balance carried over, and not as purchases', () => {
    // Given a gold member migrated at the cutover (320,000 qualifying spend in the window), who then buys once
    const migrated = customerProfileProjection.apply(customerProfileProjection.initial('C'), {
      type: 'OpeningBalanceMigrated',
      customerId: 'C',
      migrationId: 'M',
      sourceProgram: 'acme',
      migratedAt: '2026-06-01T00:00:00.000Z',
      memberSince: '2019-01-01T00:00:00.000Z',
      birthDate: null,
      points: 0,
      lots: [],
      tier: { name: 'gold', qualifying: [{ at: '2026-05-15T00:00:00.000Z', spend: 320_000, points: 3_200 }] },
    });
    // Then the read side's tier is gold, the enrolment date is the other program's, and RFM sees no purchase
    expect(tierOf(migrated, rules.tiers, ASOF).level.name).toBe('gold');
    expect(migrated.enrolledAt).toBe('2019-01-01T00:00:00.000Z');
    expect(migrated.purchases).toEqual([]);
  });
});
