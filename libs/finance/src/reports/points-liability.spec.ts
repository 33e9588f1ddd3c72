import fc from 'fast-check';
import { evolve, initialLoyaltyAccountState } from '@loyalty/ledger-domain';
import { DAY, eventsOf, history, iso, START } from '../testing/random-histories';
import { datedPostings, effectiveAtOf, type DatedPosting } from '../postings/dated-postings';
import { liabilityAsOf, periods, rollForward, trialBalanceFor } from './points-liability';

const justBefore = (instant: string) => iso(Date.parse(instant) - 1);

describe('finance over random histories', () => {
  it('the roll-forward ties to the liability at both ends of every period, and the trial balance is zero', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 400 }), (steps, startDay, lengthDays) => {
        const postings: DatedPosting[] = eventsOf(steps).flatMap(datedPostings);
        const from = iso(START + startDay * DAY);
        const to = iso(START + (startDay + lengthDays) * DAY);
        const rows = rollForward(postings, periods(from, to, 'month'));
        expect(rows[0].opening).toBe(liabilityAsOf(postings, justBefore(from)));
        expect(rows[rows.length - 1].closing).toBe(liabilityAsOf(postings, justBefore(to)));
        for (let i = 1; i < rows.length; i++) expect(rows[i].opening).toBe(rows[i - 1].closing);
        const trial = trialBalanceFor(postings, from, to);
        expect(trial.reduce((s, r) => s + r.debit, 0)).toBe(trial.reduce((s, r) => s + r.credit, 0));
      }),
      { numRuns: 200 },
    );
  });

  it('the liability as of T equals the points left in the lots after replaying the ledger up to T', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 600 }), (steps, day) => {
        const events = eventsOf(steps);
        const asOf = iso(START + day * DAY);
        const replayed = new Map<string, ReturnType<typeof initialLoyaltyAccountState>>();
        for (const e of events) {
          // An expiry run dates each expiry at its lot's own instant, so an event recorded later
          // can take effect earlier: filter by effective time, never stop at the first later one.
          if (effectiveAtOf(e) > asOf) continue;
          const state = replayed.get(e.customerId) ?? initialLoyaltyAccountState();
          replayed.set(e.customerId, state);
          evolve(state, e);
        }
        const lots = [...replayed.values()].reduce((sum, s) => sum + s.lots.reduce((n, l) => n + l.remaining, 0), 0);
        expect(liabilityAsOf(events.flatMap(datedPostings), asOf)).toBe(lots);
      }),
      { numRuns: 200 },
    );
  });
});

describe('roll-forward, worked example', () => {
  it('opening + issued − redeemed − expired ± adjustments − reversals = closing, by month', () => {
    const events = eventsOf([
      { advance: 0, customer: 'C-1', kind: 'purchase', amount: 50_000, points: 0 }, // 2025-01-01: 850 points
      { advance: 40 * DAY, customer: 'C-1', kind: 'redeem', amount: 0, points: 299 }, // 2025-02-10: redeem 300
      { advance: 5 * DAY, customer: 'C-1', kind: 'adjust', amount: 0, points: 50 }, // 2025-02-15: +50
    ]);
    const rows = rollForward(events.flatMap(datedPostings), periods('2025-01-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z', 'month'));
    expect(rows).toEqual([
      {
        from: '2025-01-01T00:00:00.000Z',
        to: '2025-02-01T00:00:00.000Z',
        opening: 0,
        migrated: 0,
        issued: 850,
        redeemed: 0,
        redemptionsCancelled: 0,
        expired: 0,
        adjustments: 0,
        reversals: 0,
        closing: 850,
        writtenOff: 0,
      },
      {
        from: '2025-02-01T00:00:00.000Z',
        to: '2025-03-01T00:00:00.000Z',
        opening: 850,
        migrated: 0,
        issued: 0,
        redeemed: 300,
        redemptionsCancelled: 0,
        expired: 0,
        adjustments: 50,
        reversals: 0,
        closing: 600,
        writtenOff: 0,
      },
    ]);
  });
});
