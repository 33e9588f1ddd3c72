// @needs postgres (left out of npm run test:unit)
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { JsonLogger } from '@loyalty/http-platform';
import { NOTIFIER, type RunningNotifier } from '@loyalty/notifications';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';

const KEY = 'admin-key-scale-out-notifier';

async function until<T>(what: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// Scaled out: an API instance (role api) takes purchases and registers endpoints, a projector
// keeps the read models, and the notifier role derives and sends; the outbox is shared in
// PostgreSQL. A second notifier started by mistake (or a replacement while the old one hangs)
// takes over: the first one's writes are refused from then on.
describe('scale-out notifications: LOYALTY_ROLE=notifier, fenced like the projector', () => {
  let dir: string;
  let schema: string;
  const apps: INestApplication[] = [];
  let api: INestApplication;
  let firstNotifier: INestApplication;
  let receiver: Server;
  const received: { id: string; type: string; customerId: string; verified: boolean }[] = [];
  let secret = '';

  const config = (role: string) =>
    loadConfig({
      LOYALTY_DATA_DIR: dir,
      LOYALTY_API_KEYS: `${KEY}:admin`,
      LOYALTY_AUDIT_KEY: 'scale-out-audit-key-0123456789',
      READ_MODEL_STORE: 'postgres',
      READ_MODEL_POSTGRES_URL: process.env.LOYALTY_TEST_POSTGRES_URL ?? '',
      READ_MODEL_POSTGRES_SCHEMA: schema,
      LOYALTY_WEBHOOK_RETRY_SCHEDULE_MS: '50,100',
      LOYALTY_ROLE: role,
    });
  const start = async (role: string) => {
    const app = await createApp(config(role), new JsonLogger('error', () => undefined));
    await initApp(app);
    apps.push(app);
    return app;
  };
  const buy = (customerId: string, orderId: string) =>
    request(api.getHttpServer())
      .post('/v1/purchases')
      .set({ Authorization: `Bearer ${KEY}` })
      .send({ orderId, customerId, occurredAt: '2026-06-20T00:00:00Z', currency: 'JPY', amount: 120_000 })
      .expect(201);
  const upgradesOf = (customerId: string) => received.filter((r) => r.type === 'tier.upgraded' && r.customerId === customerId);

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'scale-out-notifier-'));
    schema = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const envelope = JSON.parse(body) as { type: string; payload: { customerId: string } };
        let verified = true;
        try {
          new Webhook(secret).verify(body, req.headers as Record<string, string>);
        } catch {
          verified = false;
        }
        received.push({ id: String(req.headers['webhook-id']), type: envelope.type, customerId: envelope.payload.customerId, verified });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    await start('projector');
    api = await start('api');
    firstNotifier = await start('notifier');
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers what the notifier role derives to an endpoint registered through an API instance', async () => {
    // Given an endpoint registered through the API instance (the outbox is shared in PostgreSQL)
    const registered = await request(api.getHttpServer())
      .post('/v1/webhooks/endpoints')
      .set({ Authorization: `Bearer ${KEY}` })
      .send({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, maxInFlight: 4 })
      .expect(201);
    secret = registered.body.secret;
    // When a purchase crosses the silver threshold
    await buy('C-N1', 'O-N1');
    // Then the notifier role sends one signed tier.upgraded, and the API instance shows it delivered
    await until(
      () => upgradesOf('C-N1'),
      (r) => r.length > 0,
    );
    expect(upgradesOf('C-N1')).toEqual([expect.objectContaining({ verified: true })]);
    const log = await until(
      async () =>
        (
          await request(api.getHttpServer())
            .get(`/v1/webhooks/endpoints/${registered.body.id}/deliveries`)
            .set({ Authorization: `Bearer ${KEY}` })
            .expect(200)
        ).body,
      (body: { type: string; status: string }[]) => body.length >= 2,
    );
    expect(log.map((d: { type: string; status: string }) => [d.type, d.status])).toEqual(
      expect.arrayContaining([
        ['points.earned', 'delivered'],
        ['tier.upgraded', 'delivered'],
      ]),
    );
  });

  it('fences the first notifier off when a second one starts: only the second derives and sends from then on', async () => {
    // Given the first notifier at the ledger's head
    const before = firstNotifier.get<typeof NOTIFIER, RunningNotifier>(NOTIFIER).checkpoint;
    expect(before).toBeGreaterThan(0n);
    // When a second notifier starts, and another purchase crosses the threshold
    const second = await start('notifier');
    const { body } = await buy('C-N2', 'O-N2');
    // Then the second derives it and its upgrade arrives, once per notification id
    await until(
      () => upgradesOf('C-N2'),
      (r) => r.length > 0,
    );
    expect(await second.get<typeof NOTIFIER, RunningNotifier>(NOTIFIER).waitFor(BigInt(body.position), 10_000)).toBe(true);
    expect(new Set(upgradesOf('C-N2').map((r) => r.id)).size).toBe(1);
    // And the first one's page was refused: its checkpoint never reached the purchase
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(firstNotifier.get<typeof NOTIFIER, RunningNotifier>(NOTIFIER).checkpoint).toBeLessThan(BigInt(body.position));
    // And the feed (read through the API instance) holds the upgrade once
    const feed = await request(api.getHttpServer())
      .get('/v1/notifications?limit=1000')
      .set({ Authorization: `Bearer ${KEY}` })
      .expect(200);
    const upgrades = feed.body.entries.filter(
      (e: { notification: { type: string; customerId: string } }) => e.notification.type === 'tier.upgraded' && e.notification.customerId === 'C-N2',
    );
    expect(upgrades).toHaveLength(1);
  });
});
