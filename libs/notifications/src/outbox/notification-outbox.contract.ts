import type { LoyaltyNotification } from '@loyalty/read-models';
import { StaleNotifierWriterError, type DeliveryRecord, type NotificationOutbox, type WebhookEndpoint } from './notification-outbox.port';

const notification = (n: number, type = 'points.redeemed'): LoyaltyNotification =>
  ({
    id: `ntf_${n}`,
    type,
    version: 1,
    customerId: `C-${n % 3}`,
    occurredAt: '2026-06-01T00:00:00.000Z',
    position: String(n),
    data: { points: n, redemptionId: `R-${n}`, reward: null },
  }) as unknown as LoyaltyNotification;

const endpoint = (id: string, cursor = 0): WebhookEndpoint => ({
  id,
  url: 'https://crm.example.com/hooks',
  types: [],
  secret: `whsec_${Buffer.alloc(24, 5).toString('base64')}`,
  enabled: true,
  maxInFlight: 4,
  maxBatchSize: 20,
  createdAt: '2026-06-01T00:00:00.000Z',
  updatedAt: '2026-06-01T00:00:00.000Z',
  cursor,
});

const delivery = (endpointId: string, seq: number, status: DeliveryRecord['status']): DeliveryRecord => ({
  endpointId,
  seq,
  notificationId: `ntf_${seq}`,
  type: 'points.redeemed',
  status,
  attempts: 1,
  lastStatus: status === 'delivered' ? 200 : 503,
  lastError: null,
  lastResponse: '',
  lastLatencyMs: 3,
  firstAttemptAt: '2026-06-01T00:00:00.000Z',
  lastAttemptAt: '2026-06-01T00:00:00.000Z',
  nextAttemptAt: null,
});

/** What every notification outbox does; each adapter's spec runs it (SQLite here, PostgreSQL with `@needs postgres`). */
export function describeNotificationOutboxContract(name: string, open: () => Promise<NotificationOutbox>): void {
  describe(`notification outbox contract: ${name}`, () => {
    let outbox: NotificationOutbox;
    beforeEach(async () => {
      outbox = await open();
    });
    afterEach(async () => {
      await outbox.close();
    });

    it('stores a page of notifications with the checkpoint, each id once, in order', async () => {
      // Given a page committed, then the same page again (a crash before the checkpoint was read back)
      await outbox.commitFollowed([notification(1), notification(2)], 10n);
      await outbox.commitFollowed([notification(2), notification(3)], 12n);
      // Then each id is stored once, in the order derived (seqs may leave gaps), with the checkpoint of the last page
      const stored = await outbox.after(0, 10);
      expect(stored.map((e) => e.notification.id)).toEqual(['ntf_1', 'ntf_2', 'ntf_3']);
      expect(await outbox.headSeq()).toBe(stored[2].seq);
      expect(await outbox.checkpoint('notifier')).toBe('12');
      // And the entries of some types only are read after a seq
      await outbox.commitScanned(new Map([['C-2', { standing: null } as never]]), [notification(4, 'points.expiring')]);
      expect((await outbox.after(stored[0].seq, 10, ['points.expiring'])).map((e) => e.notification.id)).toEqual(['ntf_4']);
      expect((await outbox.standingMemories(['C-2'])).get('C-2')).toEqual({ standing: null });
    });

    it('keeps an endpoint’s cursor when the endpoint is changed, and moves it forward only', async () => {
      // Given an endpoint at cursor 2
      await outbox.saveEndpoint(endpoint('wh_1', 2));
      // When deliveries move it to 5, then a stale change of the endpoint (cursor 0) is saved, then an older cursor is given
      await outbox.recordDeliveries([delivery('wh_1', 3, 'delivered'), delivery('wh_1', 5, 'failed')], new Map([['wh_1', 5]]));
      await outbox.saveEndpoint({ ...endpoint('wh_1', 0), enabled: false });
      await outbox.recordDeliveries([delivery('wh_1', 4, 'retrying')], new Map([['wh_1', 3]]));
      // Then the change is kept and the cursor stays at 5
      expect(await outbox.endpoint('wh_1')).toMatchObject({ enabled: false, cursor: 5, maxInFlight: 4, maxBatchSize: 20 });
      expect((await outbox.endpoints()).map((e) => e.id)).toEqual(['wh_1']);
      expect(await outbox.endpoint('wh_none')).toBeNull();
      // And the log tells the finished seqs beyond a cursor, the last record per seq, and counts
      await outbox.recordDeliveries([delivery('wh_1', 4, 'delivered')], new Map());
      expect(await outbox.finishedAfter('wh_1', 3)).toEqual([4, 5]);
      expect((await outbox.deliveries('wh_1', { limit: 10, status: 'delivered' })).map((d) => d.seq)).toEqual([3, 4]);
      expect(await outbox.deliveryCounts()).toEqual({ delivered: 2, retrying: 0, failed: 1 });
    });

    it('refuses the progress of a notifier another one has replaced, and writes nothing of it', async () => {
      // Given a notifier writing under its epoch, and its sinks' connection fenced at the same epoch
      const epoch = await outbox.claimWriter();
      await outbox.commitFollowed([notification(1)], 5n);
      const sinks = await open();
      sinks.fenceAt(epoch);
      await sinks.setCheckpoint('kafka', '1');
      // When another notifier claims the outbox
      const other = await open();
      expect(await other.claimWriter()).toBeGreaterThan(epoch);
      // Then the first one's writes are refused
      await expect(outbox.commitFollowed([notification(2)], 6n)).rejects.toBeInstanceOf(StaleNotifierWriterError);
      await expect(outbox.commitScanned(new Map(), [notification(3)])).rejects.toBeInstanceOf(StaleNotifierWriterError);
      await expect(sinks.setCheckpoint('kafka', '2')).rejects.toBeInstanceOf(StaleNotifierWriterError);
      await expect(sinks.recordDeliveries([], new Map([['wh_1', 1]]))).rejects.toBeInstanceOf(StaleNotifierWriterError);
      // And nothing of them was written, while the new writer goes on
      expect(await outbox.checkpoint('notifier')).toBe('5');
      expect(await outbox.checkpoint('kafka')).toBe('1');
      expect(await outbox.headSeq()).toBe(1);
      await other.commitFollowed([notification(2)], 6n);
      expect(await outbox.checkpoint('notifier')).toBe('6');
      await Promise.all([sinks.close(), other.close()]);
    });
  });
}
