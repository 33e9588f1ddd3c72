import fc from 'fast-check';
import { DAY, eventsOf, history, iso, START } from '../testing/random-histories';
import { datedPostings } from '../postings/dated-postings';
import { LiabilityAccumulator } from './liability-report';
import { BreakageAccumulator, RollForwardAccumulator, TrialBalanceAccumulator } from './period-reports';
import { liabilityAsOf, periods, rollForward, trialBalanceFor } from './points-liability';

const VALUATION = { currency: 'JPY', minorUnitsPerPoint: 1 };

const sum = (rows: { points: number }[]) => rows.reduce((n, r) => n + r.points, 0);

describe('streamed finance reports over random histories', () => {
  it('the liability report ties to the postings as of T (owed + awaiting an expiry entry), and every split adds up to what is owed', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 900 }), (steps, day) => {
        const events = eventsOf(steps);
        const asOf = iso(START + day * DAY);
        const acc = new LiabilityAccumulator(asOf, { currency: 'JPY', minorUnitsPerPoint: 3 });
        for (const e of events) acc.add(e);
        const report = acc.report();
        expect(report.postedLiabilityPoints).toBe(liabilityAsOf(events.flatMap(datedPostings), asOf));
        expect(report.outstandingPoints + report.awaitingExpiry).toBe(report.postedLiabilityPoints);
        expect(report.valueMinor).toBe(report.outstandingPoints * 3);
        expect(report.unattributedPoints).toBe(0);
        for (const split of [report.byTier, report.byLotAge, report.byExpiryMonth]) expect(sum(split)).toBe(report.outstandingPoints);
        expect(report.available + report.pending).toBe(report.outstandingPoints);
      }),
      { numRuns: 200 },
    );
  });

  it('is the same whatever order the events are fed in within their positions (a replay gives the same report)', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 900 }), (steps, day) => {
        const events = eventsOf(steps);
        const asOf = iso(START + day * DAY);
        const once = new LiabilityAccumulator(asOf, VALUATION);
        const again = new LiabilityAccumulator(asOf, VALUATION);
        for (const e of events) once.add(e);
        for (const e of events) again.add(structuredClone(e));
        expect(again.report()).toEqual(once.report());
      }),
      { numRuns: 50 },
    );
  });

  it('the streamed roll-forward and trial balance equal the reference functions, and the trial balance is zero', () => {
    fc.assert(
      fc.property(
        history,
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.constantFrom('day' as const, 'month' as const),
        (steps, startDay, lengthDays, by) => {
          const events = eventsOf(steps);
          const from = iso(START + startDay * DAY);
          const to = iso(START + (startDay + lengthDays) * DAY);
          const ps = periods(from, to, by);
          const roll = new RollForwardAccumulator(ps);
          const trial = new TrialBalanceAccumulator({ from, to });
          for (const e of events) {
            roll.add(e);
            trial.add(e);
          }
          const postings = events.flatMap(datedPostings);
          expect(roll.report()).toEqual(rollForward(postings, ps));
          const report = trial.report();
          expect(report.rows).toEqual(trialBalanceFor(postings, from, to));
          expect(report.totalDebit).toBe(report.totalCredit);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('breakage', () => {
  it('counts expired points per period and estimates the rate from matured lots only', () => {
    const events = eventsOf([
      { advance: 0, customer: 'C-1', kind: 'purchase', amount: 50_000, points: 0 }, // 2025-01-01: 850 points, expire 2026-01-01
      { advance: 30 * DAY, customer: 'C-1', kind: 'redeem', amount: 0, points: 349 }, // redeem 350 of them
      { advance: 0, customer: 'C-2', kind: 'purchase', amount: 10_000, points: 0 }, // 2025-01-31: a lot expiring 2026-01-31
      { advance: 340 * DAY, customer: 'C-1', kind: 'expire', amount: 0, points: 0 }, // 2026-01-06: C-1's 500 left expire
    ]);
    const issued = events.filter((e) => e.type === 'PointsEarned').map((e) => (e.type === 'PointsEarned' ? e.points : 0));
    expect(issued[0]).toBe(850);
    const acc = new BreakageAccumulator(periods('2025-12-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', 'month'), '2026-01-10T00:00:00.000Z');
    for (const e of events) acc.add(e);
    const report = acc.report();
    expect(report.periods.map((p) => p.expiredPoints)).toEqual([0, 500]);
    // Only C-1's lot has matured by 2026-01-10: 500 of its 850 points expired.
    expect(report.estimate).toMatchObject({ maturedLots: 1, issuedPoints: 850, expiredPoints: 500, ratePpm: 588_235, rate: '0.588235' });
  });
});
