import type { LedgerEvent } from '@loyalty/ledger-domain';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { SqliteProjectionStore } from '@loyalty/projection-runner';
import { balancesProjection, completeStateChange, customerProfileProjection, DEFAULT_SCAN_SETTINGS, projectionKey } from '@loyalty/read-models';
import type { NotificationOutbox } from '../outbox/notification-outbox.port';
import { SqliteNotificationOutbox } from '../outbox/sqlite-notification-outbox';
import { NotificationScan } from './notification-scan';

const CUSTOMER = 'C-1';
const events: LedgerEvent[] = [
  {
    type: 'PurchaseRecorded',
    customerId: CUSTOMER,
    orderId: 'O-1',
    occurredAt: '2026-03-01T10:00:00.000Z',
    currency: 'JPY',
    amount: 12_000,
    lines: [],
    channel: null,
  },
  {
    type: 'PointsEarned',
    customerId: CUSTOMER,
    lotId: 'L-1',
    source: { kind: 'purchase', orderId: 'O-1' },
    points: 120,
    deficitSettled: 0,
    earnedAt: '2026-03-01T10:00:00.000Z',
    availableAt: '2026-03-15T10:00:00.000Z',
    expiresAt: '2027-03-31T23:59:59.999Z',
  },
] as unknown as LedgerEvent[];

/** An outbox that answers a turn of the event loop later, as one over the network (PostgreSQL) does. */
function answeringLater(outbox: NotificationOutbox): NotificationOutbox {
  return new Proxy(outbox, {
    get(target, name) {
      const member = Reflect.get(target, name) as unknown;
      if (typeof member !== 'function') return member;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return (member as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('NotificationScan', () => {
  it('runs the scans asked together one after the other: the second finds the window done', async () => {
    // Given the read models of a customer whose pending lot becomes spendable on 15 March, and a scan that has learned the standings
    const projections = new SqliteProjectionStore(':memory:');
    for (const projection of [balancesProjection, customerProfileProjection] as const) {
      const state = events.reduce((s, e) => projection.apply(s as never, e), projection.initial(CUSTOMER) as unknown);
      await projections.commit(projectionKey(projection), new Map([[CUSTOMER, completeStateChange(projection.storage, state)]]), 2n);
    }
    const outbox = new SqliteNotificationOutbox(':memory:');
    const scan = new NotificationScan(projections, answeringLater(outbox), { current: () => new RuleBook([defaultProgramRules()]) }, DEFAULT_SCAN_SETTINGS);
    await scan.run('2026-03-02T00:00:00.000Z');

    // When two scans up to 16 March are asked at once
    const reports = await Promise.all([scan.run('2026-03-16T00:00:00.000Z'), scan.run('2026-03-16T00:00:00.000Z')]);

    // Then the first scanned (2 March, 16 March], the second found nothing left to scan, and the lot is announced once
    expect(reports.map((r) => ({ after: r.after, customers: r.customers }))).toEqual([
      { after: '2026-03-02T00:00:00.000Z', customers: 1 },
      { after: '2026-03-16T00:00:00.000Z', customers: 0 },
    ]);
    const announced = (await outbox.after(0, 100)).map((entry) => entry.notification).filter((n) => n.type === 'points.available');
    expect(announced).toEqual([expect.objectContaining({ customerId: CUSTOMER, occurredAt: '2026-03-15T10:00:00.000Z', position: '2' })]);
    await Promise.all([outbox.close(), projections.close()]);
  });
});
