import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { accountHoldingsAt, decide, evolve, initialLoyaltyAccountState, type LedgerCommand, type LedgerEvent } from '@loyalty/ledger-domain';
import { balanceHoldingsAt, balancesProjection, type CustomerBalance } from './balances.projection';

const ruleBook = new RuleBook([defaultProgramRules()]);
const NOW = Date.parse('2027-06-01T00:00:00Z');

function ledger(commands: LedgerCommand[]): LedgerEvent[] {
  const state = initialLoyaltyAccountState();
  const events: LedgerEvent[] = [];
  for (const command of commands) {
    const decision = decide(command, state, { ruleBook, nowMs: NOW });
    if (decision.outcome !== 'accepted') continue;
    for (const e of decision.events) {
      events.push(e);
      evolve(state, e);
    }
  }
  return events;
}

const project = (events: LedgerEvent[]): CustomerBalance => events.reduce((s, e) => balancesProjection.apply(s, e), balancesProjection.initial('C'));
const ms = (iso: string) => Date.parse(iso);

/** Folds the ledger state and the projection side by side: after each event, both hold the same at every instant. */
function expectAgreementAtEveryStep(events: LedgerEvent[], instants: string[]): CustomerBalance {
  const state = initialLoyaltyAccountState();
  let balance = balancesProjection.initial('C');
  for (const e of events) {
    evolve(state, e);
    balance = balancesProjection.apply(balance, e);
    for (const asOf of instants) expect(balanceHoldingsAt(balance, ms(asOf))).toEqual(accountHoldingsAt(state, ms(asOf)));
  }
  return balance;
}

describe('balances projection', () => {
  const commands: LedgerCommand[] = [
    { type: 'RecordPurchase', customerId: 'C', orderId: 'O-1', occurredAt: '2026-01-01T00:00:00Z', currency: 'JPY', amount: 50_000 },
    { type: 'RecordPurchase', customerId: 'C', orderId: 'O-2', occurredAt: '2026-02-01T00:00:00Z', currency: 'JPY', amount: 10_000 },
    { type: 'RedeemPoints', customerId: 'C', redemptionId: 'R-1', points: 300, reward: 'coupon', occurredAt: '2026-02-10T00:00:00Z' },
    { type: 'CancelRedemption', customerId: 'C', redemptionId: 'R-1', occurredAt: '2026-02-11T00:00:00Z' },
    { type: 'RedeemPoints', customerId: 'C', redemptionId: 'R-2', points: 850, reward: 'coupon', occurredAt: '2026-02-12T00:00:00Z' },
    { type: 'RecordRefund', customerId: 'C', refundId: 'F-1', orderId: 'O-2', amount: 10_000, occurredAt: '2026-02-13T00:00:00Z' },
    { type: 'ExpirePoints', customerId: 'C', expiryRunId: 'X', asOf: '2027-03-01T00:00:00Z' },
  ];
  const events = ledger(commands);

  it("agrees with the ledger's own account state at every step and instant", () => {
    expectAgreementAtEveryStep(events, ['2025-12-31T00:00:00.000Z', '2026-01-10T00:00:00.000Z', '2026-02-20T00:00:00.000Z', '2027-01-05T00:00:00.000Z']);
  });

  it('agrees with the ledger for a migrated opening balance spent, expired and added to, at every step and instant', () => {
    const migrated = ledger([
      {
        type: 'MigrateOpeningBalance',
        customerId: 'C',
        migrationId: 'M',
        sourceProgram: 'acme',
        migratedAt: '2026-01-01T00:00:00Z',
        lots: [
          { ref: 'A', points: 400, earnedAt: '2025-03-01T00:00:00Z', expiresAt: '2026-01-20T00:00:00Z' },
          { ref: 'B', points: 600, earnedAt: '2025-12-30T00:00:00Z', availableAt: '2026-01-10T00:00:00Z', expiresAt: '2026-12-31T00:00:00Z' },
        ],
      },
      { type: 'RedeemPoints', customerId: 'C', redemptionId: 'R-1', points: 150, reward: 'coupon', occurredAt: '2026-01-05T00:00:00Z' },
      { type: 'RecordPurchase', customerId: 'C', orderId: 'O-1', occurredAt: '2026-01-07T00:00:00Z', currency: 'JPY', amount: 20_000 },
      { type: 'RedeemPoints', customerId: 'C', redemptionId: 'R-2', points: 200, reward: 'coupon', occurredAt: '2026-01-15T00:00:00Z' },
      { type: 'ExpirePoints', customerId: 'C', expiryRunId: 'X', asOf: '2026-03-01T00:00:00Z' },
    ]);
    expect(migrated.map((e) => e.type)).toContain('PointsExpired');
    const balance = expectAgreementAtEveryStep(migrated, [
      '2025-12-31T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-12T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
    ]);
    expect(balance.lifetime).toMatchObject({ migrated: 1_000, redeemed: 350, expired: 50 });
  });

  it('tells the next expiry and what expires within 30, 60 and 90 days', () => {
    const balance = project(events.slice(0, 5)); // both purchases' lots, before any redemption
    const held = balanceHoldingsAt(balance, ms('2026-12-15T00:00:00.000Z'));
    expect(held.nextExpiry).toEqual({ atMs: ms('2027-01-01T00:00:00.000Z'), points: 850 });
    expect(held.expiringWithinDays).toEqual({ '30': 850, '60': 950, '90': 950 });
    const later = balanceHoldingsAt(balance, ms('2027-02-01T00:00:00.000Z'));
    expect(later.nextExpiry).toBeNull();
    expect(later.expiringWithinDays).toEqual({ '30': 0, '60': 0, '90': 0 });
  });

  it('keeps lifetime totals: earned, redeemed (net of cancellations), reversed, expired', () => {
    expect(project(events).lifetime).toEqual({ migrated: 0, earned: 850 + 100, redeemed: 850, expired: 0, adjusted: 0, reversed: 100, writtenOff: 0 });
  });

  it('keeps the soonest expiry of the lots with points left, for the expiry job', () => {
    const beforeRedemptions = project(events.slice(0, 5)); // both purchases' lots
    expect(beforeRedemptions.nextExpiryAtMs).toBe(ms('2027-01-01T00:00:00.000Z'));
    expect(beforeRedemptions.openExpiries).toEqual([ms('2027-01-01T00:00:00.000Z'), ms('2027-02-01T00:00:00.000Z')]);
    // R-2 spends all of O-1's lot, the refund all of O-2's: nothing left to expire.
    expect(project(events).nextExpiryAtMs).toBeNull();
    expect(project(events).openExpiries).toEqual([]);
  });

  it('is deterministic: the same events from the initial state give the same state, also after a JSON round trip mid-way', () => {
    const first = project(events);
    const half = JSON.parse(
      JSON.stringify(events.slice(0, 6).reduce((s, e) => balancesProjection.apply(s, e), balancesProjection.initial('C'))),
    ) as CustomerBalance;
    expect(events.slice(6).reduce((s, e) => balancesProjection.apply(s, e), half)).toEqual(first);
    expect(project(events)).toEqual(first);
  });
});
