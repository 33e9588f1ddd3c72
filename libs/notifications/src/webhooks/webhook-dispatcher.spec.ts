import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { LoyaltyNotification } from '@loyalty/read-models';
import { notificationBatch, type NotificationBatch, type NotificationEnvelope } from '../outbox/notification-envelope';
import { SqliteNotificationOutbox } from '../outbox/sqlite-notification-outbox';
import { WebhookDispatcher } from './webhook-dispatcher';

const notification = (n: number, customerId: string): LoyaltyNotification =>
  ({
    id: `ntf_${n}`,
    type: 'points.redeemed',
    version: 1,
    customerId,
    occurredAt: '2026-06-01T00:00:00.000Z',
    position: String(n),
    data: { points: n, redemptionId: `R-${n}`, reward: null },
  }) as unknown as LoyaltyNotification;

/**
 * A receiver answering after a random pause (some slow), recording arrival order and peak
 * concurrency; it takes single envelopes and batches, and checks signatures when given the secret.
 */
async function slowReceiver(failFirstOf = new Set<string>(), secret?: string) {
  const arrivals: { id: string; customerId: string }[] = [];
  const requests: { webhookId: string; size: number }[] = [];
  const verifier = secret ? new Webhook(secret) : null;
  let open = 0;
  let peak = 0;
  const failed = new Set<string>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      open++;
      peak = Math.max(peak, open);
      const parsed = (verifier ? verifier.verify(body, req.headers as Record<string, string>) : JSON.parse(body)) as NotificationEnvelope | NotificationBatch;
      const envelopes = parsed.type === 'notification.batch' ? parsed.notifications : [parsed];
      const id = String(req.headers['webhook-id']);
      setTimeout(
        () => {
          open--;
          if (failFirstOf.has(id) && !failed.has(id)) {
            failed.add(id);
            res.writeHead(503).end();
            return;
          }
          requests.push({ webhookId: id, size: envelopes.length });
          for (const e of envelopes) arrivals.push({ id: e.messageId, customerId: e.payload.customerId });
          res.writeHead(200).end();
        },
        Math.random() < 0.1 ? 30 : Math.random() * 5,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    arrivals,
    requests,
    peak: () => peak,
    close: () => new Promise((r) => server.close(r)),
  };
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('webhook delivery with several in flight', () => {
  it('sends different customers in parallel, each customer in outbox order, and stores the cursor of the finished prefix', async () => {
    // Given 300 notifications of 7 customers, one of them answered 503 once, and an endpoint taking 8 at once
    const outbox = new SqliteNotificationOutbox(':memory:');
    const all = Array.from({ length: 300 }, (_, i) => notification(i + 1, `C-${i % 7}`));
    const receiver = await slowReceiver(new Set(['ntf_40']));
    await outbox.saveEndpoint({
      id: 'wh_a',
      url: receiver.url,
      types: [],
      secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
      enabled: true,
      maxInFlight: 8,
      maxBatchSize: 1,
      createdAt: '2026-06-01T00:00:00.000Z',
      updatedAt: '2026-06-01T00:00:00.000Z',
      cursor: 0,
    });
    await outbox.commitScanned(new Map(), all);
    const dispatcher = new WebhookDispatcher(outbox, { retryScheduleMs: [20], pollMs: 20, timeoutMs: 2_000 });
    try {
      // When the dispatcher runs until every one has arrived
      dispatcher.start();
      let cursorChecks = 0;
      await until(async () => {
        // (and whenever looked at meanwhile, every seq up to the cursor is finished)
        const cursor = (await outbox.endpoint('wh_a'))?.cursor ?? 0;
        const finished = (await outbox.deliveries('wh_a', { limit: 1000 })).filter((d) => d.status !== 'retrying' && d.seq <= cursor);
        expect(finished.length).toBe(cursor);
        cursorChecks++;
        return receiver.arrivals.length === all.length;
      });
      expect(cursorChecks).toBeGreaterThan(3);
      await until(async () => (await outbox.endpoint('wh_a'))?.cursor === 300);
    } finally {
      await dispatcher.stop();
      await receiver.close();
    }
    // Then each arrived once, several were under way at once, and each customer's arrived in outbox order
    expect(new Set(receiver.arrivals.map((a) => a.id)).size).toBe(300);
    expect(receiver.peak()).toBeGreaterThan(1);
    expect(receiver.peak()).toBeLessThanOrEqual(8);
    for (let c = 0; c < 7; c++) {
      const order = receiver.arrivals.filter((a) => a.customerId === `C-${c}`).map((a) => Number(a.id.slice(4)));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // And the retried one was delivered on its second attempt
    const [retried] = await outbox.deliveries('wh_a', { afterSeq: 39, limit: 1 });
    expect(retried).toMatchObject({ seq: 40, status: 'delivered', attempts: 2 });
    await outbox.close();
  });

  it('does not send again, after a restart, what was finished beyond the stored cursor', async () => {
    // Given an endpoint whose cursor is at 2 while 3 and 5 were already delivered
    const outbox = new SqliteNotificationOutbox(':memory:');
    const receiver = await slowReceiver();
    await outbox.saveEndpoint({
      id: 'wh_b',
      url: receiver.url,
      types: [],
      secret: `whsec_${Buffer.alloc(24, 2).toString('base64')}`,
      enabled: true,
      maxInFlight: 4,
      maxBatchSize: 1,
      createdAt: '2026-06-01T00:00:00.000Z',
      updatedAt: '2026-06-01T00:00:00.000Z',
      cursor: 2,
    });
    await outbox.commitScanned(
      new Map(),
      Array.from({ length: 6 }, (_, i) => notification(i + 1, `C-${i}`)),
    );
    await outbox.recordDeliveries(
      [3, 5].map((seq) => ({
        endpointId: 'wh_b',
        seq,
        notificationId: `ntf_${seq}`,
        type: 'points.redeemed',
        status: 'delivered' as const,
        attempts: 1,
        lastStatus: 200,
        lastError: null,
        lastResponse: '',
        lastLatencyMs: 1,
        firstAttemptAt: '2026-06-01T00:00:00.000Z',
        lastAttemptAt: '2026-06-01T00:00:00.000Z',
        nextAttemptAt: null,
      })),
      new Map(),
    );
    const dispatcher = new WebhookDispatcher(outbox, { pollMs: 20, timeoutMs: 2_000 });
    try {
      // When the dispatcher starts
      dispatcher.start();
      await until(async () => (await outbox.endpoint('wh_b'))?.cursor === 6);
    } finally {
      await dispatcher.stop();
      await receiver.close();
    }
    // Then only 4 and 6 were sent
    expect(receiver.arrivals.map((a) => a.id).sort()).toEqual(['ntf_4', 'ntf_6']);
    await outbox.close();
  });
});

describe('webhook delivery in batches', () => {
  it('sends up to maxBatchSize notifications a request, signed as one message, each once and each customer in outbox order', async () => {
    // Given 400 notifications of 50 customers, an endpoint taking batches of up to 25 with 4 requests at once, and a receiver that checks signatures
    const outbox = new SqliteNotificationOutbox(':memory:');
    const secret = `whsec_${Buffer.alloc(24, 4).toString('base64')}`;
    const all = Array.from({ length: 400 }, (_, i) => notification(i + 1, `C-${i % 50}`));
    await outbox.commitScanned(new Map(), all);
    const dispatcher = new WebhookDispatcher(outbox, { retryScheduleMs: [20], pollMs: 20, timeoutMs: 2_000 });
    const firstBatchId = notificationBatch(all.slice(0, 25)).messageId; // the first request: the first 25, nothing held yet
    const receiver = await slowReceiver(new Set([firstBatchId]), secret);
    await outbox.saveEndpoint({
      id: 'wh_batches',
      url: receiver.url,
      types: [],
      secret,
      enabled: true,
      maxInFlight: 4,
      maxBatchSize: 25,
      createdAt: '2026-06-01T00:00:00.000Z',
      updatedAt: '2026-06-01T00:00:00.000Z',
      cursor: 0,
    });
    try {
      // When the dispatcher runs until the cursor is at the end
      dispatcher.start();
      await until(async () => (await outbox.endpoint('wh_batches'))?.cursor === 400);
    } finally {
      await dispatcher.stop();
      await receiver.close();
    }
    // Then every notification arrived exactly once, in requests of at most 25, most of them more than one
    expect(receiver.arrivals).toHaveLength(400);
    expect(new Set(receiver.arrivals.map((a) => a.id)).size).toBe(400);
    expect(Math.max(...receiver.requests.map((r) => r.size))).toBeLessThanOrEqual(25);
    expect(receiver.requests.length).toBeLessThan(100);
    // And each customer's arrived in outbox order, though several requests were under way at once
    expect(receiver.peak()).toBeGreaterThan(1);
    for (let c = 0; c < 50; c++) {
      const order = receiver.arrivals.filter((a) => a.customerId === `C-${c}`).map((a) => Number(a.id.slice(4)));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // And a batch refused once was sent again whole, under the same id, each of its notifications recorded as delivered on attempt 2
    const retried = receiver.requests.filter((r) => r.webhookId === firstBatchId);
    expect(retried).toEqual([{ webhookId: firstBatchId, size: 25 }]);
    const [first] = await outbox.deliveries('wh_batches', { limit: 1 });
    expect(first).toMatchObject({ seq: 1, status: 'delivered', attempts: 2 });
    await outbox.close();
  });
});
