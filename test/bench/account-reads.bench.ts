// GET /v1/accounts/{id} of the real app (embedded default, its own process) over 100,000
// customers, by an open-loop load generator in a third process (latency from the scheduled send
// time): cold (just started) and warm, with and without Kafka ingestion at a fixed rate; and the
// saturation rate of the account route next to a bare NestJS route returning a constant.
// Targets (2 cores): p99 <= 10 ms at 1,000 req/s with ingestion on; account saturation >= 0.7 of the bare route's.
//   node ... run-all.js --only=account-reads [--customers=100000] [--purchases=500000] [--rate=1000] [--seconds=30]
//     [--phases=bare,app,kafka] (a subset to iterate on one: the others print "skipped")
//     [--app-node-flags="--trace-gc --cpu-prof ..."] [--app-log=FILE] (the app's stdout of each phase appended there)
//     [--slow-log=FILE] (each read slower than 1 s: when it was scheduled, sent, given a socket and answered)
import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter, type CommandEnvelope } from '@loyalty/ledger-application';
import { LOYALTY_TOPICS, LoyaltyProducer } from '@loyalty/kafka-contracts';
import { auditKey, LedgerSealer } from '@loyalty/finance-audit';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload } from '@loyalty/workload-generator';
import { spawnCompiled, type ChildHandle } from '../support/child-process';
import { benchDir, fmt, numberArg, report, stringArg } from './bench-support';
import type { LoadOptions, LoadResult } from './http-load';

const root = join(__dirname, '..', '..', '..');
const API_KEY = 'bench-reader-key-0123456789';
const SKIPPED = 'skipped (--phases)';
// For looking into a run: node's own flags for the app, a file for its stdout, one for the reads slower than 1 s.
const APP_NODE_FLAGS = stringArg('app-node-flags', '').split(' ').filter(Boolean);
const APP_LOG = stringArg('app-log', '');
const SLOW_LOG = stringArg('slow-log', '');
const AUDIT_KEY = 'bench-audit-key-0123456789abcdef';

export async function benchAccountReads(): Promise<void> {
  const customers = numberArg('customers', 100_000);
  const purchases = numberArg('purchases', 500_000);
  const ratePerSecond = numberArg('rate', 1_000);
  const seconds = numberArg('seconds', 30);
  const ingestRate = numberArg('ingest-rate', 1_000);
  // --data-dir=<path>: a seeded folder kept between runs (seeded there the first time).
  const kept = stringArg('data-dir', '');
  const phases = new Set(stringArg('phases', 'bare,app,kafka').split(','));
  const unknown = [...phases].filter((p) => !['bare', 'app', 'kafka'].includes(p));
  if (unknown.length) throw new Error(`--phases takes bare, app and kafka; got ${unknown.join(', ')}`);
  const { dir, cleanup } = kept ? { dir: kept, cleanup: () => undefined } : benchDir('account-reads');
  try {
    const accountsFile = join(dir, 'bench-accounts.json');
    let seeded: string[];
    if (existsSync(accountsFile)) seeded = JSON.parse(readFileSync(accountsFile, 'utf8')) as string[];
    else {
      process.stderr.write(`  seeding ${fmt(customers)} accounts (${fmt(purchases)} purchases)\n`);
      seeded = await seedLedger(join(dir, 'ledger.sqlite'), customers, purchases);
      writeFileSync(accountsFile, JSON.stringify(seeded));
    }
    const paths = shuffled(seeded).map((id) => `/v1/accounts/${encodeURIComponent(id)}`);
    const load = (options: Partial<LoadOptions> & Pick<LoadOptions, 'mode' | 'port' | 'paths'>) =>
      runLoadChild({
        host: '127.0.0.1',
        headers: { authorization: `Bearer ${API_KEY}` },
        durationMs: seconds * 1000,
        ...(SLOW_LOG ? { slowLog: SLOW_LOG } : {}),
        ...options,
      });

    // 1. Bare NestJS routes: the ceiling of the HTTP stack on this machine, on Fastify (the ledger's) and Express.
    const bareSaturation = phases.has('bare') ? await saturateBare('fastify', load) : null;
    const bareExpress = phases.has('bare') ? await saturateBare('express', load) : null;

    // 2. The app without Kafka: cold (first requests after start), warm, saturation.
    const port = 3950 + Math.floor(Math.random() * 40);
    const env = appEnv(dir, port);
    let liveAfterMs: number | string = SKIPPED;
    let readyAfterMs: number | string = liveAfterMs;
    let cold: LoadResult | null = null;
    let warm: LoadResult | null = null;
    let accountSaturation: LoadResult | null = null;
    if (phases.has('app')) {
      const started = performance.now();
      const first = await startApp(env, port);
      liveAfterMs = first.liveAfterMs;
      // Cold: at once, while the account cache warms (reads of accounts not yet in it fold them).
      cold = await load({ mode: 'open', port, paths, rate: ratePerSecond });
      readyAfterMs = await waitForStatus(port, '/health/ready', started);
      warm = await load({ mode: 'open', port, paths, rate: ratePerSecond });
      accountSaturation = await load({ mode: 'saturate', port, paths, connections: 32, durationMs: 10_000 });
      await stopApp(first.app);
    }

    // 3. With Kafka ingestion: purchases produced at a fixed rate while the reads go on; sealing
    //    every 10 s (the default), then not at all: the seal interval's cost. The app is restarted
    //    for each: the first 30 s are a restart's (the cache warm, the process cold: its JIT, its
    //    connections, ingestion's first decisions), the next 30 s, ingestion still running, warm.
    let withIngestion: LoadResult | null = null;
    let withIngestionUnsealed: LoadResult | null = null;
    let restartedWithIngestion: LoadResult | null = null;
    let restartedWithIngestionUnsealed: LoadResult | null = null;
    let ingested = 0;
    const kafkaSkipped = process.env.BENCH_SKIP_KAFKA === '1' ? 'skipped (BENCH_SKIP_KAFKA=1)' : SKIPPED;
    let sealCost = kafkaSkipped;
    let sealCostIngestionOnly = sealCost;
    if (process.env.BENCH_SKIP_KAFKA !== '1' && phases.has('kafka')) {
      const started = spawnSync(join(root, 'infra', 'kafka', 'kafka.sh'), ['start'], { stdio: 'inherit' });
      if (started.status !== 0) throw new Error('could not start Kafka (infra/kafka/kafka.sh start)');
      const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
      const ingestionPhase = async (sealSeconds: number, withReads = true) => {
        const prefix = `reads${randomUUID().slice(0, 8)}.`;
        const kafkaStarted = performance.now();
        const { app } = await startApp(
          {
            ...env,
            LOG_LEVEL: 'info',
            LOYALTY_SEAL_INTERVAL_SECONDS: String(sealSeconds),
            KAFKA_BROKERS: brokers,
            KAFKA_TOPIC_PREFIX: prefix,
            KAFKA_GROUP_ID: `${prefix}ledger`,
          },
          port,
        );
        await waitForStatus(port, '/health/ready', kafkaStarted);
        const phaseSeconds = withReads ? 2 * seconds : seconds;
        const producing = produceAtRate(brokers, `${prefix}${LOYALTY_TOPICS.purchases}`, ingestRate, phaseSeconds * 1000 + 2000);
        const restarted = withReads ? await load({ mode: 'open', port, paths, rate: ratePerSecond }) : null;
        const warm = withReads ? await load({ mode: 'open', port, paths, rate: ratePerSecond }) : null;
        const produced = await producing;
        const seals = app.lines
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { msg?: string; reason?: string; events?: number; ms?: number })
          .filter((l) => l.msg === 'ledger sealed' && l.reason === 'interval');
        await stopApp(app);
        return { restarted, warm, produced, seals: { seals, seconds: phaseSeconds } };
      };
      const costOf = ({ seals, seconds }: { seals: { events?: number; ms?: number }[]; seconds: number }) => {
        const ms = seals.reduce((n, s) => n + (s.ms ?? 0), 0);
        const events = seals.reduce((n, s) => n + (s.events ?? 0), 0);
        return seals.length === 0
          ? `no seal finished within the ${seconds} s (the event loop was saturated)`
          : `${seals.length} seals in ${seconds} s, ${fmt(events)} entries hashed, ${fmt(ms)} ms in all (${((ms / (seconds * 1000)) * 100).toFixed(1)}% of the run), longest ${Math.max(0, ...seals.map((s) => s.ms ?? 0))} ms`;
      };
      const sealed = await ingestionPhase(10);
      ({ restarted: restartedWithIngestion, warm: withIngestion, produced: ingested } = sealed);
      sealCost = costOf(sealed.seals);
      ({ restarted: restartedWithIngestionUnsealed, warm: withIngestionUnsealed } = await ingestionPhase(0));
      // The seal's own cost on ingestion, reads aside: the same ingestion, sealing every 10 s.
      sealCostIngestionOnly = costOf((await ingestionPhase(10, false)).seals);
    }

    const ratio = accountSaturation && bareSaturation ? accountSaturation.achievedPerSecond / bareSaturation.achievedPerSecond : null;
    const line = (r: LoadResult | null, skipped = SKIPPED) =>
      r
        ? `${fmt(r.achievedPerSecond)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms, errors ${r.errors + (r.statuses['5xx'] ?? 0)} (${Object.entries(
            r.statuses,
          )
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(', ')}); p99 by 5 s: ${r.p99By5sMs.join(' / ')} ms`
        : skipped;
    report(`account reads: GET /v1/accounts/{id} over ${fmt(seeded.length)} accounts, open loop at ${fmt(ratePerSecond)} req/s for ${seconds} s`, {
      'HTTP answering after start (ms)': liveAfterMs,
      'ready (account cache warm) after (ms)': readyAfterMs,
      'cold (from the first answer, warming)': line(cold),
      warm: line(warm),
      [`restarted + Kafka ingestion ${fmt(ingestRate)}/s, sealing every 10 s (first ${seconds} s)`]: line(restartedWithIngestion, kafkaSkipped),
      [`warm + Kafka ingestion ${fmt(ingestRate)}/s, sealing every 10 s (next ${seconds} s)`]: line(withIngestion, kafkaSkipped),
      'purchases produced meanwhile': ingested,
      'seal cost during ingestion and reads': sealCost,
      [`seal cost during ingestion alone (${fmt(ingestRate)} purchases/s, sealing every 10 s)`]: sealCostIngestionOnly,
      [`restarted + Kafka ingestion ${fmt(ingestRate)}/s, no sealing (first ${seconds} s)`]: line(restartedWithIngestionUnsealed, kafkaSkipped),
      [`warm + Kafka ingestion ${fmt(ingestRate)}/s, no sealing (next ${seconds} s)`]: line(withIngestionUnsealed, kafkaSkipped),
      'saturation, account route (32 conn)': line(accountSaturation),
      'saturation, bare NestJS route (fastify)': line(bareSaturation),
      'saturation, bare NestJS route (express)': line(bareExpress),
      'account / bare saturation': ratio === null ? SKIPPED : ratio.toFixed(2),
      target: 'p99 <= 10 ms at 1,000 req/s with ingestion; ratio >= 0.70',
      verdict:
        withIngestion && ratio !== null
          ? withIngestion.p99Ms <= 10 && withIngestion.achievedPerSecond >= ratePerSecond * 0.98 && ratio >= 0.7
            ? 'MET'
            : 'NOT MET'
          : 'not judged (a phase was skipped)',
    });
  } finally {
    cleanup();
  }
}

async function saturateBare(
  platform: 'fastify' | 'express',
  load: (options: Partial<LoadOptions> & Pick<LoadOptions, 'mode' | 'port' | 'paths'>) => Promise<LoadResult>,
): Promise<LoadResult> {
  const port = 3900 + Math.floor(Math.random() * 50);
  const bare = spawnCompiled('test/bench/bare-nest-app.js', [String(port), platform]);
  await bare.waitForLine(/bare nest listening/);
  await load({ mode: 'saturate', port, paths: ['/bare'], connections: 32, durationMs: 3000 }); // warm-up
  const result = await load({ mode: 'saturate', port, paths: ['/bare'], connections: 32, durationMs: 10_000 });
  bare.child.kill('SIGTERM');
  await bare.exited;
  return result;
}

function appEnv(dir: string, port: number): Record<string, string> {
  return {
    PORT: String(port),
    LOYALTY_DATA_DIR: dir,
    LOYALTY_API_KEYS: `${API_KEY}:redeem+finance+ops+ingest`,
    LOYALTY_AUDIT_KEY: AUDIT_KEY,
    LOG_LEVEL: 'warn',
    LOYALTY_EXPIRY_INTERVAL_SECONDS: '0',
    NODE_OPTIONS: '--max-semi-space-size=64',
  };
}

/** Starts the app; resolves once it answers HTTP (/health/live), with the time that took. */
async function startApp(env: Record<string, string>, port: number): Promise<{ app: ChildHandle; liveAfterMs: number }> {
  const started = performance.now();
  const app = spawnCompiled('apps/api/src/main.js', [], env, APP_NODE_FLAGS);
  await Promise.race([
    waitForStatus(port, '/health/live', started),
    app.exited.then(({ code, signal, stderr }) => {
      throw new Error(`the app exited (${code ?? signal}) before it answered: ${stderr.slice(-2000)}`);
    }),
  ]);
  return { app, liveAfterMs: Math.round(performance.now() - started) };
}

/** Polls a health path until it answers 200; the ms since `since`. */
async function waitForStatus(port: number, path: string, since: number): Promise<number> {
  for (let i = 0; i < 6000; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}${path}`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return Math.round(performance.now() - since);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} did not answer 200 within 5 minutes`);
}

async function stopApp(app: ChildHandle): Promise<void> {
  app.child.kill('SIGTERM');
  await app.exited;
  if (APP_LOG) appendFileSync(APP_LOG, app.lines.join('\n') + '\n');
}

async function runLoadChild(options: LoadOptions): Promise<LoadResult> {
  const file = join(tmpdir(), `http-load-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(options));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'http-load.js'), file], { maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout) as LoadResult;
  } finally {
    rmSync(file, { force: true });
  }
}

/** Generated purchases (with enrolments) until every customer has an account; returns the account ids. */
async function seedLedger(file: string, customers: number, purchases: number): Promise<string[]> {
  const ledger = new SqliteEventStore({ file, synchronous: 'NORMAL' });
  const ruleBook = new RuleBook([defaultProgramRules()]);
  const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => new Date('2026-12-01T00:00:00Z') }, { cacheCapacity: customers });
  const ids = new Set<string>();
  let batch: CommandEnvelope[] = [];
  let index = 0;
  const flush = async () => {
    if (batch.length) await writer.executeBatch(batch);
    batch = [];
  };
  for (const { command } of generateWorkload({ seed: 11, customers, purchases, start: '2026-01-01T00:00:00Z', days: 320, enrolCustomers: true })) {
    ids.add(command.customerId);
    batch.push({ command, provenance: { channel: 'batch', batchId: 'seed', index: index++ } });
    if (batch.length === 5000) await flush();
  }
  // The customers the skewed workload left without a purchase: enrolled, so that each of them has an account.
  for (let n = 0; n < customers; n++) {
    const customerId = `CUST-${n}`;
    if (ids.has(customerId)) continue;
    ids.add(customerId);
    batch.push({
      command: { type: 'EnrolCustomer', customerId, enrolledAt: '2026-06-01T00:00:00Z' },
      provenance: { channel: 'batch', batchId: 'seed', index: index++ },
    });
    if (batch.length === 5000) await flush();
  }
  await flush();
  // Sealed as a running app would have sealed it: the bench measures the steady state, not a first seal of 1M entries.
  await new LedgerSealer(ledger, auditKey(AUDIT_KEY), () => new Date('2026-12-01T00:00:00Z')).seal();
  await ledger.close();
  return [...ids];
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 42;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Purchases produced to Kafka at a fixed rate (a send every 100 ms) for a while; resolves with the count. */
async function produceAtRate(brokers: string, topic: string, perSecond: number, durationMs: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-reads', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  // A seed of its own per phase: order ids already in the ledger with other contents would be refused (LEDGER.SOURCE_CONFLICT).
  const live = generateWorkload({
    seed: 1_000 + Math.floor(Math.random() * 1_000_000),
    customers: 50_000,
    purchases: 100_000_000,
    start: '2026-11-01T00:00:00Z',
    days: 30,
    customerPrefix: 'LIVE-',
    refundRate: 0,
    surveyRate: 0,
    supportRate: 0,
    duplicateRate: 0,
  });
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < durationMs) {
    const messages: { key: string; value: string }[] = [];
    const due = Math.round(((Date.now() - started) / 1000) * perSecond) - sent;
    for (let i = 0; i < due; i++) {
      const { command } = live.next().value as { command: { type: string } & Record<string, unknown> };
      if (command.type !== 'RecordPurchase') continue;
      const { type: _type, ...payload } = command;
      const built = LoyaltyProducer.buildMessage('purchase.recorded', payload as never, 'bench', {
        messageId: `live-${sent + i}`,
        occurredAt: payload.occurredAt as string,
      });
      messages.push({ key: built.message.key as string, value: built.message.value as string });
    }
    sent += due;
    if (messages.length) await producer.send({ topic, acks: -1, messages });
    await new Promise((r) => setTimeout(r, 100));
  }
  await producer.disconnect();
  return sent;
}

if (require.main === module) {
  benchAccountReads().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
