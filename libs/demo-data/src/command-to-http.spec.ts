import { commandToHttp } from './command-to-http';

describe('commandToHttp', () => {
  it('maps a purchase to POST /v1/purchases without the type tag', () => {
    expect(commandToHttp({ type: 'RecordPurchase', customerId: 'C', orderId: 'O', occurredAt: '2026-01-01T00:00:00Z', currency: 'JPY', amount: 1 })).toEqual({
      path: '/v1/purchases',
      body: { customerId: 'C', orderId: 'O', occurredAt: '2026-01-01T00:00:00Z', currency: 'JPY', amount: 1 },
    });
  });
  it('puts a redemption under its account, escaping the id', () => {
    expect(commandToHttp({ type: 'RedeemPoints', customerId: 'C/1', redemptionId: 'R', points: 5, reward: 'x', occurredAt: '2026-01-01T00:00:00Z' }).path).toBe(
      '/v1/accounts/C%2F1/redemptions',
    );
  });
  it('refuses a command the demo does not send', () => {
    expect(() => commandToHttp({ type: 'ExpirePoints', customerId: 'C', expiryRunId: 'x', asOf: '2026-01-01T00:00:00Z' })).toThrow(
      'the demo does not send ExpirePoints',
    );
  });
});
