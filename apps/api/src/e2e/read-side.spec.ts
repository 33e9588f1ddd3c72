import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { JsonLogger } from '@loyalty/http-platform';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';

const OPS = 'ops-key-12345';
const INGEST = 'ingest-key-123';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const ASOF = '2026-06-30T12:00:00Z';
const DAY = 86_400_000;

describe('read side over HTTP (projector and queries in the embedded app)', () => {
  let app: INestApplication;
  let lastPosition = '0';

  beforeAll(async () => {
    app = await createApp(loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: `${OPS}:ops,${INGEST}:ingest` }), new JsonLogger('error', () => undefined));
    await initApp(app);
    const http = request(app.getHttpServer());
    const buy = async (customerId: string, n: number, spend: number, lastAt: string) => {
      const each = Math.floor(spend / n);
      for (let i = 0; i < n; i++) {
        const at = new Date(Date.parse(lastAt) - (n - 1 - i) * DAY).toISOString();
        const amount = i === n - 1 ? spend - each * (n - 1) : each;
        const res = await http
          .post('/v1/purchases')
          .set(auth(INGEST))
          .send({ orderId: `${customerId}-O${i}`, customerId, occurredAt: at, currency: 'JPY', amount })
          .expect(201);
        lastPosition = res.body.position;
      }
    };
    const answer = async (customerId: string, score: number, at: string) => {
      const res = await http
        .post('/v1/survey-answers')
        .set(auth(INGEST))
        .send({ responseId: `${customerId}-S${score}`, surveyId: 'nps-2026', customerId, occurredAt: at, score })
        .expect(201);
      lastPosition = res.body.position;
    };
    await buy('LOYAL', 15, 600_000, '2026-06-25T00:00:00Z');
    await answer('LOYAL', 10, '2026-06-26T00:00:00Z');
    await buy('GOOD', 15, 600_000, '2026-06-25T00:00:00Z');
    await answer('GOOD', 7, '2026-06-26T00:00:00Z');
    await buy('NEAR', 13, 450_000, '2026-06-25T00:00:00Z');
    await answer('NEAR', 3, '2026-05-10T00:00:00Z');
    await buy('RARE', 1, 5_000, '2026-01-10T00:00:00Z');
    const contact = await http
      .post('/v1/support-contacts')
      .set(auth(INGEST))
      .send({
        contactId: 'K-1',
        customerId: 'RARE',
        channel: 'phone',
        openedAt: '2026-06-01T00:00:00Z',
        resolvedAt: '2026-06-01T02:00:00Z',
        resolved: true,
        satisfaction: 4,
      })
      .expect(201);
    lastPosition = contact.body.position;
  });
  afterAll(async () => app.close());

  const http = () => request(app.getHttpServer());

  it('counts customers per segment once the read models have reached the last write', async () => {
    const res = await http().get(`/v1/segments?asOf=${ASOF}&waitForPosition=${lastPosition}&waitMs=5000`).set(auth(OPS)).expect(200);
    expect(res.headers['x-read-model-stale']).toBeUndefined();
    expect(BigInt(res.headers['x-read-model-position'])).toBeGreaterThanOrEqual(BigInt(lastPosition));
    expect(res.body.segments).toEqual([
      { segment: 'loyal', customers: 2, monetary: 1_200_000 },
      { segment: 'A', customers: 1, monetary: 450_000 },
      { segment: 'B', customers: 0, monetary: 0 },
      { segment: 'other', customers: 1, monetary: 5_000 },
    ]);
    const members = await http().get(`/v1/segments/loyal/members?asOf=${ASOF}&sort=monetary`).set(auth(OPS)).expect(200);
    expect(members.body.customers.map((m: { customerId: string }) => m.customerId)).toEqual(['GOOD', 'LOYAL']);
    expect(members.body).toMatchObject({ segment: 'loyal', total: 2, page: 1, sort: 'monetary' });
  });

  it('tells loyal from good customers, and lists who is one step from loyal', async () => {
    const loyal = await http().get(`/v1/accounts/LOYAL?include=insights&asOf=${ASOF}`).set(auth(OPS)).expect(200);
    expect(loyal.body.insights.tierReason).toMatch(/^platinum: 600000 qualifying spend in the rolling 12 months/);
    expect(loyal.body.insights).toMatchObject({
      tier: 'platinum',
      rfm: { segment: 'loyal', frequency: 15 },
      nps: { score: 10, category: 'promoter' },
      loyalty: { class: 'loyal' },
      value: { purchases: 15, totalSpend: 600_000, clv: 600_000 },
    });
    const good = await http().get(`/v1/accounts/GOOD?include=insights&asOf=${ASOF}`).set(auth(OPS)).expect(200);
    expect(good.body.insights.loyalty.class).toBe('good-customer');
    const near = await http().get(`/v1/customers/one-step-from-loyal?asOf=${ASOF}`).set(auth(OPS)).expect(200);
    expect(near.body.customers).toHaveLength(1);
    expect(near.body.customers[0]).toMatchObject({ customerId: 'NEAR', loyalty: { class: 'one-step-from-loyal', closenessPercent: 86 } });
  });

  it('reports NPS by month and support metrics, and refuses a period that ends before it starts', async () => {
    const nps = await http().get('/v1/analytics/nps?from=2026-01-01T00:00:00Z&to=2026-07-01T00:00:00Z&groupBy=month').set(auth(OPS)).expect(200);
    expect(nps.body.groups).toEqual([
      { group: '2026-05', responses: 1, promoters: 0, passives: 0, detractors: 1, nps: -100 },
      { group: '2026-06', responses: 2, promoters: 1, passives: 1, detractors: 0, nps: 50 },
    ]);
    const support = await http().get('/v1/analytics/support?from=2026-01-01T00:00:00Z&to=2026-07-01T00:00:00Z').set(auth(OPS)).expect(200);
    expect(support.body.groups).toMatchObject([{ group: 'all', contacts: 1, byChannel: { phone: 1 }, medianResolutionMinutes: 120, averageSatisfaction: 4 }]);
    const bySegment = await http().get(`/v1/analytics/support?from=2026-01-01T00:00:00Z&to=${ASOF}&groupBy=segment`).set(auth(OPS)).expect(200);
    expect(bySegment.body.groups).toMatchObject([{ group: 'other', contacts: 1, p90ResolutionMinutes: 120 }]);
    const byCustomer = await http().get(`/v1/analytics/support?from=2026-01-01T00:00:00Z&to=${ASOF}&groupBy=customer&format=csv`).set(auth(OPS)).expect(200);
    expect(byCustomer.text.split('\r\n')[1]).toMatch(/^RARE,1,/);
    // RARE's contact ended 1 June 02:00 and no purchase followed within 14 days
    const repurchase = await http().get(`/v1/analytics/support/repurchase?from=2026-01-01T00:00:00Z&to=${ASOF}&windowDays=14`).set(auth(OPS)).expect(200);
    expect(repurchase.body).toMatchObject({ windowDays: 14, overall: { contacts: 1, repurchased: 0, ratePercent: 0 }, windowNotClosed: 0 });
    expect(repurchase.body.byResolutionTime.find((r: { group: string }) => r.group === '60-240 min')).toEqual({
      group: '60-240 min',
      contacts: 1,
      repurchased: 0,
      ratePercent: 0,
    });
    const bad = await http().get('/v1/analytics/nps?from=2026-07-01T00:00:00Z&to=2026-01-01T00:00:00Z').set(auth(OPS)).expect(400);
    expect(bad.body.code).toBe('HTTP.INVALID_PERIOD');
    await http().get('/v1/segments').set(auth(INGEST)).expect(403);
    const metrics = await http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/projection_lag_events\{projection="balances_v2"\} 0/);
  });
});
