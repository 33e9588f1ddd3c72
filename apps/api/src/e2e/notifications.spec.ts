import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { JsonLogger } from '@loyalty/http-platform';
import { defaultProgramRules } from '@loyalty/program-rules';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';

const OPS = 'ops-key-123456';
const INGEST = 'ingest-key-123';
const FIN = 'finance-key-123';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

interface Received {
  at: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver on loopback: answers each request as `answer` says (a status, or never). */
async function receiver(answer: (n: number) => number | 'never'): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ at: Date.now(), headers: req.headers, body });
      const status = answer(received.length);
      if (status === 'never') return; // hold the connection: the sender times out
      res.writeHead(status).end(status >= 300 ? 'receiver says no' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, server };
}

async function until<T>(what: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('notifications: derived from the ledger, delivered as signed webhooks', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  const receivers: Server[] = [];

  beforeAll(async () => {
    app = await createApp(
      loadConfig({
        LEDGER_STORE: 'memory',
        LOYALTY_API_KEYS: `${OPS}:ops,${INGEST}:ingest,${FIN}:finance`,
        // The documented schedule is hours long; the test's: three retries, 50 to 150 ms apart, 300 ms per attempt.
        LOYALTY_WEBHOOK_RETRY_SCHEDULE_MS: '50,100,150',
        LOYALTY_WEBHOOK_TIMEOUT_MS: '300',
      }),
      new JsonLogger('error', () => undefined),
    );
    await initApp(app);
  });
  afterAll(async () => {
    await app.close();
    for (const server of receivers) server.closeAllConnections();
    await Promise.all(receivers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const register = async (url: string) =>
    (
      await http()
        .post('/v1/webhooks/endpoints')
        .set(auth(OPS))
        .send({ url, types: ['tier.upgraded'] })
        .expect(201)
    ).body as { id: string; secret: string };
  const deliveries = async (id: string) => (await http().get(`/v1/webhooks/endpoints/${id}/deliveries`).set(auth(OPS)).expect(200)).body;

  it('delivers one signed tier.upgraded per endpoint, retries a failing receiver to success, fails a silent one after the schedule, and never delays the others', async () => {
    // Given three receivers: healthy, failing three times then healthy, and silent
    const healthy = await receiver(() => 204);
    const flaky = await receiver((n) => (n <= 3 ? 500 : 200));
    const silent = await receiver(() => 'never');
    receivers.push(healthy.server, flaky.server, silent.server);
    const [a, b, c] = [await register(healthy.url), await register(flaky.url), await register(silent.url)];
    expect(a.secret).toMatch(/^whsec_/);
    expect((await http().get(`/v1/webhooks/endpoints/${a.id}`).set(auth(OPS)).expect(200)).body.secret).toBeUndefined();

    // When a customer's second purchase crosses the silver threshold (¥100,000), and a third stays within silver
    const buy = (orderId: string, amount: number, occurredAt: string) =>
      http().post('/v1/purchases').set(auth(INGEST)).send({ orderId, customerId: 'NOTIFY-1', occurredAt, currency: 'JPY', amount }).expect(201);
    await buy('N-1', 60_000, '2026-11-01T10:00:00Z');
    const crossedAt = Date.now();
    await buy('N-2', 50_000, '2026-11-02T10:00:00Z');
    await buy('N-3', 10_000, '2026-11-03T10:00:00Z');

    // Then the healthy receiver gets exactly one tier.upgraded, at once, signed by the standard algorithm
    await until(
      () => healthy.received.length,
      (n) => n >= 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(healthy.received).toHaveLength(1);
    const [delivery] = healthy.received;
    expect(delivery.at - crossedAt).toBeLessThan(2000);
    const envelope = JSON.parse(delivery.body);
    expect(envelope).toMatchObject({
      type: 'tier.upgraded',
      schemaVersion: 1,
      producer: 'loyalty-ledger',
      occurredAt: '2026-11-02T10:00:00.000Z',
      payload: { customerId: 'NOTIFY-1', from: 'regular', to: 'silver', qualifyingTotal: 110_000, next: { tier: 'gold', missing: 190_000 } },
    });
    const id = delivery.headers['webhook-id'] as string;
    const timestamp = delivery.headers['webhook-timestamp'] as string;
    expect(id).toBe(envelope.messageId);
    const expected = createHmac('sha256', Buffer.from(a.secret.slice('whsec_'.length), 'base64'))
      .update(`${id}.${timestamp}.${delivery.body}`)
      .digest('base64');
    expect(delivery.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(() => new Webhook(a.secret).verify(delivery.body, delivery.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(b.secret).verify(delivery.body, delivery.headers as Record<string, string>)).toThrow();

    // And the failing receiver got four attempts of the same notification, the last one a success
    const flakyLog = await until(
      () => deliveries(b.id),
      (log) => log[0]?.status === 'delivered',
    );
    expect(flaky.received.map((r) => r.headers['webhook-id'])).toEqual([id, id, id, id]);
    expect(flakyLog).toEqual([expect.objectContaining({ status: 'delivered', attempts: 4, lastStatus: 200, notificationId: id })]);

    // And the silent one ends failed after the schedule (4 attempts of 300 ms, 50 + 100 + 150 ms apart), with the last answer kept
    const silentLog = await until(
      () => deliveries(c.id),
      (log) => log[0]?.status === 'failed',
    );
    expect(silentLog).toEqual([expect.objectContaining({ status: 'failed', attempts: 4, lastStatus: null, lastError: 'no answer within 300 ms' })]);
    expect(silent.received).toHaveLength(4);
    // The healthy endpoint had its delivery long before the silent one gave up
    expect(delivery.at).toBeLessThan(silent.received[0].at + 300);

    const metrics = (await http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/webhook_delivery_attempts_total\{outcome="failed"\} 1/);
    expect(metrics).toMatch(/webhook_delivery_attempts_total\{outcome="retrying"\} 6/);
    expect(metrics).toMatch(/webhook_delivery_attempts_total\{outcome="delivered"\} 2/);

    // And a failed one can be sent again: to the healthy receiver's URL now
    await http().patch(`/v1/webhooks/endpoints/${c.id}`).set(auth(OPS)).send({ url: healthy.url }).expect(200);
    const seq = silentLog[0].seq as number;
    expect((await http().post(`/v1/webhooks/endpoints/${c.id}/resend`).set(auth(OPS)).send({ fromSeq: seq }).expect(202)).body).toEqual({ queued: 1 });
    await until(
      () => healthy.received.length,
      (n) => n >= 2,
    );
    expect(healthy.received[1].headers['webhook-id']).toBe(id);
  });

  it('sends an endpoint that takes batches its notifications as notification.batch bodies, signed as one message, each notification once', async () => {
    // Given an endpoint taking batches of up to 50 (and one asking for more than the most a request may carry)
    await http().post('/v1/webhooks/endpoints').set(auth(OPS)).send({ url: 'http://127.0.0.1/x', maxBatchSize: 501 }).expect(400);
    const batches = await receiver(() => 204);
    receivers.push(batches.server);
    const endpoint = (await http().post('/v1/webhooks/endpoints').set(auth(OPS)).send({ url: batches.url, maxBatchSize: 50 }).expect(201)).body as {
      id: string;
      secret: string;
      maxBatchSize: number;
      cursor: number;
    };
    expect(endpoint.maxBatchSize).toBe(50);

    // When a new customer makes two purchases, the second crossing silver
    for (const [orderId, amount, day] of [
      ['NB-1', 60_000, '05'],
      ['NB-2', 50_000, '06'],
    ] as const)
      await http()
        .post('/v1/purchases')
        .set(auth(INGEST))
        .send({ orderId, customerId: 'NOTIFY-BATCH', occurredAt: `2026-11-${day}T10:00:00Z`, currency: 'JPY', amount })
        .expect(201);

    // Then every notification of the outbox from the registration on arrives, in requests that each verify as one Standard Webhooks message
    type Envelope = { type: string; messageId: string; payload: { customerId: string } };
    const feed = async () =>
      (
        (await http().get(`/v1/notifications?afterSeq=${endpoint.cursor}&limit=1000`).set(auth(OPS)).expect(200)).body.entries as {
          notification: { id: string };
        }[]
      ).map((e) => e.notification.id);
    const arrived = () => batches.received.flatMap((r) => (JSON.parse(r.body) as { notifications: Envelope[] }).notifications);
    const expected = await until(feed, (ids) => ids.length > 0 && arrived().length >= ids.length && arrived().some((n) => n.type === 'tier.upgraded'));
    for (const r of batches.received) {
      const verified = new Webhook(endpoint.secret).verify(r.body, r.headers as Record<string, string>) as { type: string; messageId: string };
      expect(verified.type).toBe('notification.batch');
      expect(r.headers['webhook-id']).toBe(verified.messageId);
    }
    // And each arrived once, in ledger order, the tier upgrade among them
    expect(arrived().map((n) => n.messageId)).toEqual(expected);
    expect(
      arrived()
        .filter((n) => n.payload.customerId === 'NOTIFY-BATCH')
        .map((n) => n.type),
    ).toContain('tier.upgraded');
    // And the delivery log has a record per notification, not per request
    const log = (await until(
      () => deliveries(endpoint.id),
      (d: unknown[]) => d.length >= expected.length,
    )) as { notificationId: string; status: string }[];
    expect(log.map((d) => d.notificationId).sort()).toEqual([...expected].sort());
    expect(log.every((d) => d.status === 'delivered')).toBe(true);
  });

  it('refuses URLs it must not call and types it does not know', async () => {
    const refused = await http().post('/v1/webhooks/endpoints').set(auth(OPS)).send({ url: 'ftp://127.0.0.1/x' }).expect(422);
    expect(refused.body.code).toBe('WEBHOOK.URL_REFUSED');
    expect((await http().post('/v1/webhooks/endpoints').set(auth(OPS)).send({ url: 'http://user:pw@127.0.0.1/x' }).expect(422)).body.code).toBe(
      'WEBHOOK.URL_REFUSED',
    );
    await http()
      .post('/v1/webhooks/endpoints')
      .set(auth(OPS))
      .send({ url: 'http://127.0.0.1/x', types: ['points.stolen'] })
      .expect(400);
    await http().post('/v1/webhooks/endpoints').set(auth(INGEST)).send({ url: 'http://127.0.0.1/x' }).expect(403);
  });

  it('emits nothing for a shadow replay or a re-rating preview', async () => {
    // Given the outbox as it stands
    const head = async () => (await http().get('/v1/notifications?limit=1').set(auth(OPS)).expect(200)).body.headSeq as number;
    const before = await head();
    expect(before).toBeGreaterThan(0);
    // When a candidate version with lower tier thresholds is replayed and a re-rating is previewed
    const rules = defaultProgramRules();
    await http()
      .post('/v1/rules')
      .set(auth(OPS))
      .send({
        ...rules,
        version: 2,
        effectiveFrom: '2030-01-01T00:00:00Z',
        tiers: { ...rules.tiers, levels: rules.tiers.levels.map((l) => (l.threshold > 0 ? { ...l, threshold: l.threshold / 10 } : l)) },
      })
      .expect(201);
    const started = await http().post('/v1/replays').set(auth(OPS)).send({ candidateVersion: 2 }).expect(202);
    let replay = started.body;
    for (let tries = 0; replay.status === 'running' && tries < 500; tries++)
      replay = (await http().get(`/v1/replays/${replay.id}`).set(auth(OPS)).expect(200)).body;
    expect(replay.status).toBe('ready');
    expect(replay.impact.tierTransitions.some((t: { from: string; to: string }) => t.from !== t.to)).toBe(true);
    const preview = await http().post('/v1/re-ratings').set(auth(OPS)).send({ candidateVersion: 2, from: '2026-10-01T00:00:00Z' }).expect(201);
    expect(preview.body.deltas.length).toBeGreaterThan(0);
    // Then the outbox has not grown: nothing of it reached any sink
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await head()).toBe(before);
  });
});
