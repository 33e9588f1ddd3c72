import { defaultProgramRules, type ProgramRules } from '@loyalty/program-rules';
import { foldLoyaltyAccount } from './evolve';
import { accountHoldingsAt } from './loyalty-account.state';
import { accepted, CUSTOMER, eventOf, history, plainRules, purchase, redeem, refund, when } from '../testing/ledger-spec';
import type { LedgerEvent } from './ledger-events';

const T0 = '2026-03-10T09:00:00.000Z';
const DAY = 86_400_000;
const at = (iso: string, plusMs = 0) => new Date(Date.parse(iso) + plusMs).toISOString();

function availableAt(events: LedgerEvent[], iso: string): number {
  return accountHoldingsAt(foldLoyaltyAccount(events), Date.parse(iso)).available;
}

describe('RecordPurchase', () => {
  it('opens the account and earns base points as one lot with its breakdown', () => {
    const events = accepted(when(purchase('O-1', 12_345, T0)));
    expect(events.map((e) => e.type)).toEqual(['AccountOpened', 'PurchaseRecorded', 'PointsEarned']);
    const earned = eventOf(events, 'PointsEarned');
    expect(earned).toMatchObject({ points: 123, lotId: 'purchase:O-1', earnedAt: T0, availableAt: at(T0, 14 * DAY), expiresAt: '2027-03-10T09:00:00.000Z' });
    expect(earned.breakdown).toMatchObject({ basePoints: 123, steps: [], uncappedPoints: 123, caps: [] });
  });

  it('applies the amount-band multiplier of the highest band reached, on the base points', () => {
    const rules = plainRules({
      earning: {
        amountBands: [
          { fromAmountMinor: 0, multiplierPercent: 100 },
          { fromAmountMinor: 30_000, multiplierPercent: 150 },
        ],
      },
    });
    const below = eventOf(accepted(when(purchase('O-1', 29_999, T0), { rules })), 'PointsEarned');
    const atBand = eventOf(accepted(when(purchase('O-1', 30_000, T0), { rules })), 'PointsEarned');
    expect(below.points).toBe(299);
    expect(atBand.points).toBe(450);
    expect(atBand.breakdown.steps).toEqual([{ kind: 'amount-band', label: 'amount from 30000', percent: 150, onBasePoints: 300, points: 150 }]);
  });

  it('applies the tier multiplier of the tier reached by earlier purchases (upgrade at once)', () => {
    const rules = plainRules({
      tiers: {
        levels: [
          { name: 'regular', threshold: 0, earnMultiplierPercent: 100 },
          { name: 'silver', threshold: 100_000, earnMultiplierPercent: 125 },
        ],
      },
    });
    const given = history([purchase('O-1', 60_000, '2026-01-05T00:00:00Z'), purchase('O-2', 40_000, '2026-02-05T00:00:00Z')], rules);
    const earned = eventOf(accepted(when(purchase('O-3', 10_000, T0), { given, rules })), 'PointsEarned');
    expect(earned.breakdown.tier.name).toBe('silver');
    expect(earned.breakdown.steps).toEqual([{ kind: 'tier', label: 'tier silver', percent: 125, onBasePoints: 100, points: 25 }]);
    expect(earned.points).toBe(125);
    // The purchase that crosses the threshold is itself still rated at the old tier.
    const crossing = eventOf(accepted(when(purchase('O-2b', 40_000, '2026-02-05T00:00:00Z'), { given: given.slice(0, 3), rules })), 'PointsEarned');
    expect(crossing.breakdown.tier.name).toBe('regular');
  });

  it('gives the birthday-month bonus only in the birth month (UTC)', () => {
    const rules = plainRules({ earning: { birthdayMonthMultiplierPercent: 200 } });
    const given = history([{ type: 'EnrolCustomer', customerId: CUSTOMER, enrolledAt: '2026-01-01T00:00:00Z', birthDate: '1990-03-31' }], rules);
    const inMarch = eventOf(accepted(when(purchase('O-1', 10_000, '2026-03-31T23:59:59.999Z'), { given, rules })), 'PointsEarned');
    const inApril = eventOf(accepted(when(purchase('O-1', 10_000, '2026-04-01T00:00:00Z'), { given, rules })), 'PointsEarned');
    expect(inMarch.breakdown.steps).toEqual([{ kind: 'birthday-month', label: 'birthday month', percent: 200, onBasePoints: 100, points: 100 }]);
    expect(inMarch.points).toBe(200);
    expect(inApril.points).toBe(100);
  });

  it('gives the first-purchase bonus once', () => {
    const rules = plainRules({ earning: { firstPurchaseBonusPoints: 500 } });
    const first = accepted(when(purchase('O-1', 1_000, T0), { rules }));
    expect(eventOf(first, 'PointsEarned').points).toBe(510);
    const second = eventOf(accepted(when(purchase('O-2', 1_000, T0), { given: first, rules })), 'PointsEarned');
    expect(second.points).toBe(10);
  });

  it('applies a SKU multiplier in place of its category multiplier, each on its own line', () => {
    const rules = plainRules({
      earning: { categoryMultipliers: [{ category: 'wine', multiplierPercent: 200 }], skuMultipliers: [{ sku: 'W-RARE', multiplierPercent: 300 }] },
    });
    const lines = [
      { sku: 'W-1', category: 'wine', quantity: 2, unitPrice: 1_000 },
      { sku: 'W-RARE', category: 'wine', quantity: 1, unitPrice: 5_000 },
      { sku: 'B-1', category: 'bread', quantity: 1, unitPrice: 500 },
    ];
    const earned = eventOf(accepted(when(purchase('O-1', 7_500, T0, { lines }), { rules })), 'PointsEarned');
    expect(earned.breakdown.steps.map((s) => [s.kind, s.points])).toEqual([
      ['category', 20],
      ['sku', 100],
    ]);
    expect(earned.points).toBe(75 + 20 + 100);
  });

  it('caps points per purchase, then by what is left of the day', () => {
    const rules = plainRules({ earning: { caps: { perPurchasePoints: 300, perDayPoints: 500 } } });
    const first = accepted(when(purchase('O-1', 100_000, '2026-03-10T01:00:00Z'), { rules }));
    expect(eventOf(first, 'PointsEarned').points).toBe(300);
    const second = eventOf(accepted(when(purchase('O-2', 100_000, '2026-03-10T23:00:00Z'), { given: first, rules })), 'PointsEarned');
    expect(second.points).toBe(200);
    expect(second.breakdown.caps).toEqual([
      { kind: 'per-purchase', limit: 300, pointsRemoved: 700 },
      { kind: 'per-day', limit: 500, pointsRemoved: 100 },
    ]);
    const nextDay = eventOf(accepted(when(purchase('O-3', 100_000, '2026-03-11T00:00:00Z'), { given: first, rules })), 'PointsEarned');
    expect(nextDay.points).toBe(300);
  });

  it('rates a purchase by the rules in force at its own time', () => {
    const v1 = plainRules();
    const v2: ProgramRules = {
      ...plainRules({ earning: { baseRate: { points: 3, perAmountMinor: 100 } } }),
      version: 2,
      effectiveFrom: '2026-03-01T00:00:00Z',
    };
    expect(eventOf(accepted(when(purchase('O-1', 1_000, '2026-02-28T23:59:59.999Z'), { rules: [v1, v2] })), 'PointsEarned').points).toBe(10);
    const decision = when(purchase('O-1', 1_000, '2026-03-01T00:00:00Z'), { rules: [v1, v2] });
    expect(eventOf(accepted(decision), 'PointsEarned').points).toBe(30);
    expect(decision.outcome === 'accepted' && decision.rules).toMatchObject({ id: 'default-program', version: 2 });
  });

  it('reports a repeated order as a duplicate and emits nothing', () => {
    const given = history([purchase('O-1', 1_000, T0)]);
    expect(when(purchase('O-1', 1_000, T0), { given })).toEqual({ outcome: 'duplicate', sourceKey: 'purchase:O-1' });
    // The same instant written with another offset, and absent lines as an empty list, say the same.
    expect(when(purchase('O-1', 1_000, '2026-03-10T18:00:00+09:00', { lines: [] }), { given }).outcome).toBe('duplicate');
  });

  it('refuses the same order id with another meaning as a conflict naming what differs, never a silent duplicate', () => {
    const given = history([purchase('O-1', 1_000, T0)]);
    expect(when(purchase('O-1', 2_000, T0), { given })).toEqual({
      outcome: 'rejected',
      rejection: {
        code: 'LEDGER.SOURCE_CONFLICT',
        message: 'purchase:O-1 was recorded with another amount: a source id names one fact; send a new id for a new one',
        details: { sourceKey: 'purchase:O-1', field: 'amount', differing: [{ field: 'amount', recorded: 1_000, received: 2_000 }] },
      },
    });
    expect(when(purchase('O-1', 1_000, at(T0, 1)), { given })).toMatchObject({
      rejection: { code: 'LEDGER.SOURCE_CONFLICT', details: { differing: [{ field: 'occurredAt', recorded: T0, received: at(T0, 1) }] } },
    });
    expect(when(purchase('O-1', 1_000, T0, { channel: 'web' }), { given })).toMatchObject({ rejection: { details: { field: 'channel' } } });
  });

  it('refuses the same redemption id with other points, and takes a retry of the same redemption at another time as a duplicate', () => {
    const given = history([purchase('O-1', 10_000, T0)]);
    const redeemed = [...given, ...accepted(when(redeem('R-1', 50, at(T0, 20 * DAY)), { given }))];
    expect(when(redeem('R-1', 60, at(T0, 20 * DAY)), { given: redeemed })).toMatchObject({
      rejection: { code: 'LEDGER.SOURCE_CONFLICT', details: { differing: [{ field: 'points', recorded: 50, received: 60 }] } },
    });
    expect(when(redeem('R-1', 50, at(T0, 21 * DAY)), { given: redeemed }).outcome).toBe('duplicate');
  });

  it("refuses amounts beyond the rules' limit, a line whose price times quantity is, and points beyond it", () => {
    const rules = plainRules({ limits: { maxAmountMinor: 1_000_000, maxPoints: 500 } });
    expect(when(purchase('O-1', 1_000_001, T0), { rules })).toMatchObject({
      rejection: { code: 'LEDGER.INVALID_AMOUNT', details: { field: 'amount', max: 1_000_000 } },
    });
    expect(when(purchase('O-1', 9_007_199_254_740_991, T0))).toMatchObject({ rejection: { code: 'LEDGER.INVALID_AMOUNT', details: { field: 'amount' } } });
    expect(when(purchase('O-1', 1_000, T0, { lines: [{ sku: 'A', category: 'c', quantity: 1_000, unitPrice: 9_007_199_254_740 }] }))).toMatchObject({
      rejection: { code: 'LEDGER.INVALID_AMOUNT', details: { field: 'lines[0]' } },
    });
    const given = history([purchase('O-1', 100_000, T0)], rules);
    expect(when(redeem('R-1', 501, at(T0, 20 * DAY)), { given, rules })).toMatchObject({
      rejection: { code: 'LEDGER.INVALID_POINTS', details: { field: 'points', max: 500 } },
    });
    expect(
      when({ type: 'AdjustPoints', customerId: CUSTOMER, adjustmentId: 'A-1', points: -501, reasonCode: 'X', actor: 'a', occurredAt: T0 }, { given, rules }),
    ).toMatchObject({ rejection: { code: 'LEDGER.INVALID_POINTS' } });
  });

  it('refuses a business time before the program began, naming the field', () => {
    const rules = plainRules({ effectiveFrom: '2020-01-01T00:00:00Z' });
    expect(when(purchase('O-1', 1_000, '2019-12-31T23:59:59.999Z'), { rules })).toMatchObject({
      rejection: { code: 'LEDGER.BEFORE_PROGRAM_START', details: { field: 'occurredAt', programStart: '2020-01-01T00:00:00.000Z' } },
    });
    expect(when(purchase('O-1', 1_000, '0000-01-01T00:00:00Z'), { rules })).toMatchObject({ rejection: { code: 'LEDGER.BEFORE_PROGRAM_START' } });
    expect(when(purchase('O-1', 1_000, '2020-01-01T00:00:00Z'), { rules }).outcome).toBe('accepted');
  });

  it('refuses a birth date that does not exist, is in the future or before 1900', () => {
    const enrol = (birthDate: string) => when({ type: 'EnrolCustomer', customerId: CUSTOMER, enrolledAt: T0, birthDate });
    expect(enrol('1990-02-30')).toMatchObject({ rejection: { code: 'LEDGER.INVALID_TIME', details: { field: 'birthDate' } } });
    expect(enrol('2027-01-01')).toMatchObject({ rejection: { code: 'LEDGER.INVALID_VALUE', details: { field: 'birthDate' } } });
    expect(enrol('1899-12-31')).toMatchObject({ rejection: { code: 'LEDGER.INVALID_VALUE', details: { field: 'birthDate' } } });
    expect(enrol('2000-02-29').outcome).toBe('accepted');
  });

  it('rejects another currency and a non-positive amount', () => {
    expect(when(purchase('O-1', 1_000, T0, { currency: 'USD' }))).toMatchObject({ outcome: 'rejected', rejection: { code: 'LEDGER.CURRENCY_MISMATCH' } });
    expect(when(purchase('O-1', 0, T0))).toMatchObject({ outcome: 'rejected', rejection: { code: 'LEDGER.INVALID_AMOUNT' } });
    expect(when(purchase('O-1', 10.5, T0))).toMatchObject({ outcome: 'rejected', rejection: { code: 'LEDGER.INVALID_AMOUNT' } });
  });
});

describe('pending and available points', () => {
  const given = history([purchase('O-1', 10_000, T0)]);

  it('keeps earned points pending for the return window, then makes them available', () => {
    expect(availableAt(given, at(T0, 14 * DAY - 1))).toBe(0);
    expect(accountHoldingsAt(foldLoyaltyAccount(given), Date.parse(at(T0, 14 * DAY - 1))).pending).toBe(100);
    expect(when(redeem('R-1', 1, at(T0, 14 * DAY - 1)), { given })).toMatchObject({
      outcome: 'rejected',
      rejection: { code: 'LEDGER.INSUFFICIENT_POINTS', details: { requested: 1, available: 0 } },
    });
    expect(availableAt(given, at(T0, 14 * DAY))).toBe(100);
    expect(when(redeem('R-1', 100, at(T0, 14 * DAY)), { given }).outcome).toBe('accepted');
  });
});

describe('RedeemPoints', () => {
  const given = history([purchase('O-1', 10_000, '2026-01-01T00:00:00Z'), purchase('O-2', 5_000, '2026-01-02T00:00:00Z')]);
  const later = '2026-02-01T00:00:00.000Z';

  it('redeems exactly the available points, soonest expiry first', () => {
    const events = accepted(when(redeem('R-1', 150, later), { given }));
    expect(events).toEqual([
      {
        type: 'PointsRedeemed',
        customerId: CUSTOMER,
        redemptionId: 'R-1',
        points: 150,
        reward: 'coupon',
        occurredAt: later,
        fromLots: [
          { lotId: 'purchase:O-1', points: 100 },
          { lotId: 'purchase:O-2', points: 50 },
        ],
      },
    ]);
    expect(availableAt([...given, ...events], later)).toBe(0);
  });

  it('rejects one point more than available with a stable code', () => {
    expect(when(redeem('R-1', 151, later), { given })).toEqual({
      outcome: 'rejected',
      rejection: {
        code: 'LEDGER.INSUFFICIENT_POINTS',
        message: '151 points requested, 150 available',
        details: { field: 'points', requested: 151, available: 150 },
      },
    });
  });

  it('gives the points back to the same lots when cancelled, once', () => {
    const redeemed = [...given, ...accepted(when(redeem('R-1', 120, later), { given }))];
    const cancelled = accepted(when({ type: 'CancelRedemption', customerId: CUSTOMER, redemptionId: 'R-1', occurredAt: later }, { given: redeemed }));
    expect(cancelled[0]).toMatchObject({
      type: 'RedemptionCancelled',
      points: 120,
      toLots: [
        { lotId: 'purchase:O-1', points: 100 },
        { lotId: 'purchase:O-2', points: 20 },
      ],
    });
    expect(availableAt([...redeemed, ...cancelled], later)).toBe(150);
    expect(
      when({ type: 'CancelRedemption', customerId: CUSTOMER, redemptionId: 'R-1', occurredAt: later }, { given: [...redeemed, ...cancelled] }).outcome,
    ).toBe('duplicate');
    expect(when({ type: 'CancelRedemption', customerId: CUSTOMER, redemptionId: 'R-404', occurredAt: later }, { given: redeemed })).toMatchObject({
      rejection: { code: 'LEDGER.UNKNOWN_REDEMPTION' },
    });
  });

  it('lets a late redemption spend only what the lots hold from its own time on (points given back later do not count)', () => {
    // Given: all 150 points redeemed on Feb 1, given back by a cancellation on Feb 10.
    const redeemed = [...given, ...accepted(when(redeem('R-1', 150, later), { given }))];
    const cancelled = [
      ...redeemed,
      ...accepted(when({ type: 'CancelRedemption', customerId: CUSTOMER, redemptionId: 'R-1', occurredAt: '2026-02-10T00:00:00Z' }, { given: redeemed })),
    ];
    // When: a redemption dated Jan 20 arrives late. Then: nothing is spendable from Jan 20 on (the lots are empty from Feb 1 to Feb 10).
    expect(when(redeem('R-late', 1, '2026-01-20T00:00:00Z'), { given: cancelled, nowMs: Date.parse('2026-02-11T00:00:00Z') })).toMatchObject({
      rejection: { code: 'LEDGER.INSUFFICIENT_POINTS' },
    });
    // A redemption dated after the cancellation may spend them.
    expect(accepted(when(redeem('R-after', 150, '2026-02-10T00:00:00Z'), { given: cancelled }))[0]).toMatchObject({ points: 150 });
  });

  it('refuses a cancellation dated before its redemption', () => {
    const redeemed = [...given, ...accepted(when(redeem('R-1', 120, later), { given }))];
    expect(
      when(
        { type: 'CancelRedemption', customerId: CUSTOMER, redemptionId: 'R-1', occurredAt: '2026-01-15T00:00:00Z' },
        { given: redeemed, nowMs: Date.parse(later) },
      ),
    ).toMatchObject({
      rejection: { code: 'LEDGER.INVALID_TIME', details: { field: 'occurredAt' } },
    });
  });
});

describe('ExpirePoints', () => {
  const given = history([purchase('O-1', 10_000, '2025-01-10T08:00:00Z'), purchase('O-2', 20_000, '2025-02-10T08:00:00Z')]);
  const expire = (asOf: string) => when({ type: 'ExpirePoints', customerId: CUSTOMER, expiryRunId: `run-${asOf}`, asOf }, { given });

  it('expires the oldest lot at exactly its expiry instant, and not a millisecond before', () => {
    expect(accepted(expire('2026-01-10T07:59:59.999Z'))).toEqual([]);
    expect(accepted(expire('2026-01-10T08:00:00.000Z'))).toEqual([
      {
        type: 'PointsExpired',
        customerId: CUSTOMER,
        expiryRunId: 'run-2026-01-10T08:00:00.000Z',
        asOf: '2026-01-10T08:00:00.000Z',
        points: 100,
        lots: [{ lotId: 'purchase:O-1', points: 100 }],
      },
    ]);
    expect(availableAt(given, '2026-01-10T07:59:59.999Z')).toBe(300);
    expect(availableAt(given, '2026-01-10T08:00:00.000Z')).toBe(200);
  });

  it('expires only what is left of a partly redeemed lot, each lot dated at its own expiry instant, and nothing twice', () => {
    const spent = [...given, ...accepted(when(redeem('R-1', 30, '2025-06-01T00:00:00Z'), { given }))];
    const first = accepted(when({ type: 'ExpirePoints', customerId: CUSTOMER, expiryRunId: 'r1', asOf: '2026-03-01T00:00:00Z' }, { given: spent }));
    expect(first).toMatchObject([
      { asOf: '2026-01-10T08:00:00.000Z', points: 70, lots: [{ lotId: 'purchase:O-1', points: 70 }] },
      { asOf: '2026-02-10T08:00:00.000Z', points: 200, lots: [{ lotId: 'purchase:O-2', points: 200 }] },
    ]);
    expect(
      accepted(when({ type: 'ExpirePoints', customerId: CUSTOMER, expiryRunId: 'r2', asOf: '2026-03-01T00:00:00Z' }, { given: [...spent, ...first] })),
    ).toEqual([]);
  });

  it('never touches a lot one millisecond before its expiry instant, however late the run', () => {
    const events = accepted(expire('2026-02-10T07:59:59.999Z'));
    expect(events.flatMap((e) => (e.type === 'PointsExpired' ? e.lots.map((l) => l.lotId) : []))).toEqual(['purchase:O-1']);
  });

  it('refuses a run dated later than now plus the tolerance, naming the field', () => {
    const decision = when(
      { type: 'ExpirePoints', customerId: CUSTOMER, expiryRunId: 'future', asOf: '2030-01-01T00:00:00Z' },
      { given, nowMs: Date.parse('2026-03-01T00:00:00Z') },
    );
    expect(decision).toMatchObject({
      outcome: 'rejected',
      rejection: { code: 'LEDGER.FUTURE_TIME', details: { field: 'asOf', latestAccepted: '2026-03-01T00:05:00.000Z' } },
    });
    expect(
      when(
        { type: 'ExpirePoints', customerId: CUSTOMER, expiryRunId: 'skew', asOf: '2026-03-01T00:05:00Z' },
        { given, nowMs: Date.parse('2026-03-01T00:00:00Z') },
      ).outcome,
    ).toBe('accepted');
  });

  it('expires points given back after the expiry instant when they come back, so no instant holds less than nothing', () => {
    const lateCancel = [...given, ...accepted(when(redeem('R-1', 100, '2025-06-01T00:00:00Z'), { given }))];
    const cancelled = [
      ...lateCancel,
      ...accepted(when({ type: 'CancelRedemption', customerId: CUSTOMER, redemptionId: 'R-1', occurredAt: '2026-01-20T00:00:00Z' }, { given: lateCancel })),
    ];
    const expired = accepted(when({ type: 'ExpirePoints', customerId: CUSTOMER, expiryRunId: 'r', asOf: '2026-01-25T00:00:00Z' }, { given: cancelled }));
    expect(expired).toMatchObject([{ asOf: '2026-01-20T00:00:00.000Z', lots: [{ lotId: 'purchase:O-1', points: 100 }] }]);
  });

  it.each([
    [{ kind: 'end-of-month', months: 12 } as const, '2027-04-01T00:00:00.000Z'],
    [{ kind: 'end-of-year', years: 1 } as const, '2028-01-01T00:00:00.000Z'],
    [{ kind: 'rolling-months', months: 12 } as const, '2027-03-10T09:00:00.000Z'],
  ])('computes expiry with the %j policy', (expiry, expected) => {
    const earned = eventOf(accepted(when(purchase('O-1', 1_000, T0), { rules: plainRules({ expiry }) })), 'PointsEarned');
    expect(earned.expiresAt).toBe(expected);
  });
});

describe('RecordRefund', () => {
  const purchased = history([purchase('O-1', 100_000, '2026-01-01T00:00:00Z'), purchase('O-2', 50_000, '2026-01-02T00:00:00Z')]);
  const spent = [...purchased, ...accepted(when(redeem('R-1', 700, '2026-02-01T00:00:00Z'), { given: purchased }))];

  it('takes back pro rata from the purchase lot first, then other lots, for a partly redeemed purchase', () => {
    // O-1 earned 1000 (lot has 300 left after redeeming 700), O-2 earned 500. Refund half of O-1: take back 500.
    const events = accepted(when(refund('F-1', 'O-1', 50_000, '2026-02-10T00:00:00Z'), { given: spent }));
    expect(events).toEqual([
      {
        type: 'PointsReversed',
        customerId: CUSTOMER,
        refundId: 'F-1',
        orderId: 'O-1',
        refundAmount: 50_000,
        occurredAt: '2026-02-10T00:00:00.000Z',
        points: 500,
        fromLots: [
          { lotId: 'purchase:O-1', points: 300 },
          { lotId: 'purchase:O-2', points: 200 },
        ],
        addedToDeficit: 0,
        writtenOff: 0,
      },
    ]);
    expect(availableAt([...spent, ...events], '2026-02-10T00:00:00Z')).toBe(300);
  });

  it('writes the shortfall off when the policy keeps balances at zero and other lots are not used', () => {
    const rules = plainRules({ refunds: { deductFromOtherLots: false, allowNegativeBalance: false } });
    const events = accepted(when(refund('F-1', 'O-1', 50_000, '2026-02-10T00:00:00Z'), { given: spent, rules }));
    expect(events[0]).toMatchObject({ points: 500, fromLots: [{ lotId: 'purchase:O-1', points: 300 }], addedToDeficit: 0, writtenOff: 200 });
  });

  it('records a negative balance when allowed, which the next earning settles first', () => {
    const rules = plainRules({ refunds: { deductFromOtherLots: false, allowNegativeBalance: true } });
    const refunded = [...spent, ...accepted(when(refund('F-1', 'O-1', 100_000, '2026-02-10T00:00:00Z'), { given: spent, rules }))];
    expect(refunded.at(-1)).toMatchObject({ points: 1000, fromLots: [{ lotId: 'purchase:O-1', points: 300 }], addedToDeficit: 700 });
    const position = accountHoldingsAt(foldLoyaltyAccount(refunded), Date.parse('2026-02-10T00:00:00Z'));
    expect(position).toMatchObject({ deficit: 700, available: 500 - 700 });
    const earned = eventOf(accepted(when(purchase('O-3', 100_000, '2026-02-11T00:00:00Z'), { given: refunded, rules })), 'PointsEarned');
    expect(earned).toMatchObject({ points: 1000, deficitSettled: 700 });
  });

  it('takes back exactly all points over partial refunds that add up to the whole order', () => {
    const given = history([purchase('O-1', 999, T0)]); // 9 points
    const r1 = accepted(when(refund('F-1', 'O-1', 333, T0), { given }));
    const r2 = accepted(when(refund('F-2', 'O-1', 333, T0), { given: [...given, ...r1] }));
    const r3 = accepted(when(refund('F-3', 'O-1', 333, T0), { given: [...given, ...r1, ...r2] }));
    expect([r1, r2, r3].map((r) => eventOf(r, 'PointsReversed').points)).toEqual([3, 3, 3]);
    expect(when(refund('F-4', 'O-1', 1, T0), { given: [...given, ...r1, ...r2, ...r3] })).toMatchObject({
      rejection: { code: 'LEDGER.REFUND_EXCEEDS_PURCHASE' },
    });
  });

  it('takes back pending points too (before they ever became available)', () => {
    const given = history([purchase('O-1', 10_000, T0)]);
    const events = accepted(when(refund('F-1', 'O-1', 10_000, at(T0, DAY)), { given }));
    expect(events[0]).toMatchObject({ points: 100, fromLots: [{ lotId: 'purchase:O-1', points: 100 }] });
    expect(accountHoldingsAt(foldLoyaltyAccount([...given, ...events]), Date.parse(at(T0, DAY))).pending).toBe(0);
  });

  it('reports a repeated refund as a duplicate, and an unknown order as a rejection', () => {
    const refunded = [...spent, ...accepted(when(refund('F-1', 'O-2', 10_000, '2026-02-10T00:00:00Z'), { given: spent }))];
    expect(when(refund('F-1', 'O-2', 10_000, '2026-02-10T00:00:00Z'), { given: refunded })).toEqual({ outcome: 'duplicate', sourceKey: 'refund:F-1' });
    expect(when(refund('F-2', 'O-404', 1, '2026-02-10T00:00:00Z'), { given: refunded })).toMatchObject({ rejection: { code: 'LEDGER.UNKNOWN_ORDER' } });
  });
});

describe('AdjustPoints', () => {
  const given = history([purchase('O-1', 10_000, '2026-01-01T00:00:00Z')]);
  const adjust = (adjustmentId: string, points: number) =>
    ({
      type: 'AdjustPoints',
      customerId: CUSTOMER,
      adjustmentId,
      points,
      reasonCode: 'GOODWILL',
      actor: 'agent-7',
      note: 'late delivery',
      occurredAt: '2026-02-01T00:00:00Z',
    }) as const;

  it('credits a new, immediately available lot and records the reason and actor', () => {
    const events = accepted(when(adjust('A-1', 40), { given }));
    expect(events[0]).toMatchObject({
      type: 'PointsAdjusted',
      points: 40,
      reasonCode: 'GOODWILL',
      actor: 'agent-7',
      note: 'late delivery',
      lot: { lotId: 'adjustment:A-1', availableAt: '2026-02-01T00:00:00.000Z' },
    });
    expect(availableAt([...given, ...events], '2026-02-01T00:00:00Z')).toBe(140);
  });

  it('debits available lots, and rejects a debit larger than the balance', () => {
    expect(accepted(when(adjust('A-2', -60), { given }))[0]).toMatchObject({ points: -60, lot: null, fromLots: [{ lotId: 'purchase:O-1', points: 60 }] });
    expect(when(adjust('A-3', -101), { given })).toMatchObject({ rejection: { code: 'LEDGER.INSUFFICIENT_POINTS' } });
    expect(when(adjust('A-4', 0), { given })).toMatchObject({ rejection: { code: 'LEDGER.INVALID_POINTS' } });
  });
});

describe('surveys and support contacts', () => {
  const rules = plainRules({ earning: { surveyAnswerBonusPoints: 50 } });
  const answer = (responseId: string, surveyId: string) =>
    ({ type: 'RecordSurveyAnswer', customerId: CUSTOMER, responseId, surveyId, occurredAt: T0, score: 9 }) as const;

  it('awards the survey bonus once per survey, and records every answer', () => {
    const first = accepted(when(answer('S-1', 'nps-2026'), { rules }));
    expect(first.map((e) => e.type)).toEqual(['AccountOpened', 'SurveyAnswered', 'BonusAwarded']);
    const second = accepted(when(answer('S-2', 'nps-2026'), { given: first, rules }));
    expect(second.map((e) => e.type)).toEqual(['SurveyAnswered']);
    expect(when(answer('S-1', 'nps-2026'), { given: first, rules }).outcome).toBe('duplicate');
    expect(when({ ...answer('S-3', 'x'), score: 11 }, { rules })).toMatchObject({ rejection: { code: 'LEDGER.INVALID_VALUE' } });
  });

  it('records a support contact without moving points', () => {
    const events = accepted(
      when({
        type: 'RecordSupportContact',
        customerId: CUSTOMER,
        contactId: 'K-1',
        channel: 'chat',
        openedAt: T0,
        resolvedAt: at(T0, 3_600_000),
        resolved: true,
        satisfaction: 4,
      }),
    );
    expect(events[1]).toEqual({
      type: 'SupportContactRecorded',
      customerId: CUSTOMER,
      contactId: 'K-1',
      channel: 'chat',
      openedAt: T0,
      resolvedAt: at(T0, 3_600_000),
      resolved: true,
      satisfaction: 4,
    });
  });
});

describe('the shipped default rules', () => {
  it('earn on a ¥50,000 first purchase: base 500, +250 amount band, +100 first-purchase bonus', () => {
    const earned = eventOf(accepted(when(purchase('O-1', 50_000, T0), { rules: defaultProgramRules() })), 'PointsEarned');
    expect(earned.points).toBe(850);
  });
});
