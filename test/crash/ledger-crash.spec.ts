// @needs build (left out of npm run test:unit)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InMemoryEventStore, SqliteEventStore, type StoredEvent } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { SeededRandom } from '@loyalty/workload-generator';
import { crashWorkload } from './crash-workload';

// CI size by default; CRASH_TEST_PURCHASES=200000 CRASH_TEST_KILLS=20 for a larger run.
const PURCHASES = Number(process.env.CRASH_TEST_PURCHASES ?? 6_000);
const KILLS = Number(process.env.CRASH_TEST_KILLS ?? 6);
const CUSTOMERS = Math.max(50, Math.round(PURCHASES / 10));
const SEED = 20261122;
const root = join(__dirname, '..', '..');
const writerScript = join(root, 'dist', 'test', 'crash', 'crash-writer.js');

interface RunResult {
  batches: number;
  completed: boolean;
}

/** Runs the writer; with killAfterBatches, SIGKILLs it after that many batches plus a random delay. */
function runWriter(file: string, killAfterBatches: number | null, random: SeededRandom): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', join(root, 'infra', 'node', 'register-paths.js'), writerScript, file, String(SEED), String(PURCHASES), String(CUSTOMERS)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let batches = 0;
    let completed = false;
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'done') completed = true;
      else if (line.startsWith('batch ')) batches++;
      if (killAfterBatches !== null && batches === killAfterBatches) {
        // Land the kill anywhere inside the next batch, not only between batches.
        setTimeout(() => child.kill('SIGKILL'), random.int(0, 15));
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve({ batches, completed });
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

function byStream(events: StoredEvent[]): Map<string, { eventId: string; type: string; data: unknown }[]> {
  const streams = new Map<string, { eventId: string; type: string; data: unknown }[]>();
  for (const e of events) {
    const list = streams.get(e.stream) ?? [];
    list.push({ eventId: e.eventId, type: e.type, data: e.data });
    streams.set(e.stream, list);
  }
  return streams;
}

async function readEverything(store: { readAll(after: bigint, limit: number): Promise<StoredEvent[]> }): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (let after = 0n; ;) {
    const page = await store.readAll(after, 5000);
    if (page.length === 0) return all;
    all.push(...page);
    after = page[page.length - 1].position;
  }
}

describe('crash safety of the embedded ledger', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(writerScript)) throw new Error(`${writerScript} is missing: run \`npm run build\` first (npm test does)`);
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'crash-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`SIGKILLed ${KILLS} times mid-write, every source is in the ledger exactly once, as if never interrupted`, async () => {
    const file = join(dir, 'ledger.sqlite');
    const random = new SeededRandom(SEED);
    const totalBatches = Math.ceil(crashWorkload(SEED, PURCHASES, CUSTOMERS).length / 250);
    let kills = 0;
    for (let i = 0; i < KILLS; i++) {
      const result = await runWriter(file, random.int(1, Math.max(1, totalBatches - 1)), random);
      if (!result.completed) kills++;
    }
    const final = await runWriter(file, null, random);
    expect(final.completed).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));

    // The same workload, uninterrupted, in memory: the reference ledger.
    const reference = new InMemoryEventStore();
    const ruleBook = new RuleBook([defaultProgramRules()]);
    await new LedgerWriter(reference, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') }).executeBatch(
      crashWorkload(SEED, PURCHASES, CUSTOMERS),
    );

    const crashed = new SqliteEventStore({ file });
    const crashedEvents = await readEverything(crashed);
    const referenceEvents = await readEverything(reference);
    await crashed.close();

    expect(new Set(crashedEvents.map((e) => e.eventId)).size).toBe(crashedEvents.length);
    expect(crashedEvents.length).toBe(referenceEvents.length);
    expect(byStream(crashedEvents)).toEqual(byStream(referenceEvents));

    // And by source: each purchase recorded exactly once.
    const purchases = crashedEvents.filter((e) => e.type === 'loyalty.purchase-recorded').map((e) => e.data.orderId as string);
    expect(new Set(purchases).size).toBe(purchases.length);
    expect(purchases.length).toBe(PURCHASES);
    console.info(`[crash] ${kills} kills, ${crashedEvents.length} events, ${purchases.length} purchases, identical to the uninterrupted ledger`);
  }, 300_000);
});
