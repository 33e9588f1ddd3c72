// @needs kafka, postgres (left out of npm run test:unit)
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { JsonLogger } from '@loyalty/http-platform';
import { defaultProgramRules } from '@loyalty/program-rules';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';

// The scale-out read side in one process: an API instance (role api) writes the ledger and
// reads the read models from PostgreSQL; a separate projector (role projector) follows the
// ledger and writes them there. Only the shared stores connect the two.
describe('scale-out read side: projector and API sharing PostgreSQL', () => {
  const KEY = 'admin-key-scale-out';
  let dir: string;
  let api: INestApplication;
  let projector: INestApplication;
  let secondApi: INestApplication;

  let schema: string;
  const sharedConfig = () => ({
    LOYALTY_DATA_DIR: dir,
    LOYALTY_API_KEYS: `${KEY}:admin`,
    // Shared by every instance, as in production: API key ids (Idempotency-Key scopes, provenance) derive from it.
    LOYALTY_AUDIT_KEY: 'scale-out-audit-key-0123456789',
    READ_MODEL_STORE: 'postgres',
    READ_MODEL_POSTGRES_URL: process.env.LOYALTY_TEST_POSTGRES_URL ?? '',
    READ_MODEL_POSTGRES_SCHEMA: schema,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'scale-out-'));
    schema = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const shared = sharedConfig();
    const quiet = new JsonLogger('error', () => undefined);
    projector = await createApp(loadConfig({ ...shared, LOYALTY_ROLE: 'projector' }), quiet);
    await initApp(projector);
    api = await createApp(loadConfig({ ...shared, LOYALTY_ROLE: 'api' }), quiet);
    await initApp(api);
    // Another API instance has its own embedded ledger folder (one command-taking process per folder); it shares the PostgreSQL stores.
    secondApi = await createApp(loadConfig({ ...shared, LOYALTY_DATA_DIR: join(dir, 'second-api'), LOYALTY_ROLE: 'api' }), quiet);
    await initApp(secondApi);
  });
  afterAll(async () => {
    await secondApi.close();
    await api.close();
    await projector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers from the read models once the projector has applied the write the client waits for', async () => {
    const http = request(api.getHttpServer());
    let position = '0';
    for (let i = 0; i < 5; i++) {
      const res = await http
        .post('/v1/purchases')
        .set({ Authorization: `Bearer ${KEY}` })
        .send({ orderId: `O-${i}`, customerId: 'C-SCALE', occurredAt: `2026-06-2${i}T00:00:00Z`, currency: 'JPY', amount: 50_000 })
        .expect(201);
      position = res.body.position;
    }
    const segments = await http
      .get(`/v1/segments?asOf=2026-06-30T00:00:00Z&waitForPosition=${position}&waitMs=8000`)
      .set({ Authorization: `Bearer ${KEY}` })
      .expect(200);
    expect(segments.headers['x-read-model-stale']).toBeUndefined();
    expect(segments.body.segments.find((s: { segment: string }) => s.segment === 'B')).toEqual({ segment: 'B', customers: 1, monetary: 250_000 });
    const account = await http
      .get('/v1/accounts/C-SCALE?include=insights&asOf=2026-06-30T00:00:00Z')
      .set({ Authorization: `Bearer ${KEY}` })
      .expect(200);
    expect(account.body.insights).toMatchObject({ rfm: { segment: 'B', frequency: 5 }, value: { clv: 250_000 } });
    // The projector process serves no business routes.
    await request(projector.getHttpServer())
      .get('/v1/segments')
      .set({ Authorization: `Bearer ${KEY}` })
      .expect(404);
  });

  it("keeps operations' records in PostgreSQL too: a rules version submitted through one instance is listed by another, and no instance keeps its own catalog file", async () => {
    const candidate = { ...defaultProgramRules(), version: 2, effectiveFrom: '2030-01-01T00:00:00Z' };
    await request(api.getHttpServer())
      .post('/v1/rules')
      .set({ Authorization: `Bearer ${KEY}` })
      .send(candidate)
      .expect(201);
    const listed = await request(secondApi.getHttpServer())
      .get('/v1/rules')
      .set({ Authorization: `Bearer ${KEY}` })
      .expect(200);
    expect(listed.body.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [1, 'base'],
      [2, 'proposed'],
    ]);
    const trail = await request(secondApi.getHttpServer())
      .get('/v1/operations/audit-trail')
      .set({ Authorization: `Bearer ${KEY}` })
      .expect(200);
    expect(JSON.stringify(trail.body)).toContain('rules.submitted');
    expect(existsSync(join(dir, 'operations.sqlite'))).toBe(false);
  });

  it('answers a retried write with the first response on any instance (Idempotency-Key records are shared too)', async () => {
    const body = { orderId: 'O-RETRY', customerId: 'C-RETRY', occurredAt: '2026-06-20T00:00:00Z', currency: 'JPY', amount: 12_000 };
    const headers = { Authorization: `Bearer ${KEY}`, 'Idempotency-Key': 'retry-across-instances' };
    const first = await request(api.getHttpServer()).post('/v1/purchases').set(headers).send(body).expect(201);
    const retry = await request(secondApi.getHttpServer()).post('/v1/purchases').set(headers).send(body).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(existsSync(join(dir, 'http-idempotency.sqlite'))).toBe(false);
  });

  it('leaves no PostgreSQL connection behind when an API instance shuts down (its read store, operations and Idempotency-Key pools)', async () => {
    const postgresSockets = () =>
      (process as unknown as { _getActiveHandles(): unknown[] })
        ._getActiveHandles()
        .filter((h) => (h as { remotePort?: number }).remotePort === Number(new URL(process.env.LOYALTY_TEST_POSTGRES_URL ?? '').port)).length;
    const before = postgresSockets();
    const third = await createApp(
      loadConfig({ ...sharedConfig(), LOYALTY_DATA_DIR: join(dir, 'third-api'), LOYALTY_ROLE: 'api' }),
      new JsonLogger('error', () => undefined),
    );
    await initApp(third);
    await request(third.getHttpServer())
      .get('/v1/segments?asOf=2026-06-30T00:00:00Z')
      .set({ Authorization: `Bearer ${KEY}` })
      .expect(200);
    expect(postgresSockets()).toBeGreaterThan(before);
    await third.close();
    // A socket leaves the handle list when it has closed, a moment after its pool has ended.
    for (const deadline = Date.now() + 3_000; postgresSockets() > before && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    expect(postgresSockets()).toBe(before);
  });
});
