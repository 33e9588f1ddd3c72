// `loyalty import history` against the ingestion benchmark's own path: the same purchases
// written by the ledger writer's batch path in this process (the baseline), then imported from
// an NDJSON file by the command, in its own process, into a fresh data folder. Prints rows/s of
// both, their ratio (target: at least 0.9), the command's peak RSS, and the CLI's start time.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter, type CommandEnvelope } from '@loyalty/ledger-application';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload } from '@loyalty/workload-generator';
import { benchDir, numberArg, peakRssMiB, rate, report } from './bench-support';

const root = join(__dirname, '..', '..', '..'); // dist/test/bench -> the repository
const bin = join(root, 'bin', 'loyalty.js');

export async function benchHistoryImport(): Promise<void> {
  const purchases = numberArg('import-rows', 1_000_000);
  const customers = numberArg('customers', Math.max(1_000, Math.round(purchases / 10)));
  const batchSize = 2_000; // the import's default batch
  const withBaseline = !process.argv.includes('--without-baseline');
  // The ingestion path's own rate, measured on the first rows of the same workload (at most 1M:
  // beyond, its rate falls with the accounts folded from disk, and the ratio would flatter the import).
  const baselineRows = Math.min(purchases, numberArg('baseline-rows', 1_000_000));
  const { dir, cleanup } = benchDir('import');
  try {
    // The file, in the Kafka payload shape (one purchase a line), written as it is generated.
    const file = join(dir, 'purchases.ndjson');
    const out = createWriteStream(file);
    let written = 0;
    for (const { command } of generateWorkload({ seed: 7, customers, purchases, refundRate: 0, surveyRate: 0, supportRate: 0, duplicateRate: 0 })) {
      const { type: _type, ...payload } = command;
      if (!out.write(`${JSON.stringify(payload)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      written++;
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));

    const figures: Record<string, string | number> = { 'rows in the file': written };
    let baselineRate = 0;
    if (withBaseline) {
      const envelopes: CommandEnvelope[] = [];
      let index = 0;
      for (const { command } of generateWorkload({ seed: 7, customers, purchases, refundRate: 0, surveyRate: 0, supportRate: 0, duplicateRate: 0 })) {
        if (index >= baselineRows) break;
        envelopes.push({ command, provenance: { channel: 'batch', batchId: 'bench', index: index++ } });
      }
      const store = new SqliteEventStore({ file: join(dir, 'baseline.sqlite'), synchronous: 'FULL' });
      const ruleBook = new RuleBook([defaultProgramRules()]);
      const writer = new LedgerWriter(store, { current: () => ruleBook }, { now: () => new Date() }, { cacheCapacity: 100_000 });
      const start = performance.now();
      for (let i = 0; i < envelopes.length; i += batchSize) {
        await writer.executeBatch(envelopes.slice(i, i + batchSize));
        if ((i / batchSize) % 50 === 0) process.stderr.write(`\r  baseline ${i.toLocaleString()} / ${envelopes.length.toLocaleString()}`);
      }
      baselineRate = rate(envelopes.length, performance.now() - start);
      process.stderr.write('\n');
      await store.close();
      figures[`ingestion path (writer batches, first ${envelopes.length.toLocaleString()} rows), rows/s`] = baselineRate;
      figures['baseline process peak RSS MiB'] = peakRssMiB();
    }

    // --import-heap-mib: the command's V8 old-space limit (what an operator sets through NODE_OPTIONS for a bounded import).
    const heapMiB = numberArg('import-heap-mib', 0, { zeroAllowed: true });
    const heapFlags = heapMiB > 0 ? [`--max-old-space-size=${heapMiB}`] : [];
    if (heapMiB > 0) figures['import command V8 old-space limit MiB'] = heapMiB;
    const started = performance.now();
    const run = spawnSync(process.execPath, ['--max-semi-space-size=64', ...heapFlags, bin, 'import', 'history', file, '--type', 'purchase.recorded'], {
      env: { ...process.env, LOYALTY_DATA_DIR: join(dir, 'data'), LOYALTY_PROGRESS_INTERVAL_MS: '10000' },
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    });
    const importMs = performance.now() - started;
    if (run.status !== 0) throw new Error(`the import failed (exit ${run.status}): ${run.stdout.toString()}`);
    const summary = JSON.parse(run.stdout.toString()) as {
      total: { rowsRead: number; applied: number; rejected: number; rowsPerSecond: number };
      peakRssMiB: number;
    };
    if (summary.total.applied !== written) throw new Error(`expected ${written} rows applied, got ${JSON.stringify(summary.total)}`);
    const importRate = rate(written, importMs);
    figures['import command, rows/s (whole process)'] = importRate;
    figures['import command, rows/s (its own summary)'] = summary.total.rowsPerSecond;
    if (withBaseline) figures['ratio to the ingestion path (target >= 0.9)'] = (importRate / baselineRate).toFixed(2);
    figures['import command peak RSS MiB'] = summary.peakRssMiB;

    // How fast the command line answers: --help, and a command that opens the stores.
    const startTimes = (args: string[]) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, LOYALTY_DATA_DIR: join(dir, 'data') }, stdio: 'ignore' });
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      return `min ${Math.round(times[0])} ms, median ${Math.round(times[2])} ms, max ${Math.round(times[4])} ms`;
    };
    figures['`loyalty --help`'] = startTimes(['--help']);
    figures['`loyalty rules list`'] = startTimes(['rules', 'list']);
    report(`history import (${written.toLocaleString()} purchases, ${customers.toLocaleString()} customers, NDJSON, SQLite FULL)`, figures);
  } finally {
    cleanup();
  }
}
