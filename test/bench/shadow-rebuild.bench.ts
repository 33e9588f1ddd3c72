// A shadow rebuild (replay) of every projection under a candidate rules version, over a
// generated ledger, while ingestion goes on at a fixed rate through the ledger writer (FULL
// durability) on the same store. Prints the replay's rate and the ingestion actually achieved.
//   node ... run-all.js --only=shadow-rebuild --events=1000000 [--ingest-rate=500] [--throttle=<events/s>] [--ledger-file=<path>]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { InMemoryOperationsStore, OperationsReadView, ReplayService, RulesCatalog } from '@loyalty/program-operations';
import { SqliteProjectionStore } from '@loyalty/projection-runner';
import { defaultProgramRules } from '@loyalty/program-rules';
import { benchDir, latencySummary, liveIngestion, numberArg, peakRssMiB, rate, report, stringArg } from './bench-support';
import { buildLedger } from './projection-rebuild.bench';

export async function benchShadowRebuild(): Promise<void> {
  const targetEvents = numberArg('events', 1_000_000);
  const ingestRate = numberArg('ingest-rate', 500);
  const throttleArg = stringArg('throttle', '');
  const { dir, cleanup } = benchDir('shadow-rebuild');
  try {
    const kept = stringArg('ledger-file', '');
    const ledgerFile = kept || join(dir, 'ledger.sqlite');
    if (!kept || !existsSync(kept)) {
      const building = new SqliteEventStore({ file: ledgerFile, synchronous: 'NORMAL' });
      await buildLedger(building, targetEvents);
      await building.close();
    }
    const ledger = new SqliteEventStore({ file: ledgerFile, synchronous: 'FULL' });
    const startHead = await ledger.headPosition();
    const projections = new SqliteProjectionStore(join(dir, 'read-models.sqlite'));
    const operations = new InMemoryOperationsStore();
    const clock = () => new Date();
    const base = defaultProgramRules();
    const catalog = new RulesCatalog(operations, [base], clock);
    await catalog.submit(
      { ...base, version: 2, tiers: { ...base.tiers, levels: base.tiers.levels.map((l) => (l.name === 'gold' ? { ...l, threshold: 200_000 } : l)) } },
      'bench',
    );
    const replays = new ReplayService(ledger, projections, operations, catalog, new OperationsReadView(operations, catalog), clock, {
      // Events done over all projections (a rebuild by stream reaches no position before its end).
      onProgress: (r) =>
        process.stderr.write(
          `\r  replay: ${r.progress.eventsDone.toLocaleString('en-US')} events applied, head ${r.progress.head} (${r.progress.ratePerSecond.toLocaleString('en-US')} events/s, ETA ${r.progress.etaSeconds ?? '?'} s)   `,
        ),
    });

    // Ingestion at a fixed rate: a batch every 100 ms, new purchases by customers old and new.
    const ruleBook = catalog.ruleBook();
    const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') });
    // Seeded by the ledger's head: a kept ledger (--ledger-file) gets new purchases, not the last run's again (those would all be duplicates).
    const ingestion = liveIngestion(writer, ingestRate, `LIVE-${startHead}-`, 99 + Number(startHead % 1_000_000n));

    const started = performance.now();
    const replay = await replays.start({ candidateVersion: 2, throttleEventsPerSecond: throttleArg ? Number(throttleArg) : undefined, actor: 'bench' });
    const mark = ingestion.mark();
    const settled = await replays.settled(replay.id);
    const ms = performance.now() - started;
    const during = ingestion.since(mark);
    await ingestion.stop();
    await replays.stop();
    process.stderr.write('\n');
    const events = settled.progress.eventsDone;
    report(
      `shadow rebuild (${Number(startHead).toLocaleString('en-US')} ledger events at start, ${Object.keys(settled.keys).length} projections) while ingesting`,
      {
        'replay status': settled.status,
        'events replayed (all projections)': events,
        'replay rate (events/s, all projections)': rate(events, ms),
        'replay rate (ledger events/s per pass)': rate(events / Object.keys(settled.keys).length, ms),
        'replay wall time (s)': (ms / 1000).toFixed(1),
        'ingestion target (purchases/s)': ingestRate,
        'ingestion achieved during replay (purchases/s)': rate(during.purchases, ms),
        'ingestion batch latency p50 / p99 / max (ms)': latencySummary(during.latencies),
        'ledger events appended during replay': Number((await ledger.headPosition()) - startHead),
        'ledger head at the end': Number(await ledger.headPosition()),
        'impact: customers evaluated': settled.impact?.customers ?? 0,
        'peak RSS (MiB)': peakRssMiB(),
      },
    );
    await projections.close();
    await ledger.close();
  } finally {
    cleanup();
  }
}

if (require.main === module) {
  benchShadowRebuild().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
