import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { JsonLogger } from '@loyalty/http-platform';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';

const OPS = 'ops-key-123456';
const INGEST = 'ingest-key-123';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const DAY = 86_400_000;

interface FeedEntry {
  seq: number;
  notification: { id: string; type: string; customerId: string; occurredAt: string; data: { lotId?: string; points?: number } };
}

// On an embedded data folder the scan runs in the notifications thread, over a read-models
// connection of its own: the same answers as on the app's thread, asked the same ways.
describe('the time-driven notification scan on an embedded data folder', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  const now = Date.now();

  beforeAll(async () => {
    app = await createApp(
      loadConfig({ LOYALTY_DATA_DIR: mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? '/tmp', 'scan-e2e-')), LOYALTY_API_KEYS: `${OPS}:ops,${INGEST}:ingest` }),
      new JsonLogger('error', () => undefined),
    );
    // The scheduled scan starts with the app (as of its start): the scans asked below come after it.
    await initApp(app);
  });
  afterAll(async () => app.close());

  const scan = async (asOf: number) =>
    (
      await http()
        .post('/v1/notifications/scans')
        .set(auth(OPS))
        .send({ asOf: new Date(asOf).toISOString() })
        .expect(200)
    ).body as { after: string | null; asOf: string; customers: number; notifications: number };
  const feed = async () => (await http().get('/v1/notifications?limit=1000').set(auth(OPS)).expect(200)).body.entries as FeedEntry[];

  it('announces a pending lot once when its points become spendable; of two scans of one window asked together, one does the work', async () => {
    // Given a purchase 13 days ago: its lot is pending for the default 14 days, spendable tomorrow
    const purchased = await http()
      .post('/v1/purchases')
      .set(auth(INGEST))
      .send({ orderId: 'SCAN-O1', customerId: 'SCAN-1', occurredAt: new Date(now - 13 * DAY).toISOString(), currency: 'JPY', amount: 12_000 })
      .expect(201);
    await http().get(`/v1/segments?waitForPosition=${purchased.body.position}&waitMs=5000`).set(auth(OPS)).expect(200);
    const account = (await http().get('/v1/accounts/SCAN-1').set(auth(OPS)).expect(200)).body;
    const [lot] = account.lots as { lotId: string; availableAt: string; points: number }[];

    // When two scans as of two days from now are asked at once
    const [first, again] = (await Promise.all([scan(now + 2 * DAY), scan(now + 2 * DAY)])).sort((a, b) => b.customers - a.customers);

    // Then they ran one after the other: the first scanned the window, the second found it done;
    // the lot's points.available is in the outbox once, at the lot's availableAt, with its points
    expect(first).toMatchObject({ customers: 1, asOf: new Date(now + 2 * DAY).toISOString() });
    expect(Date.parse(first.after ?? '')).toBeLessThan(Date.parse(lot.availableAt));
    const available = (await feed()).filter((e) => e.notification.type === 'points.available');
    expect(available.map((e) => e.notification)).toEqual([
      expect.objectContaining({ customerId: 'SCAN-1', occurredAt: lot.availableAt, data: expect.objectContaining({ lotId: lot.lotId, points: lot.points }) }),
    ]);
    expect(again).toMatchObject({ customers: 0, notifications: 0 });
  });
});
