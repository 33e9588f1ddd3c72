// Rebuilding the projections from position zero over a generated ledger, next to the raw read
// rate of the same store in the same run; then the replay-determinism check (stable hashes,
// twice on SQLite and once on PostgreSQL). Targets: >= 0.6 of the raw read rate; at 10M events
// the cost per event within 15% of 1M; memory bounded (events are streamed).
//   node ... projection-rebuild.bench.js --events=1000000     (or --events=10000000)
//   --rebuild-order=position rebuilds in global order instead of stream after stream (the default).
//   --projections=customer_profiles,balances chooses the projections and their order.
//   --heap-cap-mib=400 (default) rebuilds each projection again under that V8 heap cap; 0 skips it.
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore, type StreamOrderedCursor, type StreamOrderedPage } from '@loyalty/event-store';
import { LedgerWriter, type CommandEnvelope } from '@loyalty/ledger-application';
import { PostgresProjectionStore, ProjectionRunner, SqliteProjectionStore, type ProjectionStore } from '@loyalty/projection-runner';
import { balancesProjection, customerProfileProjection, projectionKey, type CustomerProjection } from '@loyalty/read-models';
import { canonicalJson, defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload } from '@loyalty/workload-generator';
import { benchDir, numberArg, peakRssMiB, rate, report, stringArg } from './bench-support';

const root = join(__dirname, '..', '..', '..');
const PROJECTIONS = [balancesProjection, customerProfileProjection] as CustomerProjection<unknown>[];

export async function benchProjectionRebuild(): Promise<void> {
  const targetEvents = numberArg('events', 1_000_000);
  const { dir, cleanup } = benchDir('projections');
  try {
    // The ledger: the full workload mix until about `targetEvents` events (built untimed, synchronous=NORMAL).
    // Built in a child process (with room for every account in its cache), so that the peak RSS
    // printed below is the rebuild's own. --ledger-file=<path> keeps the ledger for later runs and reuses it.
    const kept = stringArg('ledger-file', '');
    const ledgerFile = kept || join(dir, 'ledger.sqlite');
    if (!kept || !existsSync(kept)) {
      const built = spawnSync(
        process.execPath,
        [
          '--max-old-space-size=16384',
          '-r',
          join(root, 'infra', 'node', 'register-paths.js'),
          __filename,
          `--build-ledger-into=${ledgerFile}`,
          `--events=${targetEvents}`,
        ],
        { stdio: 'inherit' },
      );
      if (built.status !== 0) throw new Error(`building the ledger failed (exit ${built.status})`);
    }
    const ledger = new SqliteEventStore({ file: ledgerFile, synchronous: 'NORMAL' });
    const events = Number(await ledger.headPosition());

    // Raw reads: every event through readAll, no processing. The rebuild reads without metadata
    // (a projection folds data only), so that read is the baseline its ratio is taken against;
    // the whole-event read is printed beside it.
    const rawRead = async (includeMetadata: boolean) => {
      const started = performance.now();
      for (let after = 0n; ;) {
        const page = await ledger.readAll(after, 5000, { includeMetadata });
        if (page.length === 0) break;
        after = page[page.length - 1].position;
      }
      return performance.now() - started;
    };
    // The same events, stream after stream (the order of a stream-ordered rebuild): the store's
    // stream index, then each event's row, wherever in the file it was appended.
    const rawReadByStream = async () => {
      const started = performance.now();
      let read = 0;
      for (let after: StreamOrderedCursor | null = null; ;) {
        const page: StreamOrderedPage = await ledger.readByStream(after, { upTo: BigInt(events), maxStreams: 100, maxEvents: 5000, includeMetadata: false }); // the runner's page
        if (page.next === null) break;
        read += page.events.length;
        after = page.next;
      }
      if (read !== events) throw new Error(`the stream-ordered read gave ${read} events, not ${events}`);
      return performance.now() - started;
    };
    await rawRead(false); // warms the OS page cache, so that neither measured read pays for the first touch of the file
    const rawWholeMs = await rawRead(true);
    const rawMs = await rawRead(false);
    const rawByStreamMs = await rawReadByStream();

    const rebuildOrder = rebuildOrderArg();
    const rebuild = async (store: ProjectionStore, projection: CustomerProjection<unknown>) => {
      const started = performance.now();
      await new ProjectionRunner(ledger, store, projection, { batchSize: 5000, rebuildOrder }).catchUp();
      return performance.now() - started;
    };
    const figures: Record<string, string | number> = {
      'ledger events': events,
      'raw read, whole events (events/s)': rate(events, rawWholeMs),
      'raw read in position order, without metadata (events/s)': rate(events, rawMs),
      'raw read by stream, without metadata (events/s)': rate(events, rawByStreamMs),
      'rebuild order': rebuildOrder,
    };
    const rawOfRebuild = rebuildOrder === 'stream' ? rate(events, rawByStreamMs) : rate(events, rawMs);
    const hashes = new Map<string, string[]>();
    let slowest = Infinity;
    // --projections=customer_profiles,balances: which to rebuild, in that order (the later ones find less of the ledger in the OS page cache).
    const names = stringArg('projections', PROJECTIONS.map((p) => p.name).join(',')).split(',');
    const chosen = names.map((name) => PROJECTIONS.find((p) => p.name === name) ?? unknownProjection(name));
    for (const projection of chosen) {
      const store = new SqliteProjectionStore(join(dir, `${projection.name}.sqlite`));
      const ms = await rebuild(store, projection);
      const eventsPerSecond = rate(events, ms);
      slowest = Math.min(slowest, eventsPerSecond);
      figures[`rebuild ${projection.name} (events/s)`] = eventsPerSecond;
      figures[`rebuild ${projection.name} / raw read in position order`] = (eventsPerSecond / rate(events, rawMs)).toFixed(2);
      figures[`rebuild ${projection.name} / raw read in its own order`] = (eventsPerSecond / rawOfRebuild).toFixed(2);
      figures[`rebuild ${projection.name} (µs/event)`] = ((ms * 1000) / events).toFixed(2);
      hashes.set(projection.name, [await hashOf(store, projectionKey(projection))]);
      await store.close();
    }
    figures['peak RSS of the rebuilds (MiB)'] = peakRssMiB();
    // Memory bounded: each projection again, in a child process whose V8 heap is capped
    // (--heap-cap-mib=400 by default; 0 leaves it out). A rebuild that held the ledger would die.
    const heapCap = numberArg('heap-cap-mib', 400, { zeroAllowed: true });
    if (heapCap > 0) {
      const outcomes = chosen.map((projection) => {
        const args = [`--max-old-space-size=${heapCap}`, '--max-semi-space-size=64', '-r', join(root, 'infra', 'node', 'register-paths.js'), __filename];
        args.push(
          `--heap-capped-rebuild=${projection.name}`,
          `--ledger-file=${ledgerFile}`,
          `--into=${join(dir, `${projection.name}-capped.sqlite`)}`,
          `--rebuild-order=${rebuildOrder}`,
        );
        const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
        return child.status === 0
          ? `${projection.name} done, peak RSS ${child.stdout.trim()} MiB`
          : `${projection.name} FAILED (exit ${child.status ?? child.signal})`;
      });
      figures[`rebuild with the V8 heap capped at ${heapCap} MiB`] = outcomes.join('; ');
    }

    // Determinism: a second rebuild on SQLite, and one on PostgreSQL, give the same hash.
    // --determinism=sqlite leaves PostgreSQL out (the 10M run), --determinism=none skips the check.
    const determinism = stringArg('determinism', 'all');
    if (determinism === 'none') figures.determinism = 'not checked in this run (--determinism=none)';
    const pg = determinism !== 'all' ? null : spawnSync(join(root, 'infra', 'postgres', 'postgres.sh'), ['start'], { stdio: 'inherit' });
    const pgUrl = pg?.status === 0 ? spawnSync(join(root, 'infra', 'postgres', 'postgres.sh'), ['url'], { encoding: 'utf8' }).stdout.trim() : null;
    for (const projection of determinism === 'none' ? [] : chosen) {
      const again = new SqliteProjectionStore(join(dir, `${projection.name}-again.sqlite`));
      await rebuild(again, projection);
      hashes.get(projection.name)!.push(await hashOf(again, projectionKey(projection)));
      await again.close();
      if (pgUrl) {
        const postgres = new PostgresProjectionStore(pgUrl, `bench_${randomUUID().replace(/-/g, '').slice(0, 10)}`);
        const ms = await rebuild(postgres, projection);
        figures[`rebuild ${projection.name} on PostgreSQL (events/s)`] = rate(events, ms);
        hashes.get(projection.name)!.push(await hashOf(postgres, projectionKey(projection)));
        await postgres.close();
      }
    }
    for (const [name, list] of determinism === 'none' ? [] : hashes) {
      figures[`${name} hashes (sqlite, sqlite again${pgUrl ? ', postgres' : ''})`] = list.every((h) => h === list[0])
        ? `identical ${list[0].slice(0, 16)}…`
        : `DIFFERENT ${list.map((h) => h.slice(0, 8)).join(' ')}`;
    }
    figures.target = '>= 0.60 of the raw read without metadata; 10M cost/event within 15% of 1M (run both sizes)';
    figures.verdict = [
      `against the raw read in position order: ratio ${slowest / rate(events, rawMs) >= 0.6 ? 'MET' : 'NOT MET'}`,
      `against the raw read in the rebuild's own order (${rebuildOrder}): ratio ${slowest / rawOfRebuild >= 0.6 ? 'MET' : 'NOT MET'}`,
    ].join('; ');
    report(`projection rebuild (${events.toLocaleString()} events, SQLite ledger → read stores)`, figures);
    await ledger.close();
  } finally {
    cleanup();
  }
}

export async function buildLedger(ledger: SqliteEventStore, targetEvents: number): Promise<void> {
  const ruleBook = new RuleBook([defaultProgramRules()]);
  const purchases = Math.round(targetEvents / 2.3);
  const customers = Math.max(1000, Math.round(purchases / 10));
  // Every account stays cached while building (a miss re-reads the stream): it is the rebuild that is measured, not this.
  const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') }, { cacheCapacity: customers });
  let batch: CommandEnvelope[] = [];
  let index = 0;
  for (const item of generateWorkload({ seed: 4, customers, purchases, enrolCustomers: true, withLines: false })) {
    batch.push({ command: item.command, provenance: { channel: 'batch', batchId: 'bench', index: index++ } });
    if (batch.length === 5000) {
      await writer.executeBatch(batch);
      batch = [];
      process.stderr.write(`\r  building ledger: ${(await ledger.headPosition()).toLocaleString()} events`);
    }
  }
  if (batch.length) await writer.executeBatch(batch);
  process.stderr.write('\n');
}

/** --rebuild-order=position rebuilds in global order (as live following reads); the default reads stream after stream. */
function rebuildOrderArg(): 'stream' | 'position' {
  return stringArg('rebuild-order', 'stream') === 'position' ? 'position' : 'stream';
}

function unknownProjection(name: string): never {
  throw new Error(`--projections: no projection ${name} (${PROJECTIONS.map((p) => p.name).join(', ')})`);
}

async function hashOf(store: ProjectionStore, key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const [k, state] of store.entries(key)) hash.update(k).update(canonicalJson(state));
  return hash.digest('hex');
}

/** The child of the heap-capped run: one rebuild from zero into a fresh store; prints its peak RSS in MiB. */
async function heapCappedRebuild(name: string): Promise<void> {
  const projection = PROJECTIONS.find((p) => p.name === name) ?? unknownProjection(name);
  const ledger = new SqliteEventStore({ file: stringArg('ledger-file', ''), synchronous: 'NORMAL' });
  const store = new SqliteProjectionStore(stringArg('into', ''));
  await new ProjectionRunner(ledger, store, projection, { batchSize: 5000, rebuildOrder: rebuildOrderArg() }).catchUp();
  await Promise.all([store.close(), ledger.close()]);
  process.stdout.write(`${peakRssMiB()}\n`);
}

const buildInto = process.argv.find((a) => a.startsWith('--build-ledger-into='))?.split('=')[1];
const cappedRebuild = process.argv.find((a) => a.startsWith('--heap-capped-rebuild='))?.split('=')[1];
if (require.main === module && cappedRebuild) {
  heapCappedRebuild(cappedRebuild).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else if (require.main === module && buildInto) {
  const ledger = new SqliteEventStore({ file: buildInto, synchronous: 'NORMAL' });
  buildLedger(ledger, numberArg('events', 1_000_000))
    .then(() => ledger.close())
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
} else if (require.main === module) {
  benchProjectionRebuild().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
