// The program-wide expiry job over the bench ledger (1M purchases by default) while live
// ingestion goes on through the same ledger writer at a fixed rate, with the projector following.
// Prints lots expired per second and the ingestion achieved while the job ran.
//   node ... run-all.js --only=expiry-job [--purchases=1000000] [--ingest-rate=1000] [--ledger-file=<path>]
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { ExpiryJob, InMemoryOperationsStore } from '@loyalty/program-operations';
import { ProjectionRunner, SqliteProjectionStore } from '@loyalty/projection-runner';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { balancesProjection } from '@loyalty/read-models';
import { benchDir, latencySummary, liveIngestion, numberArg, peakRssMiB, rate, report, stringArg } from './bench-support';
import { buildLedger } from './projection-rebuild.bench';

/** The clock of the bench: the generated year of purchases (2025) is past, and lots earned before 2025-06-01 are due. */
const NOW = new Date('2026-06-01T00:00:00Z');

export async function benchExpiryJob(): Promise<void> {
  const purchases = numberArg('purchases', 1_000_000);
  const ingestRate = numberArg('ingest-rate', 1_000);
  const { dir, cleanup } = benchDir('expiry-job');
  try {
    // A kept ledger (--ledger-file) is copied: the job writes expiries, and the next run needs them due again.
    const kept = stringArg('ledger-file', '');
    const ledgerFile = join(dir, 'ledger.sqlite');
    if (!kept || !existsSync(kept)) {
      const building = new SqliteEventStore({ file: kept || ledgerFile, synchronous: 'NORMAL' });
      await buildLedger(building, Math.round(purchases * 2.3));
      await building.close();
    }
    if (kept) copyFileSync(kept, ledgerFile);
    const ledger = new SqliteEventStore({ file: ledgerFile, synchronous: 'FULL' });
    const startHead = await ledger.headPosition();
    const projections = new SqliteProjectionStore(join(dir, 'read-models.sqlite'));
    const projector = new ProjectionRunner(ledger, projections, balancesProjection, { batchSize: 5000 });
    const rebuildStarted = performance.now();
    await projector.catchUp();
    const rebuildMs = performance.now() - rebuildStarted;
    await projector.start(); // follows the ledger live, as in the app, while the job and ingestion write

    const ruleBook = new RuleBook([defaultProgramRules()]);
    const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => NOW });
    const operations = new InMemoryOperationsStore();
    const job = new ExpiryJob(writer, projections, operations, () => NOW, {
      onBatch: (run) =>
        process.stderr.write(`\r  expiry: ${run.accounts.toLocaleString('en-US')} accounts, ${run.lotsExpired.toLocaleString('en-US')} lots expired   `),
    });

    const ingestion = liveIngestion(writer, ingestRate, `LIVE-${startHead}-`, 7 + Number(startHead % 1_000_000n));
    const mark = ingestion.mark();
    const started = performance.now();
    const run = await job.runOnce();
    const ms = performance.now() - started;
    const during = ingestion.since(mark);
    await ingestion.stop();
    await projector.stop();
    process.stderr.write('\n');
    if (!run) throw new Error('the expiry job did not run');
    report(
      `expiry job over ${Number(startHead).toLocaleString('en-US')} ledger events (${purchases.toLocaleString('en-US')} purchases), cut-off ${NOW.toISOString()}, while ingesting`,
      {
        'balances read model built from zero (s)': (rebuildMs / 1000).toFixed(1),
        'accounts with a lot due (decided)': run.accounts,
        'lots expired': run.lotsExpired,
        'points expired': run.pointsExpired,
        'job wall time (s)': (ms / 1000).toFixed(1),
        'lots expired per second': rate(run.lotsExpired, ms),
        'accounts per second': rate(run.accounts, ms),
        'ingestion target (purchases/s)': ingestRate,
        'ingestion achieved during the job (purchases/s)': rate(during.purchases, ms),
        'ingestion batch latency p50 / p99 / max (ms)': latencySummary(during.latencies),
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
  benchExpiryJob().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
