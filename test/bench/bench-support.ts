import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandEnvelope, LedgerWriter } from '@loyalty/ledger-application';
import { generateWorkload } from '@loyalty/workload-generator';

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function benchDir(name: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `loyalty-bench-${name}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A number flag (`--name=`, or `BENCH_NAME`); positive, or also 0 where 0 means "leave it out". */
export function numberArg(name: string, fallback: number, { zeroAllowed = false } = {}): number {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  const env = process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const raw = flag ? flag.split('=')[1] : env;
  const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed))
    throw new Error(`--${name} must be a ${zeroAllowed ? 'positive number or 0' : 'positive number'}, got ${raw}`);
  return value;
}

export function stringArg(name: string, fallback: string): string {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  return flag ? flag.slice(name.length + 3) : (process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback);
}

/** One line a figure, for people and for grep. */
export function report(bench: string, figures: Record<string, string | number>): void {
  console.log(`\n== ${bench} ==`);
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(38)} ${typeof v === 'number' ? fmt(v) : v}`);
  // The V8 heap flags change the figures (npm run bench sets a 64 MiB young generation, as npm start does).
  console.log(`${'node heap flags'.padEnd(38)} ${process.execArgv.filter((a) => /space-size/.test(a)).join(' ') || 'defaults'}`);
}

/**
 * Purchases written through the ledger writer at a fixed rate while a benchmark measures
 * something else: a batch every 100 ms (closed loop per tick: a batch is awaited, then the next
 * is sent when due), by generated customers of their own. `stop` ends it; `during` counts
 * purchases and batch latencies from a mark.
 */
export function liveIngestion(writer: LedgerWriter, ratePerSecond: number, customerPrefix: string, seed: number) {
  const live = generateWorkload({ seed, customers: 50_000, purchases: 100_000_000, customerPrefix, withLines: false });
  let ingesting = true;
  let ingested = 0;
  let index = 0;
  const latencies: number[] = [];
  const loop = (async () => {
    const perTick = Math.max(1, Math.round(ratePerSecond / 10));
    const started = Date.now();
    while (ingesting) {
      const batch: CommandEnvelope[] = [];
      for (let i = 0; i < perTick; i++) batch.push({ command: live.next().value.command, provenance: { channel: 'batch', batchId: 'live', index: index++ } });
      const sent = performance.now();
      await writer.executeBatch(batch);
      latencies.push(performance.now() - sent);
      ingested += batch.length;
      await new Promise((r) => setTimeout(r, Math.max(0, started + (ingested / ratePerSecond) * 1000 - Date.now())));
    }
  })();
  return {
    mark: () => ({ ingested, batches: latencies.length }),
    /** Purchases and sorted batch latencies (ms) since the mark. */
    since(mark: { ingested: number; batches: number }) {
      return { purchases: ingested - mark.ingested, latencies: latencies.slice(mark.batches).sort((a, b) => a - b) };
    },
    async stop(): Promise<void> {
      ingesting = false;
      await loop;
    },
  };
}

/** p50 / p99 / max of sorted latencies, in ms. */
export function latencySummary(sorted: readonly number[]): string {
  if (sorted.length === 0) return 'n/a';
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);
  return `${at(0.5)} / ${at(0.99)} / ${sorted[sorted.length - 1].toFixed(1)}`;
}
