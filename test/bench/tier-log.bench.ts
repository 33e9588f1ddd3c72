// The qualifying-activity log a tier is computed from, for a frequent buyer whose purchases arrive
// out of time order (Kafka partitions, a second source, a backfill): the cost of an arrival when
// half of them are older than the newest, against all in order, with a window total after each
// (as the writer asks the tier at each purchase). Pure CPU: no store, no I/O.
import { QualifyingActivityLog } from '@loyalty/program-rules';
import { report } from './bench-support';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** µs per arrival for `arrivals` purchases added to a log already holding `history`, a window total after each. */
function microsPerArrival(history: number, arrivals: number, lateShare: number): number {
  const start = Date.parse('2025-01-01T00:00:00Z');
  const log = new QualifyingActivityLog();
  for (let i = 0; i < history; i++) log.add({ atMs: start + i * HOUR, spendMinor: 1_000, points: 10 });
  const newest = start + history * HOUR;
  const everyLate = lateShare > 0 ? Math.round(1 / lateShare) : Infinity;
  const began = performance.now();
  for (let i = 0; i < arrivals; i++) {
    const late = i % everyLate === 0;
    const atMs = late ? newest + i * HOUR - 2 * DAY : newest + i * HOUR;
    log.add({ atMs, spendMinor: 1_000, points: 10 });
    log.total('spend', atMs - 365 * DAY, atMs + 1);
  }
  return ((performance.now() - began) * 1000) / arrivals;
}

export async function benchTierLog(): Promise<void> {
  const figures: Record<string, string> = {};
  for (const history of [1_000, 10_000, 100_000]) {
    // Best of three: the JIT and the collector vary between passes, not the algorithm.
    const best = (lateShare: number) => Math.min(...[0, 1, 2].map(() => microsPerArrival(history, 4_000, lateShare)));
    const inOrder = best(0);
    const halfLate = best(0.5);
    figures[`${history.toLocaleString('en-US')} purchases: in order`] = `${inOrder.toFixed(1)} µs per arrival`;
    figures[`${history.toLocaleString('en-US')} purchases: half late`] = `${halfLate.toFixed(1)} µs per arrival (${(halfLate / inOrder).toFixed(1)}x in order)`;
  }
  report("tier log: 4,000 arrivals on a frequent buyer's log, a window total after each", figures);
}

if (require.main === module) {
  benchTierLog().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
