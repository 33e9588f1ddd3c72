// @needs kafka, build (left out of npm run test:unit)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalJson } from '@loyalty/program-rules';
import { entryHash, metadataWithoutChain } from '@loyalty/ledger-application';
import { isolatedKafkaConfig } from '@loyalty/kafka-test-kit';
import { spawnCompiled, type ChildHandle } from '../support/child-process';

// The app as an operator runs it (dist/apps/api/src/main.js, a process of its own): what it
// leaves on disk, who may share its folder, how it restarts, and what it does when its ledger
// was tampered with while it was stopped.
const MAIN = join('apps', 'api', 'src', 'main.js');
const KEY = 'serving-admin-key-0123456789';
const AUDIT_KEY = 'serving-audit-key-0123456789abcdef';

let nextPort = 4100 + Math.floor(Math.random() * 500) * 2;
const freshPort = () => (nextPort += 1);

interface RunningApp {
  handle: ChildHandle;
  port: number;
  url: (path: string) => string;
}

function appEnv(dir: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: String(port),
    LOYALTY_DATA_DIR: dir,
    LOYALTY_API_KEYS: `${KEY}:admin`,
    LOYALTY_AUDIT_KEY: AUDIT_KEY,
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    KAFKA_BROKERS: '',
    ...extra,
  };
}

async function startApp(dir: string, extra: Record<string, string> = {}): Promise<RunningApp> {
  const port = freshPort();
  const handle = spawnCompiled(MAIN, [], appEnv(dir, port, extra));
  await handle.waitForLine(/loyalty ledger listening/, 30_000);
  return { handle, port, url: (path) => `http://127.0.0.1:${port}${path}` };
}

async function stopGracefully(app: RunningApp): Promise<void> {
  app.handle.child.kill('SIGTERM');
  const { code, signal, stderr } = await app.handle.exited;
  // Nest runs the shutdown hooks, then lets the signal end the process.
  if (code !== 0 && signal !== 'SIGTERM') throw new Error(`the app did not stop cleanly (${code ?? signal}): ${stderr.slice(-2000)}`);
  if (stderr.includes('"level":"error"') || stderr.includes('"level":"fatal"')) throw new Error(`the app logged errors while stopping: ${stderr.slice(-2000)}`);
}

const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const purchase = (orderId: string, customerId = 'C-REST') => ({ orderId, customerId, occurredAt: '2026-06-01T10:00:00Z', currency: 'JPY', amount: 12_000 });

async function post(app: RunningApp, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(app.url(path), { method: 'POST', headers: auth, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the app at rest and across restarts', () => {
  let root: string;
  beforeAll(() => {
    if (!existsSync(join(__dirname, '..', '..', 'dist', MAIN))) throw new Error('dist/ is missing the app: run `npm run build` first (npm test does)');
    root = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'at-rest-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('keeps its folder 0700 and every file 0600 under umask 000, and records key ids no one can recompute from the key alone', async () => {
    // Given a umask that would leave everything world-writable
    const dir = join(root, 'modes');
    const previous = process.umask(0o000);
    let app: RunningApp;
    try {
      mkdirSync(dir, { mode: 0o777 }); // and a folder someone made open to all
      app = await startApp(dir);
    } finally {
      process.umask(previous);
    }
    // When it writes
    expect((await post(app, '/v1/purchases', purchase('O-MODES'))).status).toBe(201);
    await stopGracefully(app);

    // Then the folder and everything in it are the owner's alone
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['ledger.sqlite', 'read-models.sqlite', 'operations.sqlite', 'http-idempotency.sqlite']));
    for (const file of files) expect({ file, mode: (statSync(join(dir, file)).mode & 0o777).toString(8) }).toEqual({ file, mode: '600' });

    // And the provenance's key id is not a hash of the key: the same key under another server secret gets another id
    const keyIdIn = (folder: string) => {
      const db = new Database(join(folder, 'ledger.sqlite'), { readonly: true });
      const metadata = (db.prepare("SELECT metadata FROM ledger_events WHERE metadata LIKE '%apiKeyId%' LIMIT 1").get() as { metadata: string }).metadata;
      db.close();
      return (JSON.parse(metadata) as { provenance: { apiKeyId: string } }).provenance.apiKeyId;
    };
    const keyId = keyIdIn(dir);
    expect(keyId).toMatch(/^[0-9a-f]{16}$/);
    const sha = createHash('sha256').update(KEY).digest('hex');
    expect(sha.startsWith(keyId) || sha.startsWith(keyId.slice(0, 12))).toBe(false);
    const other = join(root, 'modes-other-secret');
    const second = await startApp(other, { LOYALTY_AUDIT_KEY: 'another-audit-key-0123456789abcdef' });
    expect((await post(second, '/v1/purchases', purchase('O-MODES'))).status).toBe(201);
    await stopGracefully(second);
    expect(keyIdIn(other)).not.toBe(keyId);
  });

  it('refuses to start a second writer on the same folder, saying who holds it', async () => {
    const dir = join(root, 'one-writer');
    const first = await startApp(dir);
    try {
      // When a second process is started on the folder
      const second = spawnCompiled(MAIN, [], appEnv(dir, freshPort()));
      const { code, stderr } = await second.exited;
      // Then it refuses, and the first one goes on answering
      expect(code).toBe(1);
      expect(stderr).toContain('another process writes the embedded ledger');
      expect(stderr).toContain(`pid ${first.handle.child.pid}`);
      expect((await post(first, '/v1/purchases', purchase('O-ONE-WRITER'))).status).toBe(201);
    } finally {
      await stopGracefully(first);
    }
    // And once the first has stopped, the folder is free again
    const after = await startApp(dir);
    await stopGracefully(after);
  });

  it('after a SIGKILL with Kafka on, answers HTTP as soon as it has started, while readiness reports the consumer joining', async () => {
    // Given an app consuming from Kafka (the default 30 s session: a killed member holds its partitions until then)
    const kafka = isolatedKafkaConfig();
    const dir = join(root, 'kafka-restart');
    const env = { KAFKA_BROKERS: kafka.KAFKA_BROKERS, KAFKA_TOPIC_PREFIX: kafka.KAFKA_TOPIC_PREFIX, KAFKA_GROUP_ID: kafka.groupId() };
    const first = await startApp(dir, env);
    await first.handle.waitForLine(/kafka consumer joined its group/, 60_000);
    expect((await post(first, '/v1/purchases', purchase('O-BEFORE-KILL'))).status).toBe(201);

    // When it is killed and started again
    first.handle.child.kill('SIGKILL');
    await first.handle.exited;
    const port = freshPort();
    const restartedAt = performance.now();
    const handle = spawnCompiled(MAIN, [], appEnv(dir, port, env));
    const restarted: RunningApp = { handle, port, url: (path) => `http://127.0.0.1:${port}${path}` };
    let answeredAfterMs = -1;
    for (;;) {
      const res = await fetch(restarted.url('/v1/accounts/C-REST'), { headers: auth }).catch(() => null);
      if (res?.status === 200) {
        answeredAfterMs = performance.now() - restartedAt;
        expect(((await res.json()) as { points: { available: number } }).points.available).toBeGreaterThan(0);
        break;
      }
      if (performance.now() - restartedAt > 30_000) throw new Error('no answer within 30 s of the restart');
      await new Promise((r) => setTimeout(r, 25));
    }

    // Then it answered while the consumer was still joining: HTTP did not wait for the group (which
    // holds the killed member's partitions for the 30 s session). The target is 2 s from the
    // restart; most of it is Node loading the app's modules, which a machine running other test
    // suites at once slows several times over, so the bound here is the session, and the figure is printed.
    const ready = await fetch(restarted.url('/health/ready'));
    const readiness = (await ready.json()) as { details: { kafka: { status: string; state: string } } };
    const startedIn = (await restarted.handle.waitForLine(/loyalty ledger listening/)).match(/"startedInMs":(\d+)/)?.[1];
    console.info(
      `[restart] HTTP answered ${Math.round(answeredAfterMs)} ms after the restart (listening ${startedIn} ms after the process started); readiness ${ready.status}, kafka ${readiness.details.kafka.state}`,
    );
    expect(answeredAfterMs).toBeLessThan(20_000);
    expect(ready.status).toBe(503);
    expect(readiness.details.kafka).toMatchObject({ status: 'down', state: 'joining' });
    await stopGracefully(restarted);
  }, 120_000);

  it('refuses writes, with the reason, when an append-only trigger was dropped while it was stopped', async () => {
    const dir = join(root, 'trigger');
    const first = await startApp(dir);
    expect((await post(first, '/v1/purchases', purchase('O-TRIGGER-1'))).status).toBe(201);
    await stopGracefully(first);

    // Given a trigger dropped behind its back
    const db = new Database(join(dir, 'ledger.sqlite'));
    db.exec('DROP TRIGGER ledger_events_append_only_update');
    db.close();

    // When it starts again
    const app = await startApp(dir);
    try {
      // Then writes are refused with the reason; reads and readiness say so too
      const refused = await post(app, '/v1/purchases', purchase('O-TRIGGER-2'));
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({
        code: 'LEDGER.INTEGRITY_FAILED',
        detail: expect.stringContaining('trigger ledger_events_append_only_update is missing'),
      });
      const ready = await fetch(app.url('/health/ready'));
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toContain('ledger_events_append_only_update is missing');
      expect(await (await fetch(app.url('/metrics'))).text()).toMatch(/^ledger_integrity_ok 0$/m);
      expect((await fetch(app.url('/v1/accounts/C-REST'), { headers: auth })).status).toBe(200);
    } finally {
      await stopGracefully(app);
    }
  });

  it('seals at a graceful stop: the newest entry rewritten afterwards (chain recomputed, read models deleted) is found by verify', async () => {
    // Given an app that seals only at its stop within this test (the interval is an hour)
    const dir = join(root, 'shutdown-seal');
    const first = await startApp(dir, { LOYALTY_SEAL_INTERVAL_SECONDS: '3600' });
    for (let i = 0; i < 3; i++) expect((await post(first, '/v1/purchases', purchase(`O-SEAL-${i}`))).status).toBe(201);
    await stopGracefully(first);
    const signOff = first.handle.lines
      .map((l) => JSON.parse(l) as { msg?: string; anchor?: string; signOff?: { toPosition: string; entryHash: string } })
      .find((l) => l.anchor === 'ledger-seal-sign-off' && l.signOff);
    expect(signOff).toMatchObject({ msg: 'ledger sealed', signOff: { toPosition: expect.any(String), entryHash: expect.any(String) } });

    // When the newest account entry is rewritten with its chain recomputed, the triggers put back as they were, and the read models deleted
    const db = new Database(join(dir, 'ledger.sqlite'));
    const triggers = db.prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all();
    for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`);
    const row = db
      .prepare<[], { position: number; name: string; revision: number; id: string; type: string; schema_version: number; data: string; metadata: string }>(
        "SELECT e.position, s.name, e.revision, lower(hex(e.event_id)) AS id, e.type, e.schema_version, e.data, e.metadata FROM ledger_events e JOIN ledger_streams s USING (stream_id) WHERE s.name NOT LIKE '$%' ORDER BY e.position DESC LIMIT 1",
      )
      .get() as { position: number; name: string; revision: number; id: string; type: string; schema_version: number; data: string; metadata: string };
    const data = JSON.parse(row.data) as Record<string, unknown>;
    const forged = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'number' && v > 0 ? v * 10 : v]));
    expect(forged).not.toEqual(data);
    const metadata = JSON.parse(row.metadata) as Record<string, unknown> & { chain: { previous: string; hash: string } };
    const eventId = `${row.id.slice(0, 8)}-${row.id.slice(8, 12)}-${row.id.slice(12, 16)}-${row.id.slice(16, 20)}-${row.id.slice(20)}`;
    const hash = entryHash(metadata.chain.previous, {
      stream: row.name,
      revision: BigInt(row.revision),
      eventId,
      type: row.type,
      schemaVersion: row.schema_version,
      data: forged,
      metadata: metadataWithoutChain(metadata),
    });
    expect(hash).not.toBe(metadata.chain.hash);
    db.prepare('UPDATE ledger_events SET data = ?, metadata = ? WHERE position = ?').run(
      canonicalJson(forged),
      JSON.stringify({ ...metadataWithoutChain(metadata), chain: { previous: metadata.chain.previous, hash } }),
      row.position,
    );
    for (const t of triggers) db.exec(t.sql);
    db.close();
    for (const f of readdirSync(dir).filter((f) => f.startsWith('read-models.sqlite'))) rmSync(join(dir, f));

    // Then, restarted, the app serves (its safeguards look intact) but verify finds the rewrite: the shutdown seal covers it
    const app = await startApp(dir, { LOYALTY_SEAL_INTERVAL_SECONDS: '3600' });
    try {
      const report = await post(app, '/v1/audit/verify', {});
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({ ok: false, chain: { brokenStreams: 0 }, digests: { failed: 1 } });
    } finally {
      await stopGracefully(app);
    }
  });
});
