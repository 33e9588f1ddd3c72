import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { decide, evolve, initialLoyaltyAccountState, type LedgerCommand, type LedgerEvent } from '@loyalty/ledger-domain';
import { customerProfileProjection } from './customer-profile.projection';

const ruleBook = new RuleBook([defaultProgramRules()]);

function eventsOf(commands: LedgerCommand[]): LedgerEvent[] {
  const state = initialLoyaltyAccountState();
  const out: LedgerEvent[] = [];
  for (const command of commands) {
    const decision = decide(command, state, { ruleBook, nowMs: Date.parse('2100-01-01T00:00:00Z') });
    if (decision.outcome !== 'accepted') throw new Error(JSON.stringify(decision));
    for (const e of decision.events) {
      evolve(state, e);
      out.push(e);
    }
  }
  return out;
}

describe('customer profile projection', () => {
  const events = eventsOf([
    { type: 'EnrolCustomer', customerId: 'C', enrolledAt: '2026-01-01T00:00:00Z', birthDate: '1990-04-01' },
    { type: 'RecordPurchase', customerId: 'C', orderId: 'O-1', occurredAt: '2026-02-01T00:00:00Z', currency: 'JPY', amount: 40_000 },
    { type: 'RecordRefund', customerId: 'C', refundId: 'F-1', orderId: 'O-1', occurredAt: '2026-02-05T00:00:00Z', amount: 10_000 },
    { type: 'RecordSurveyAnswer', customerId: 'C', responseId: 'S-1', surveyId: 'nps', occurredAt: '2026-02-06T00:00:00Z', score: 9 },
    {
      type: 'RecordSupportContact',
      customerId: 'C',
      contactId: 'K-1',
      channel: 'chat',
      openedAt: '2026-02-07T00:00:00Z',
      resolvedAt: '2026-02-07T01:00:00Z',
      resolved: true,
      satisfaction: 5,
    },
  ]);
  const project = () => events.reduce((s, e) => customerProfileProjection.apply(s, e), customerProfileProjection.initial('C'));

  it('keeps purchases net of refunds, with their points, answers and contacts', () => {
    expect(project()).toEqual({
      customerId: 'C',
      enrolledAt: '2026-01-01T00:00:00.000Z',
      birthDate: '1990-04-01',
      // 400 base + 150% band on 30,000+ (+200) + 100 first purchase = 700, a quarter taken back by the refund.
      purchases: [{ orderId: 'O-1', at: '2026-02-01T00:00:00.000Z', amount: 40_000, refunded: 10_000, points: 525 }],
      surveyAnswers: [{ responseId: 'S-1', surveyId: 'nps', at: '2026-02-06T00:00:00.000Z', score: 9 }],
      supportContacts: [
        { contactId: 'K-1', channel: 'chat', openedAt: '2026-02-07T00:00:00.000Z', resolvedAt: '2026-02-07T01:00:00.000Z', resolved: true, satisfaction: 5 },
      ],
    });
  });

  it('replays to the same profile', () => {
    expect(project()).toEqual(project());
  });
});
