import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { decide, evolve, initialLoyaltyAccountState, pointsPosition, type LedgerCommand, type LedgerEvent } from '@loyalty/ledger-domain';
import { balanceAsOf, balancesProjection, expiryOutlook, type CustomerBalance } from './balances.projection';

const ruleBook = new RuleBook([defaultProgramRules()]);

function ledger(commands: LedgerCommand[]): LedgerEvent[] {
  const state = initialLoyaltyAccountState();
  const events: LedgerEvent[] = [];
  for (const command of commands) {
    const decision = decide(command, state, { ruleBook, nowMs: 0 });
    if (decision.outcome !== 'accepted') continue;
    for (const e of decision.events) {
      events.push(e);
      evolve(state, e);
    }
  }
  return events;
}

const project = (events: LedgerEvent[]): CustomerBalance => events.reduce((s, e) => balancesProjection.apply(s, e), balancesProjection.initial('C'));

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

  it('agrees with the ledger\'s own account state at every step and instant', () => {
    const state = initialLoyaltyAccountState();
    let balance = balancesProjection.initial('C');
    for (const e of events) {
      evolve(state, e);
      balance = balancesProjection.apply(balance, e);
      for (const asOf of ['2026-01-10T00:00:00.000Z', '2026-02-20T00:00:00.000Z', '2027-01-05T00:00:00.000Z']) {
        const ledgerView = pointsPosition(state, Date.parse(asOf));
        expect(balanceAsOf(balance, asOf)).toEqual({ available: ledgerView.available, pending: ledgerView.pending, awaitingExpiry: ledgerView.awaitingExpiry, outstanding: ledgerView.outstanding });
      }
    }
  });

  it('tells the next expiry and what expires within 30, 60 and 90 days, as the ledger does', () => {
    const balance = project(events.slice(0, 5)); // both purchases' lots, before any redemption
    expect(expiryOutlook(balance, '2026-12-15T00:00:00.000Z')).toEqual({
      nextExpiry: { at: '2027-01-01T00:00:00.000Z', points: 850 },
      expiringWithinDays: { '30': 850, '60': 950, '90': 950 },
    });
    expect(expiryOutlook(balance, '2027-02-01T00:00:00.000Z')).toEqual({ nextExpiry: null, expiringWithinDays: { '30': 0, '60': 0, '90': 0 } });
  });

  it('keeps lifetime totals: earned, redeemed (net of cancellations), reversed, expired', () => {
    expect(project(events).lifetime).toEqual({ earned: 850 + 100, redeemed: 850, expired: 0, adjusted: 0, reversed: 100 });
  });

  it('is deterministic: the same events from the initial state give the same state, also after a JSON round trip mid-way', () => {
    const first = project(events);
    const half = JSON.parse(JSON.stringify(events.slice(0, 6).reduce((s, e) => balancesProjection.apply(s, e), balancesProjection.initial('C')))) as CustomerBalance;
    expect(events.slice(6).reduce((s, e) => balancesProjection.apply(s, e), half)).toEqual(first);
    expect(project(events)).toEqual(first);
  });
});
