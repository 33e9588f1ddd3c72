import fc from 'fast-check';
import { toAccountView } from '@loyalty/ledger-application';
import { decide, evolve, initialLoyaltyAccountState, type LedgerCommand, type LedgerEvent, type LoyaltyAccountState } from '@loyalty/ledger-domain';
import { LiabilityAccumulator } from '@loyalty/finance';
import { assembleState, balanceHoldingsAt, balancesProjection, completeStateChange, type CustomerBalance } from '@loyalty/read-models';
import { defaultProgramRules, RuleBook, type ProgramRules } from '@loyalty/program-rules';

// One question, "what does this customer hold at t?", asked through the three doors (the account
// view, the balances read model, the finance liability for one customer) over random histories,
// and answered by a naive fold of the entries dated at or before t written here from scratch.

const START = Date.parse('2025-01-01T00:00:00Z');
const DAY = 86_400_000;
const CUSTOMERS = ['C-1', 'C-2'];
const iso = (ms: number) => new Date(ms).toISOString();

interface Points {
  available: number;
  pending: number;
  awaitingExpiry: number;
  deficit: number;
  outstanding: number;
}

/** A command template: times are relative, ids resolved against what exists when it runs. */
const step = fc.record({
  advance: fc.integer({ min: 0, max: 25 * DAY }),
  /** A late message: dated this long before the clock (0 most of the time). */
  lateBy: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 * DAY }) }),
  customer: fc.constantFrom(...CUSTOMERS),
  kind: fc.constantFrom('purchase', 'purchase', 'purchase', 'big-purchase', 'refund', 'redeem', 'redeem', 'cancel', 'adjust', 'expire', 'survey'),
  pick: fc.nat(),
  amount: fc.integer({ min: 100, max: 150_000 }),
  points: fc.integer({ min: -800, max: 800 }),
});
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

const refundPolicy = fc.record({ deductFromOtherLots: fc.boolean(), allowNegativeBalance: fc.boolean() });

function commandOf(s: Step, i: number, atMs: number, state: LoyaltyAccountState): LedgerCommand {
  const occurredAt = iso(atMs);
  const customerId = s.customer;
  const orders = [...state.purchases.keys()];
  const redemptions = [...state.redemptions.keys()];
  switch (s.kind) {
    case 'purchase':
      return { type: 'RecordPurchase', customerId, orderId: `O-${i}`, occurredAt, currency: 'JPY', amount: s.amount };
    case 'big-purchase': // crosses tier thresholds, so later purchases earn at another tier
      return { type: 'RecordPurchase', customerId, orderId: `O-${i}`, occurredAt, currency: 'JPY', amount: s.amount * 20 };
    case 'refund':
      return {
        type: 'RecordRefund',
        customerId,
        refundId: `F-${i}`,
        orderId: orders[s.pick % Math.max(orders.length, 1)] ?? 'none',
        occurredAt,
        amount: 1 + (s.amount % 80_000),
      };
    case 'redeem':
      return { type: 'RedeemPoints', customerId, redemptionId: `R-${i}`, points: Math.abs(s.points) + 1, reward: 'r', occurredAt };
    case 'cancel':
      return { type: 'CancelRedemption', customerId, redemptionId: redemptions[s.pick % Math.max(redemptions.length, 1)] ?? 'none', occurredAt };
    case 'adjust':
      return { type: 'AdjustPoints', customerId, adjustmentId: `A-${i}`, points: s.points || 1, reasonCode: 'TEST', actor: 'prop', occurredAt };
    case 'expire':
      return { type: 'ExpirePoints', customerId, expiryRunId: `X-${i}`, asOf: occurredAt };
    default:
      return { type: 'RecordSurveyAnswer', customerId, responseId: `S-${i}`, surveyId: `nps-${s.pick % 2}`, occurredAt, score: s.pick % 11 };
  }
}

/** Runs the steps through the real domain, the clock moving on and some messages arriving late. */
function ledgerOf(steps: Step[], rules: ProgramRules): { events: LedgerEvent[]; states: Map<string, LoyaltyAccountState>; nowMs: number } {
  const ruleBook = new RuleBook([rules]);
  const states = new Map(CUSTOMERS.map((c) => [c, initialLoyaltyAccountState()]));
  const events: LedgerEvent[] = [];
  let nowMs = START;
  steps.forEach((s, i) => {
    nowMs += s.advance;
    const state = states.get(s.customer) ?? initialLoyaltyAccountState();
    const decision = decide(commandOf(s, i, Math.max(START, nowMs - s.lateBy), state), state, { ruleBook, nowMs });
    if (decision.outcome !== 'accepted') return;
    for (const event of decision.events) {
      evolve(state, event);
      events.push(event);
    }
  });
  return { events, states, nowMs };
}

/** The business time of an entry, read off its fields here (not from the code under test). */
function businessTime(e: LedgerEvent): string {
  switch (e.type) {
    case 'PointsEarned':
    case 'BonusAwarded':
      return e.earnedAt;
    case 'PointsExpired':
      return e.asOf;
    case 'AccountOpened':
      return e.openedAt;
    case 'OpeningBalanceMigrated':
      return e.migratedAt;
    case 'CustomerEnrolled':
      return e.enrolledAt;
    case 'SupportContactRecorded':
      return e.openedAt;
    default:
      return e.occurredAt;
  }
}

/** The reference: fold only the customer's entries dated at or before t, then classify each lot by its dates. */
function naiveFold(events: LedgerEvent[], customerId: string, t: number): Points {
  const lots = new Map<string, { left: number; availableAt: number; expiresAt: number }>();
  let deficit = 0;
  const take = (moves: { lotId: string; points: number }[], sign: number) => {
    for (const m of moves) {
      const lot = lots.get(m.lotId);
      if (lot) lot.left += sign * m.points;
    }
  };
  for (const e of events) {
    if (e.customerId !== customerId || Date.parse(businessTime(e)) > t) continue;
    if (e.type === 'PointsEarned' || e.type === 'BonusAwarded') {
      lots.set(e.lotId, { left: e.points - e.deficitSettled, availableAt: Date.parse(e.availableAt), expiresAt: Date.parse(e.expiresAt) });
      deficit -= e.deficitSettled;
    } else if (e.type === 'PointsAdjusted') {
      if (e.lot) {
        lots.set(e.lot.lotId, { left: e.points - e.lot.deficitSettled, availableAt: Date.parse(e.lot.availableAt), expiresAt: Date.parse(e.lot.expiresAt) });
        deficit -= e.lot.deficitSettled;
      } else take(e.fromLots, -1);
    } else if (e.type === 'PointsRedeemed') take(e.fromLots, -1);
    else if (e.type === 'RedemptionCancelled') take(e.toLots, 1);
    else if (e.type === 'PointsExpired') take(e.lots, -1);
    else if (e.type === 'PointsReversed') {
      take(e.fromLots, -1);
      deficit += e.addedToDeficit;
    }
  }
  const out = { availableLots: 0, pending: 0, awaitingExpiry: 0 };
  for (const lot of lots.values()) {
    expect(lot.left).toBeGreaterThanOrEqual(0); // no instant holds less than nothing
    if (lot.left === 0) continue;
    if (t >= lot.expiresAt) out.awaitingExpiry += lot.left;
    else if (t >= lot.availableAt) out.availableLots += lot.left;
    else out.pending += lot.left;
  }
  return {
    available: out.availableLots - deficit,
    pending: out.pending,
    awaitingExpiry: out.awaitingExpiry,
    deficit,
    outstanding: out.availableLots + out.pending,
  };
}

function throughTheAccount(state: LoyaltyAccountState, customerId: string, ruleBook: RuleBook, t: number): Points {
  const { points } = toAccountView(customerId, state, 0n, ruleBook, t);
  return {
    available: points.available,
    pending: points.pending,
    awaitingExpiry: points.awaitingExpiry,
    deficit: points.deficit,
    outstanding: points.outstanding,
  };
}

function throughTheReadModel(events: LedgerEvent[], customerId: string, t: number): Points {
  let balance = balancesProjection.initial(customerId);
  for (const e of events) if (e.customerId === customerId) balance = balancesProjection.apply(balance, e);
  // As a store gives it back: head and item rows, through JSON.
  const stored = JSON.parse(JSON.stringify(completeStateChange(balancesProjection.storage, balance)));
  const held = balanceHoldingsAt(assembleState(stored.head, stored.items) as unknown as CustomerBalance, t);
  return { available: held.available, pending: held.pending, awaitingExpiry: held.awaitingExpiry, deficit: held.deficit, outstanding: held.outstanding };
}

function throughFinance(events: LedgerEvent[], customerId: string, t: number): Points {
  const report = new LiabilityAccumulator(iso(t), { currency: 'JPY', minorUnitsPerPoint: 1 }, customerId);
  for (const e of events) report.add(e);
  const r = report.report();
  return { available: r.available - r.deficit, pending: r.pending, awaitingExpiry: r.awaitingExpiry, deficit: r.deficit, outstanding: r.outstandingPoints };
}

describe('as of t, every door gives the same answer', () => {
  it('the account view, the balances read model and the finance liability per customer equal a naive fold of the entries dated at or before t', () => {
    let compared = 0;
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 70 }),
        refundPolicy,
        fc.array(fc.integer({ min: -30 * DAY, max: 900 * DAY }), { minLength: 3, maxLength: 8 }),
        (steps, refunds, instants) => {
          const rules: ProgramRules = { ...defaultProgramRules(), refunds };
          const ruleBook = new RuleBook([rules]);
          const { events, states } = ledgerOf(steps, rules);
          for (const customerId of CUSTOMERS) {
            const state = states.get(customerId);
            if (!state || state.customerId === null) continue;
            // Random instants, and each lot's own edges: a millisecond before, at and after earning, availability and expiry.
            const edges = state.lots.flatMap((l) => [l.earnedAtMs, l.availableAtMs, l.expiresAtMs].flatMap((at) => [at - 1, at, at + 1]));
            for (const t of [...instants.map((d) => START + d), ...edges.slice(0, 12)]) {
              const reference = naiveFold(events, customerId, t);
              expect(throughTheAccount(state, customerId, ruleBook, t)).toEqual(reference);
              expect(throughTheReadModel(events, customerId, t)).toEqual(reference);
              expect(throughFinance(events, customerId, t)).toEqual(reference);
              compared++;
            }
          }
        },
      ),
      { numRuns: 250 },
    );
    expect(compared).toBeGreaterThan(1000);
  });
});
