import fc from 'fast-check';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { decide, evolve, initialLoyaltyAccountState, type LedgerCommand, type LedgerEvent } from '@loyalty/ledger-domain';

// Random ledger histories for the finance property tests: commands for a few customers in
// time order, decided by the real domain (rejections dropped), so every history is one the
// ledger could hold.
const ruleBook = new RuleBook([defaultProgramRules()]);
export const START = Date.parse('2025-01-01T00:00:00Z');
export const DAY = 86_400_000;
export const iso = (ms: number) => new Date(ms).toISOString();

/** Random command histories for a few customers, in time order, decided by the real domain. */
export const history = fc.array(
  fc.record({
    advance: fc.integer({ min: 0, max: 20 * DAY }),
    customer: fc.constantFrom('C-1', 'C-2', 'C-3'),
    kind: fc.constantFrom('purchase', 'purchase', 'refund', 'redeem', 'cancel', 'adjust', 'expire', 'survey', 'migrate'),
    amount: fc.integer({ min: 100, max: 200_000 }),
    points: fc.integer({ min: -500, max: 500 }),
  }),
  { minLength: 1, maxLength: 60 },
);

export function eventsOf(steps: { advance: number; customer: string; kind: string; amount: number; points: number }[]): LedgerEvent[] {
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
          ? {
              type: 'RecordRefund',
              customerId: s.customer,
              refundId: `F-${i}`,
              orderId: orders[i % Math.max(orders.length, 1)] ?? 'none',
              occurredAt,
              amount: 1 + (s.amount % 50_000),
            }
          : s.kind === 'redeem'
            ? { type: 'RedeemPoints', customerId: s.customer, redemptionId: `R-${i}`, points: Math.abs(s.points) + 1, reward: 'r', occurredAt }
            : s.kind === 'cancel'
              ? { type: 'CancelRedemption', customerId: s.customer, redemptionId: redemptions[i % Math.max(redemptions.length, 1)] ?? 'none', occurredAt }
              : s.kind === 'adjust'
                ? { type: 'AdjustPoints', customerId: s.customer, adjustmentId: `A-${i}`, points: s.points || 1, reasonCode: 'TEST', actor: 't', occurredAt }
                : s.kind === 'expire'
                  ? { type: 'ExpirePoints', customerId: s.customer, expiryRunId: `X-${i}`, asOf: occurredAt }
                  : s.kind === 'migrate'
                    ? {
                        // Accepted only as a customer's first points entry: an opening balance from another program.
                        type: 'MigrateOpeningBalance',
                        customerId: s.customer,
                        migrationId: 'M',
                        sourceProgram: 'other',
                        migratedAt: occurredAt,
                        lots: [
                          { ref: 'a', points: 1 + (s.amount % 3_000), earnedAt: iso(at - 90 * DAY), expiresAt: iso(at + (1 + (s.amount % 60)) * DAY) },
                          { ref: 'b', points: Math.abs(s.points) + 1, earnedAt: occurredAt, availableAt: iso(at + 7 * DAY), expiresAt: iso(at + 400 * DAY) },
                        ],
                      }
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
