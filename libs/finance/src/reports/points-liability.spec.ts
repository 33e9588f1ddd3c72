import fc from 'fast-check';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { decide, evolve, initialLoyaltyAccountState, type LedgerCommand, type LedgerEvent } from '@loyalty/ledger-domain';
import { datedPostings, effectiveAtOf, type DatedPosting } from '../postings/dated-postings';
import { liabilityAsOf, periods, rollForward, trialBalanceFor } from './points-liability';

const ruleBook = new RuleBook([defaultProgramRules()]);
const START = Date.parse('2025-01-01T00:00:00Z');
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Random command histories for a few customers, in time order, decided by the real domain. */
const history = fc.array(
  fc.record({
    advance: fc.integer({ min: 0, max: 20 * DAY }),
    customer: fc.constantFrom('C-1', 'C-2', 'C-3'),
    kind: fc.constantFrom('purchase', 'purchase', 'refund', 'redeem', 'cancel', 'adjust', 'expire', 'survey'),
    amount: fc.integer({ min: 100, max: 200_000 }),
    points: fc.integer({ min: -500, max: 500 }),
  }),
  { minLength: 1, maxLength: 60 },
);

function eventsOf(steps: { advance: number; customer: string; kind: string; amount: number; points: number }[]): LedgerEvent[] {
  const states = new Map<string, ReturnType<typeof initialLoyaltyAccountState>>();
  const events: LedgerEvent[] = [];
  let at = START;
  steps.forEach((s, i) => {
    at += s.advance;
    const state = states.get(s.customer) ?? initialLoyaltyAccountState();
    states.set(s.customer, state);
    const occurredAt = iso(at);
    const orders = [...state.purchases.keys()];
    const redemptions = [...state.redemptions.keys()];
    const command: LedgerCommand =
      s.kind === 'purchase'
        ? { type: 'RecordPurchase', customerId: s.customer, orderId: `O-${i}`, occurredAt, currency: 'JPY', amount: s.amount }
        : s.kind === 'refund'
          ? { type: 'RecordRefund', customerId: s.customer, refundId: `F-${i}`, orderId: orders[i % Math.max(orders.length, 1)] ?? 'none', occurredAt, amount: 1 + (s.amount % 50_000) }
          : s.kind === 'redeem'
            ? { type: 'RedeemPoints', customerId: s.customer, redemptionId: `R-${i}`, points: Math.abs(s.points) + 1, reward: 'r', occurredAt }
            : s.kind === 'cancel'
              ? { type: 'CancelRedemption', customerId: s.customer, redemptionId: redemptions[i % Math.max(redemptions.length, 1)] ?? 'none', occurredAt }
              : s.kind === 'adjust'
                ? { type: 'AdjustPoints', customerId: s.customer, adjustmentId: `A-${i}`, points: s.points || 1, reasonCode: 'TEST', actor: 't', occurredAt }
                : s.kind === 'expire'
                  ? { type: 'ExpirePoints', customerId: s.customer, expiryRunId: `X-${i}`, asOf: occurredAt }
                  : { type: 'RecordSurveyAnswer', customerId: s.customer, responseId: `S-${i}`, surveyId: 'nps', occurredAt, score: 9 };
    const decision = decide(command, state, { ruleBook, nowMs: at });
    if (decision.outcome !== 'accepted') return;
    for (const e of decision.events) {
      evolve(state, e);
      events.push(e);
    }
  });
  return events;
}

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
          if (effectiveAtOf(e) > asOf) break; // the generated history is in time order
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
      { from: '2025-01-01T00:00:00.000Z', to: '2025-02-01T00:00:00.000Z', opening: 0, issued: 850, redeemed: 0, redemptionsCancelled: 0, expired: 0, adjustments: 0, reversals: 0, closing: 850 },
      { from: '2025-02-01T00:00:00.000Z', to: '2025-03-01T00:00:00.000Z', opening: 850, issued: 0, redeemed: 300, redemptionsCancelled: 0, expired: 0, adjustments: 50, reversals: 0, closing: 600 },
    ]);
  });
});
