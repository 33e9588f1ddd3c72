import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) throw new Error(`--${name} must be a ${zeroAllowed ? 'positive number or 0' : 'positive number'}, got ${raw}`);
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
