import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { JsonLogger } from '@loyalty/http-platform';
import { defaultProgramRules } from '@loyalty/program-rules';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';
import { runCli } from '../cli/loyalty-cli';
import { PROJECTION_STORE, type ProjectionStore } from '@loyalty/projection-runner';

const OPS = 'ops-key-123456';
const FIN = 'finance-key-123';
const INGEST = 'ingest-key-123';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Version 2: silver from ¥40,000 (was ¥100,000), gold from ¥140,000 (was ¥300,000), a point worth ¥2. */
function candidateRules() {
  const rules = defaultProgramRules();
  return {
    ...rules,
    version: 2,
    effectiveFrom: '2030-01-01T00:00:00Z',
    pointValue: { minorUnitsPerPoint: 2 },
    tiers: {
      ...rules.tiers,
      levels: rules.tiers.levels.map((l) => (l.name === 'silver' ? { ...l, threshold: 40_000 } : l.name === 'gold' ? { ...l, threshold: 140_000 } : l)),
    },
  };
}

describe('operations: a tier threshold changed, shadow-rebuilt, its impact read, promoted, rolled back; then re-rated', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  const tierOf = async (customerId: string) => (await http().get(`/v1/accounts/${customerId}?include=insights`).set(auth(OPS)).expect(200)).body.insights?.tier;
  const buy = async (customerId: string, orderId: string, amount: number, occurredAt: string) =>
    (await http().post('/v1/purchases').set(auth(INGEST)).send({ orderId, customerId, occurredAt, currency: 'JPY', amount }).expect(201)).body
      .position as string;
  let last = '0';

  beforeAll(async () => {
    app = await createApp(
      loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: `${OPS}:ops,${FIN}:finance,${INGEST}:ingest` }),
      new JsonLogger('error', () => undefined),
    );
    await initApp(app);
    for (let i = 0; i < 3; i++) await buy('SILVER-1', `S-${i}`, 50_000, `2026-10-0${i + 1}T10:00:00Z`); // ¥150,000: silver (gold from ¥140,000 under v2)
    await buy('GOLD-1', 'G-1', 350_000, '2026-10-05T10:00:00Z'); // gold either way
    last = await buy('REGULAR-1', 'R-1', 50_000, '2026-10-06T10:00:00Z'); // regular (silver from ¥40,000 under v2)
    await http().get(`/v1/segments?waitForPosition=${last}&waitMs=5000`).set(auth(OPS)).expect(200);
  });
  afterAll(async () => app.close());

  it('submits a version (validated, never overwritten) and shows a readable diff against the base rules', async () => {
    const bad = await http()
      .post('/v1/rules')
      .set(auth(OPS))
      .send({ ...candidateRules(), version: 3, pending: { days: -1 } })
      .expect(422);
    expect(bad.body.code).toBe('RULES.INVALID');
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('pending.days');
    await http().post('/v1/rules').set(auth(INGEST)).send(candidateRules()).expect(403);
    const submitted = await http().post('/v1/rules').set(auth(OPS)).send(candidateRules()).expect(201);
    expect(submitted.body).toMatchObject({ version: 2, status: 'proposed', submittedBy: expect.stringMatching(/^api-key:/) });
    expect((await http().post('/v1/rules').set(auth(OPS)).send(candidateRules()).expect(409)).body.code).toBe('RULES.VERSION_EXISTS');
    expect((await http().get('/v1/rules').set(auth(OPS)).expect(200)).body.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [1, 'base'],
      [2, 'proposed'],
    ]);
    const diff = await http().get('/v1/rules/2/diff?against=1').set(auth(OPS)).expect(200);
    expect(diff.body.lines).toEqual(
      expect.arrayContaining([
        '~ tiers.levels[1].threshold: 100000 -> 40000',
        '~ tiers.levels[2].threshold: 300000 -> 140000',
        '~ pointValue.minorUnitsPerPoint: 1 -> 2',
        '~ version: 1 -> 2',
      ]),
    );
  });

  it('shadow-rebuilds under version 2 while live reads go on, reports the expected tier transitions and liability delta, promotes and rolls back', async () => {
    const started = await http().post('/v1/replays').set(auth(OPS)).send({ candidateVersion: 2 }).expect(202);
    const id = started.body.id as string;
    expect(started.body.status).toBe('running');
    expect(await tierOf('SILVER-1')).toBe('silver'); // live reads unchanged meanwhile
    let replay = started.body;
    for (let tries = 0; replay.status === 'running' && tries < 500; tries++) replay = (await http().get(`/v1/replays/${id}`).set(auth(OPS)).expect(200)).body;
    expect(replay.status).toBe('ready');
    expect(replay.progress).toMatchObject({ eventsDone: expect.any(Number), ratePerSecond: expect.any(Number), etaSeconds: 0 });
    expect(replay.progress.eventsDone).toBeGreaterThan(0);

    const impact = replay.impact;
    expect(impact.tierTransitions).toEqual([
      { from: 'gold', to: 'gold', customers: 1 },
      { from: 'regular', to: 'silver', customers: 1 },
      { from: 'silver', to: 'gold', customers: 1 },
    ]);
    expect(impact.affectedCustomers).toBe(2); // GOLD-1 keeps its tier, segment, class and points
    expect(impact.liability.deltaPoints).toBe(0); // facts do not change with rules...
    expect(impact.liability.deltaValueMinor).toBe(impact.liability.livePoints); // ...their value does: ×2 − ×1
    expect(impact.sample.map((s: { customerId: string }) => s.customerId)).toEqual(['REGULAR-1', 'SILVER-1']);
    const csv = await http().get(`/v1/replays/${id}/impact?format=csv`).set(auth(OPS)).expect(200);
    expect(csv.text.split('\r\n')).toContain('tier,silver,gold,1');

    const promoted = await http().post(`/v1/replays/${id}/promote`).set(auth(OPS)).expect(200);
    expect(promoted.body.status).toBe('promoted');
    expect(await tierOf('SILVER-1')).toBe('gold');
    expect(await tierOf('REGULAR-1')).toBe('silver');
    // Ingestion goes on after the switch: the replay's tables follow the ledger.
    const position = await buy('NEW-1', 'N-1', 45_000, '2026-10-07T10:00:00Z');
    const segments = await http().get(`/v1/segments?waitForPosition=${position}&waitMs=5000`).set(auth(OPS)).expect(200);
    expect(segments.headers['x-read-model-stale']).toBeUndefined();
    let newTier: string | undefined;
    for (let tries = 0; newTier === undefined && tries < 500; tries++) newTier = await tierOf('NEW-1');
    expect(newTier).toBe('silver'); // ¥45,000 is silver only under version 2

    await http().post(`/v1/replays/${id}/promote`).set(auth(OPS)).expect(409);
    const rolledBack = await http().post(`/v1/replays/${id}/rollback`).set(auth(OPS)).expect(200);
    expect(rolledBack.body.status).toBe('rolled-back');
    expect(await tierOf('SILVER-1')).toBe('silver');
    expect(await tierOf('NEW-1')).toBe('regular');
    expect((await http().post(`/v1/replays/${id}/rollback`).set(auth(OPS)).expect(409)).body.code).toBe('REPLAY.NOT_PROMOTED');

    const trail = (await http().get('/v1/operations/audit-trail').set(auth(OPS)).expect(200)).body;
    expect(trail.map((e: { action: string }) => e.action)).toEqual([
      'rules.submitted',
      'replay.started',
      'replay.ready',
      'replay.promoted',
      'replay.rolled-back',
    ]);
    expect(trail.find((e: { action: string }) => e.action === 'replay.promoted')).toMatchObject({
      actor: expect.stringMatching(/^api-key:/),
      subject: id,
      at: expect.any(String),
    });
  });

  it('schedules version 2 for the ledger only in the future', async () => {
    const past = await http().post('/v1/rules/2/schedule').set(auth(OPS)).send({ effectiveFrom: '2026-01-01T00:00:00Z' }).expect(422);
    expect(past.body.code).toBe('RULES.RETROACTIVE');
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await http().post('/v1/rules/2/schedule').set(auth(OPS)).send({ effectiveFrom: future }).expect(200);
    expect(scheduled.body).toMatchObject({ version: 2, status: 'scheduled', effectiveFrom: future });
    expect((await http().post('/v1/rules/2/schedule').set(auth(OPS)).send({ effectiveFrom: future }).expect(409)).body.code).toBe('RULES.ALREADY_SCHEDULED');
  });

  it('re-rates retroactively only through approved adjustments: preview, post once, and a second preview finds nothing left', async () => {
    const before = (await http().get('/v1/accounts/SILVER-1').set(auth(OPS)).expect(200)).body.points.outstanding;
    const preview = await http().post('/v1/re-ratings').set(auth(OPS)).send({ candidateVersion: 2, from: '2026-09-01T00:00:00Z' }).expect(201);
    const delta = preview.body.deltas.find((d: { customerId: string }) => d.customerId === 'SILVER-1');
    expect(delta.deltaPoints).toBeGreaterThan(0); // its 2nd and 3rd purchases earn at a higher tier under version 2
    expect(preview.body.deltas.find((d: { customerId: string }) => d.customerId === 'GOLD-1')).toBeUndefined(); // one purchase, regular at the time either way
    await http().post(`/v1/re-ratings/${preview.body.id}/post`).set(auth(OPS)).send({ reason: 'tier thresholds lowered' }).expect(403); // finance approves
    const posted = await http().post(`/v1/re-ratings/${preview.body.id}/post`).set(auth(FIN)).send({ reason: 'tier thresholds lowered' }).expect(200);
    expect(posted.body.posted).toMatchObject({ accepted: preview.body.deltas.length, rejected: [] });
    const after = (await http().get('/v1/accounts/SILVER-1').set(auth(OPS)).expect(200)).body.points.outstanding;
    expect(after - before).toBe(delta.deltaPoints);
    const ledger = (await http().get('/v1/accounts/SILVER-1/ledger').set(auth(FIN)).expect(200)).body.entries;
    expect(ledger[ledger.length - 1]).toMatchObject({ type: 'PointsAdjusted', event: { reasonCode: 'RE-RATING', points: delta.deltaPoints } });
    expect((await http().post(`/v1/re-ratings/${preview.body.id}/post`).set(auth(FIN)).send({ reason: 'again' }).expect(409)).body.code).toBe(
      'RERATING.ALREADY_POSTED',
    );
    const again = await http().post('/v1/re-ratings').set(auth(OPS)).send({ candidateVersion: 2, from: '2026-09-01T00:00:00Z' }).expect(201);
    expect(again.body.deltas).toEqual([]);
  });

  it('runs a replay from the CLI against the running API, following its progress to the impact report', async () => {
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const config = loadConfig({ LEDGER_STORE: 'memory' });
    expect(await runCli(['replay', 'start', '--candidate', '2', '--throttle', '5000', '--url', url, '--api-key', OPS], config, io)).toBe(0);
    const replay = JSON.parse(out.join(''));
    expect(replay.status).toBe('ready');
    expect(replay.throttleEventsPerSecond).toBe(5000);
    expect(replay.impact.tierTransitions).toEqual(expect.arrayContaining([{ from: 'silver', to: 'gold', customers: 1 }]));
    expect(err.join('')).toMatch(/^replay r-\d{14}-[0-9a-f]{6} started/);
    expect(await runCli(['replay', 'promote', 'not-an-id', '--url', url, '--api-key', OPS], config, io)).toBe(2);
    expect(await runCli(['replay', 'start', '--candidate', '9', '--url', url, '--api-key', OPS], config, io)).toBe(2);
    expect(err.join('')).toContain('RULES.VERSION_NOT_FOUND');
  });
});

describe('operations: replays are admitted, not just started', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createApp(
      loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: `${OPS}:ops,${INGEST}:ingest`, LOYALTY_MAX_CONCURRENT_REPLAYS: '5' }),
      new JsonLogger('error', () => undefined),
    );
    await initApp(app);
    for (let i = 0; i < 150; i++) {
      await http()
        .post('/v1/purchases')
        .set(auth(INGEST))
        .send({ orderId: `A-${i}`, customerId: `C-${i % 30}`, occurredAt: '2026-10-01T10:00:00Z', currency: 'JPY', amount: 10_000 })
        .expect(201);
    }
    await http().post('/v1/rules').set(auth(OPS)).send(candidateRules()).expect(201);
  });
  afterAll(async () => app.close());

  it('refuses the sixth concurrent replay; a cancelled one stops, keeps its record, leaves no state behind and frees its place', async () => {
    // Given five replays catching up slowly (100 events a second over a few hundred entries)
    const start = () => http().post('/v1/replays').set(auth(OPS)).send({ candidateVersion: 2, throttleEventsPerSecond: 100 });
    const running: string[] = [];
    for (let i = 0; i < 5; i++) running.push((await start().expect(202)).body.id as string);

    // When a sixth is asked for, then it is refused, saying why and which run
    const sixth = await start().expect(409);
    expect(sixth.body).toMatchObject({ code: 'REPLAY.TOO_MANY_RUNNING', detail: expect.stringContaining(running[0]) });

    // When one is cancelled (DELETE, or POST .../cancel)
    const [first, second] = running;
    const cancelled = await http().delete(`/v1/replays/${first}`).set(auth(OPS)).expect(200);
    expect(cancelled.body).toMatchObject({ id: first, status: 'cancelled' });
    await http().post(`/v1/replays/${second}/cancel`).set(auth(OPS)).expect(200);

    // Then nothing of them is left in the read store, their records say cancelled, and the audit trail says who
    const store = app.get<ProjectionStore>(PROJECTION_STORE);
    for (const key of [...Object.values(cancelled.body.keys as Record<string, string>)]) {
      expect(await store.checkpoint(key)).toBe(0n);
      const left: unknown[] = [];
      for await (const entry of store.entries(key)) left.push(entry);
      expect(left).toEqual([]);
    }
    expect((await http().get(`/v1/replays/${first}`).set(auth(OPS)).expect(200)).body.status).toBe('cancelled');
    const trail = (await http().get('/v1/operations/audit-trail').set(auth(OPS)).expect(200)).body as { action: string; subject: string; actor: string }[];
    expect(trail.filter((e) => e.action === 'replay.cancelled').map((e) => e.subject)).toEqual(expect.arrayContaining([first, second]));
    // ... and a new replay is admitted in their place
    running.push((await start().expect(202)).body.id as string);
    for (const id of running.slice(2)) await http().delete(`/v1/replays/${id}`).set(auth(OPS)).expect(200);
  });

  it('starts a replay without a throttle at the configured default one; cancelling it once caught up drops the states it wrote', async () => {
    // Given a replay started without a throttle, caught up (its states written, following the ledger)
    const started = await http().post('/v1/replays').set(auth(OPS)).send({ candidateVersion: 2 }).expect(202);
    expect(started.body.throttleEventsPerSecond).toBe(20_000);
    const id = started.body.id as string;
    let replay = started.body;
    for (let tries = 0; replay.status === 'running' && tries < 500; tries++) replay = (await http().get(`/v1/replays/${id}`).set(auth(OPS)).expect(200)).body;
    expect(replay.status).toBe('ready');
    const store = app.get<ProjectionStore>(PROJECTION_STORE);
    const states = async (key: string) => {
      const found: unknown[] = [];
      for await (const entry of store.entries(key)) found.push(entry);
      return found.length;
    };
    const keys = Object.values(replay.keys as Record<string, string>);
    for (const key of keys) expect(await states(key)).toBe(30);

    // When it is cancelled
    await http().delete(`/v1/replays/${id}`).set(auth(OPS)).expect(200);

    // Then its states and checkpoints are gone; live reads and writes go on
    for (const key of keys) {
      expect(await states(key)).toBe(0);
      expect(await store.checkpoint(key)).toBe(0n);
    }
    await http()
      .post('/v1/purchases')
      .set(auth(INGEST))
      .send({ orderId: 'A-after', customerId: 'C-1', occurredAt: '2026-10-02T10:00:00Z', currency: 'JPY', amount: 10_000 })
      .expect(201);
    for (const key of keys) expect(await states(key)).toBe(0); // nothing follows the ledger into them any more
  });
});
