import fc from 'fast-check';
import { defaultProgramRules, RuleBook, type ProgramRules } from '@loyalty/program-rules';
import { decide } from '../loyalty-account/decide';
import { evolve } from '../loyalty-account/evolve';
import type { LedgerCommand } from '../loyalty-account/ledger-commands';
import type { LedgerEvent } from '../loyalty-account/ledger-events';
import { initialLoyaltyAccountState } from '../loyalty-account/loyalty-account.state';
import { accountHoldingsAt } from '../loyalty-account/loyalty-account.state';
import { LedgerAccount, postingsFor, trialBalance } from './double-entry';

const C = 'C-prop';
const START = Date.parse('2025-01-01T00:00:00Z');
const DAY = 86_400_000;

/** A command template; ids are resolved against what exists when it runs. */
const step = fc.record({
  advanceMs: fc.integer({ min: 0, max: 40 * DAY }),
  pick: fc.nat(),
  kind: fc.constantFrom('purchase', 'purchase', 'purchase', 'refund', 'redeem', 'redeem', 'cancel', 'adjust', 'expire', 'survey'),
  amount: fc.integer({ min: 1, max: 250_000 }),
  points: fc.integer({ min: -3_000, max: 3_000 }),
});

type StepTemplate = typeof step extends fc.Arbitrary<infer T> ? T : never;

const policy = fc.record({ deductFromOtherLots: fc.boolean(), allowNegativeBalance: fc.boolean() });

function toCommand(s: StepTemplate, i: number, atMs: number, orders: string[], redemptions: string[]): LedgerCommand {
  const occurredAt = new Date(atMs).toISOString();
  switch (s.kind) {
    case 'purchase':
      return { type: 'RecordPurchase', customerId: C, orderId: `O-${i}`, occurredAt, currency: 'JPY', amount: s.amount };
    case 'refund':
      return {
        type: 'RecordRefund',
        customerId: C,
        refundId: `F-${i}`,
        orderId: orders.length ? orders[s.pick % orders.length] : 'O-none',
        occurredAt,
        amount: 1 + (s.amount % 60_000),
      };
    case 'redeem':
      return { type: 'RedeemPoints', customerId: C, redemptionId: `R-${i}`, points: Math.abs(s.points) + 1, reward: 'r', occurredAt };
    case 'cancel':
      return { type: 'CancelRedemption', customerId: C, redemptionId: redemptions.length ? redemptions[s.pick % redemptions.length] : 'R-none', occurredAt };
    case 'adjust':
      return { type: 'AdjustPoints', customerId: C, adjustmentId: `A-${i}`, points: s.points || 1, reasonCode: 'TEST', actor: 'prop', occurredAt };
    case 'expire':
      return { type: 'ExpirePoints', customerId: C, expiryRunId: `X-${i}`, asOf: occurredAt };
    default:
      return { type: 'RecordSurveyAnswer', customerId: C, responseId: `S-${i}`, surveyId: `survey-${s.pick % 3}`, occurredAt, score: s.pick % 11 };
  }
}

describe('ledger invariants over random histories', () => {
  it('never lets a lot or (unless the policy allows) the available balance go negative, and the books tie to the lots', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), policy, (steps, refunds) => {
        const rules: ProgramRules = { ...defaultProgramRules(), refunds };
        const ruleBook = new RuleBook([rules]);
        const state = initialLoyaltyAccountState();
        const events: LedgerEvent[] = [];
        const orders: string[] = [];
        const redemptions: string[] = [];
        let atMs = START;
        steps.forEach((s, i) => {
          atMs += s.advanceMs;
          const command = toCommand(s, i, atMs, orders, redemptions);
          const decision = decide(command, state, { ruleBook, nowMs: atMs });
          if (decision.outcome !== 'accepted') return;
          for (const event of decision.events) {
            evolve(state, event);
            events.push(event);
          }
          if (command.type === 'RecordPurchase') orders.push(command.orderId);
          if (command.type === 'RedeemPoints') redemptions.push(command.redemptionId);

          for (const lot of state.lots) expect(lot.remaining).toBeGreaterThanOrEqual(0);
          const position = accountHoldingsAt(state, atMs);
          if (!refunds.allowNegativeBalance) {
            expect(state.deficit).toBe(0);
            expect(position.available).toBeGreaterThanOrEqual(0);
          }
          expect(state.deficit).toBeGreaterThanOrEqual(0);
        });

        const postings = events.flatMap(postingsFor);
        for (const p of postings) expect(p.points).toBeGreaterThan(0);
        const balances = trialBalance(postings);
        let debits = 0;
        let credits = 0;
        for (const b of balances.values()) {
          debits += b.debit;
          credits += b.credit;
        }
        expect(debits).toBe(credits);
        const liability = balances.get(LedgerAccount.CustomerPointsLiability) ?? { debit: 0, credit: 0 };
        const receivable = balances.get(LedgerAccount.NegativeBalanceReceivable) ?? { debit: 0, credit: 0 };
        expect(liability.credit - liability.debit).toBe(state.lots.reduce((sum, l) => sum + l.remaining, 0));
        expect(receivable.debit - receivable.credit).toBe(state.deficit);
      }),
      { numRuns: 300 },
    );
  });

  it('replays to the same state: folding the emitted events again gives equal balances', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const ruleBook = new RuleBook([defaultProgramRules()]);
        const live = initialLoyaltyAccountState();
        const events: LedgerEvent[] = [];
        let atMs = START;
        steps.forEach((s, i) => {
          atMs += s.advanceMs;
          const decision = decide(toCommand(s, i, atMs, [...live.purchases.keys()], [...live.redemptions.keys()]), live, { ruleBook, nowMs: atMs });
          if (decision.outcome === 'accepted') {
            for (const e of decision.events) {
              events.push(e);
              evolve(live, e);
            }
          }
        });
        const replayed = initialLoyaltyAccountState();
        for (const e of JSON.parse(JSON.stringify(events)) as LedgerEvent[]) evolve(replayed, e);
        expect(accountHoldingsAt(replayed, atMs)).toEqual(accountHoldingsAt(live, atMs));
        expect(replayed.lots).toEqual(live.lots);
      }),
      { numRuns: 200 },
    );
  });
});
