import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, loadStartupConfiguration } from '../config/app-config';
import { createApp, initApp } from '../create-app';
import { JsonLogger } from '@loyalty/http-platform';

const ADMIN = 'admin-key-123';
const INGEST = 'ingest-key-123';
const REDEEM = 'redeem-key-123';
const OPS = 'ops-key-12345';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('HTTP API (embedded, in-memory store)', () => {
  let app: INestApplication;
  const logLines: string[] = [];

  beforeAll(async () => {
    const config = loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: `${ADMIN}:admin,${INGEST}:ingest,${REDEEM}:redeem,${OPS}:ops`, LOG_LEVEL: 'info' });
    app = await createApp(config, new JsonLogger('info', (line) => void logLines.push(line)));
    await initApp(app);
  });
  afterAll(async () => app.close());

  const http = () => request(app.getHttpServer());
  const purchase = (orderId: string, customerId = 'C-1', amount = 50_000) => ({
    orderId,
    customerId,
    occurredAt: '2026-01-10T10:00:00+09:00',
    currency: 'JPY',
    amount,
  });

  it('answers /health without a key', async () => {
    const res = await http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok' });
  });

  it('refuses a write without a key (401), with a bad key (401) and with a key lacking the role (403), as problem+json', async () => {
    const none = await http().post('/v1/purchases').send(purchase('O-auth')).expect(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.body).toMatchObject({ status: 401, code: 'AUTH.MISSING_API_KEY' });
    await http().post('/v1/purchases').set(auth('wrong-key-xyz')).send(purchase('O-auth')).expect(401);
    const forbidden = await http().post('/v1/purchases').set(auth(REDEEM)).send(purchase('O-auth')).expect(403);
    expect(forbidden.body).toMatchObject({ code: 'AUTH.FORBIDDEN', detail: 'requires one of: ingest, admin' });
  });

  it('names every invalid field, nested ones by path, and rejects unknown fields', async () => {
    const res = await http()
      .post('/v1/purchases')
      .set(auth(INGEST))
      .send({
        ...purchase('O-bad'),
        amount: 12.5,
        occurredAt: '2026-01-10 10:00',
        currency: 'yen',
        lines: [{ sku: 'A', category: 'x', quantity: 0, unitPrice: 1 }],
        surprise: true,
      })
      .expect(400);
    expect(res.body.code).toBe('HTTP.VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['amount', 'currency', 'lines[0].quantity', 'occurredAt', 'surprise']);
  });

  it('reports malformed JSON as a problem, not a crash', async () => {
    const res = await http().post('/v1/purchases').set(auth(INGEST)).set('Content-Type', 'application/json').send('{"orderId": ').expect(400);
    expect(res.body.code).toBe('HTTP.MALFORMED_JSON');
  });

  it('records a purchase (201 with its ledger position), then reports the repeat as a duplicate (200)', async () => {
    const first = await http().post('/v1/purchases').set(auth(INGEST)).send(purchase('O-1')).expect(201);
    expect(first.body).toMatchObject({
      status: 'accepted',
      customerId: 'C-1',
      sourceKey: 'purchase:O-1',
      events: [{ type: 'AccountOpened' }, { type: 'PurchaseRecorded' }, { type: 'PointsEarned' }],
    });
    expect(first.headers['x-ledger-position']).toBe(first.body.position);
    const again = await http().post('/v1/purchases').set(auth(INGEST)).send(purchase('O-1')).expect(200);
    expect(again.body).toMatchObject({ status: 'duplicate', sourceKey: 'purchase:O-1', events: [] });
  });

  it('shows the account and its ledger with postings, provenance and the rules version', async () => {
    const account = await http().get('/v1/accounts/C-1?asOf=2026-01-30T00:00:00Z').set(auth(REDEEM)).expect(200);
    expect(account.body.points).toMatchObject({ available: 850, pending: 0, outstanding: 850 });
    expect(account.body.tier.name).toBe('regular');
    const ledger = await http().get('/v1/accounts/C-1/ledger?limit=2').set(auth(OPS)).expect(200);
    expect(ledger.body.entries).toHaveLength(2);
    expect(ledger.body.nextFromRevision).toBe('2');
    const rest = await http().get('/v1/accounts/C-1/ledger?fromRevision=2').set(auth(OPS)).expect(200);
    const earned = rest.body.entries[0];
    expect(earned).toMatchObject({
      type: 'PointsEarned',
      storedType: 'loyalty.points-earned',
      sourceKey: 'purchase:O-1',
      provenance: { channel: 'http', requestId: expect.any(String) },
      rules: { id: 'default-program', version: 1 },
    });
    expect(earned.postings).toEqual([{ debit: 'expense:purchase-points', credit: 'liability:customer-points', points: 850, memo: 'earned on order O-1' }]);
    expect(earned.event.breakdown.basePoints).toBe(500);
    await http().get('/v1/accounts/C-404').set(auth(OPS)).expect(404);
  });

  it('redeems, rejects an over-redemption with a stable code (422), and cancels', async () => {
    const redeem = (redemptionId: string, points: number) =>
      http().post('/v1/accounts/C-1/redemptions').set(auth(REDEEM)).send({ redemptionId, points, reward: 'coupon', occurredAt: '2026-02-01T00:00:00Z' });
    await redeem('R-1', 800).expect(201);
    const over = await redeem('R-2', 51).expect(422);
    expect(over.body).toMatchObject({ code: 'LEDGER.INSUFFICIENT_POINTS', details: { requested: 51, available: 50 } });
    await http()
      .post('/v1/accounts/C-1/redemptions/R-1/cancellation')
      .set(auth(REDEEM))
      .send({ reason: 'out of stock', occurredAt: '2026-02-02T00:00:00Z' })
      .expect(201);
    await http().post('/v1/accounts/C-1/redemptions/R-1/cancellation').set(auth(REDEEM)).send({ occurredAt: '2026-02-02T00:00:00Z' }).expect(200);
  });

  it('adjusts points with a reason code and records who asked (ops role only)', async () => {
    const body = { adjustmentId: 'A-1', points: 100, reasonCode: 'GOODWILL', note: 'late delivery', actor: 'agent.tanaka' };
    await http().post('/v1/accounts/C-1/adjustments').set(auth(INGEST)).send(body).expect(403);
    await http().post('/v1/accounts/C-1/adjustments').set(auth(OPS)).send(body).expect(201);
    const ledger = await http().get('/v1/accounts/C-1/ledger?fromRevision=0&limit=1000').set(auth(OPS)).expect(200);
    const adjusted = ledger.body.entries.find((e: { type: string }) => e.type === 'PointsAdjusted');
    expect(adjusted.event).toMatchObject({
      points: 100,
      reasonCode: 'GOODWILL',
      note: 'late delivery',
      actor: expect.stringMatching(/^agent\.tanaka \(api-key:[0-9a-f]{16}\)$/),
    });
  });

  it('records refunds, survey answers, support contacts and enrolments', async () => {
    await http().post('/v1/customers').set(auth(INGEST)).send({ customerId: 'C-2', enrolledAt: '2025-12-01T00:00:00Z', birthDate: '1990-01-05' }).expect(201);
    await http()
      .post('/v1/purchases')
      .set(auth(INGEST))
      .send(purchase('O-2', 'C-2', 10_000))
      .expect(201);
    const refund = await http()
      .post('/v1/refunds')
      .set(auth(INGEST))
      .send({ refundId: 'F-1', orderId: 'O-2', customerId: 'C-2', occurredAt: '2026-01-11T00:00:00Z', amount: 5_000 })
      .expect(201);
    expect(refund.body.events).toEqual([{ type: 'PointsReversed', revision: expect.any(String) }]);
    const unknown = await http()
      .post('/v1/refunds')
      .set(auth(INGEST))
      .send({ refundId: 'F-2', orderId: 'O-404', customerId: 'C-2', occurredAt: '2026-01-11T00:00:00Z', amount: 1 })
      .expect(422);
    expect(unknown.body.code).toBe('LEDGER.UNKNOWN_ORDER');
    await http()
      .post('/v1/survey-answers')
      .set(auth(INGEST))
      .send({ responseId: 'S-1', surveyId: 'nps-q1', customerId: 'C-2', occurredAt: '2026-01-12T00:00:00Z', score: 10 })
      .expect(201);
    await http()
      .post('/v1/support-contacts')
      .set(auth(INGEST))
      .send({
        contactId: 'K-1',
        customerId: 'C-2',
        channel: 'chatbot',
        openedAt: '2026-01-12T00:00:00Z',
        resolvedAt: '2026-01-12T01:00:00Z',
        resolved: true,
        satisfaction: 5,
      })
      .expect(201);
    const bad = await http()
      .post('/v1/support-contacts')
      .set(auth(INGEST))
      .send({ contactId: 'K-2', customerId: 'C-2', channel: 'fax', openedAt: '2026-01-12T00:00:00Z', resolved: true })
      .expect(400);
    expect(bad.body.errors).toEqual([{ field: 'channel', messages: [expect.stringContaining('phone, email, chat, chatbot, faq, sms, ivr')] }]);
  });

  it('honours Idempotency-Key: replays the first response, refuses the key with another body', async () => {
    const send = (body: object) => http().post('/v1/purchases').set(auth(INGEST)).set('Idempotency-Key', 'idem-1').send(body);
    const first = await send(purchase('O-idem')).expect(201);
    const replay = await send(purchase('O-idem')).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const reused = await send(purchase('O-other')).expect(422);
    expect(reused.body.code).toBe('HTTP.IDEMPOTENCY_KEY_REUSED');
  });

  it('publishes OpenAPI at /docs and Prometheus metrics at /metrics', async () => {
    const doc = await http().get('/docs/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/purchases', '/v1/refunds', '/v1/accounts/{customerId}/redemptions', '/v1/accounts/{customerId}/ledger']),
    );
    expect(doc.body.components.schemas.PurchaseRecordedV1.required).toEqual(expect.arrayContaining(['orderId', 'customerId', 'amount']));
    expect(doc.body.paths['/v1/purchases'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PurchaseRecordedV1' });
    const metrics = await http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/ledger_commands_total\{type="RecordPurchase",outcome="accepted"\} \d+/);
    expect(metrics.text).toMatch(/ledger_commands_total\{type="RecordPurchase",outcome="duplicate"\} \d+/);
  });

  it('logs each request as one JSON line', () => {
    const requests = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThan(10);
    expect(requests[0]).toMatchObject({
      level: 'info',
      context: 'http',
      method: expect.any(String),
      status: expect.any(Number),
      requestId: expect.any(String),
    });
  });
});

describe('configuration', () => {
  it('names each bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', LEDGER_STORE: 'oracle' })).toThrow(/PORT="eighty".*\n.*LEDGER_STORE="oracle"/);
  });
  it('names five bad variables, of the app and of Kafka, in one start-up message', () => {
    let message = '';
    try {
      loadStartupConfiguration({
        PORT: 'eighty',
        LEDGER_STORE: 'oracle',
        LOYALTY_API_KEYS: 'short:admin',
        LOYALTY_RULES_FILE: '/no/such/rules.json',
        KAFKA_BROKERS: 'nope',
        KAFKA_CHUNK_SIZE: '0',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')[0]).toBe('invalid configuration:');
    for (const named of [
      'PORT="eighty"',
      'LEDGER_STORE="oracle"',
      'LOYALTY_API_KEYS: item 1: a key needs at least 8 characters',
      'LOYALTY_RULES_FILE="/no/such/rules.json"',
      'KAFKA_BROKERS="nope"',
      'KAFKA_CHUNK_SIZE="0"',
    ])
      expect(message).toContain(named);
    expect(message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(6);
  });
  it('keeps the development admin key in the data folder and uses it again at the next start', async () => {
    const dataDir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? '/tmp', 'dev-key-'));
    const start = async () => {
      const app = await createApp(loadConfig({ LOYALTY_DATA_DIR: dataDir }), new JsonLogger('error', () => undefined));
      await app.close();
      return readFileSync(join(dataDir, 'dev-admin-key'), 'utf8');
    };
    const first = await start();
    expect(first).toMatch(/^dev-/);
    expect(await start()).toBe(first);
  });
  it('requires an EventStoreDB connection string with LEDGER_STORE=eventstoredb, and checks its form', () => {
    expect(() => loadConfig({ LEDGER_STORE: 'eventstoredb' })).toThrow('EVENTSTORE_CONNECTION_STRING: EVENTSTORE_CONNECTION_STRING must be an esdb://');
    expect(() => loadConfig({ LEDGER_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'postgres://x' })).toThrow('must be an esdb://');
    expect(loadConfig({ LEDGER_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'esdb://localhost:2113?tls=false' }).LEDGER_STORE).toBe('eventstoredb');
  });
  it('refuses to start in production without API keys', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('LOYALTY_API_KEYS must be set in production');
  });
  it('refuses a malformed key list before anything starts', () => {
    expect(() => loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: 'short:admin' })).toThrow('a key needs at least 8 characters');
    expect(() => loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: 'longenough:king' })).toThrow('unknown role "king"');
  });
});
