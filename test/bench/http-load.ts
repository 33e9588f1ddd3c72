// An HTTP load generator for the benchmarks, in a process of its own (so that the server's event
// loop is not the one measuring it):
//  - open loop: requests sent at a fixed rate whatever the answers, each latency measured from the
//    instant it was scheduled (not sent), so a stalled server shows as latency (no coordinated omission);
//  - saturation: a fixed number of connections, each sending its next request when the last answers.
// Usage (as a child): node http-load.js <options.json> -> prints one JSON line of results.
import { appendFileSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

export interface LoadOptions {
  mode: 'open' | 'saturate';
  host: string;
  port: number;
  /** Request paths, used round-robin (e.g. one per customer). */
  paths: string[];
  headers: Record<string, string>;
  durationMs: number;
  /** Open loop: requests per second. */
  rate?: number;
  /** Saturation: concurrent connections. */
  connections?: number;
  /** A file to append the requests slower than 1 s to (one JSON line each: when scheduled, sent and answered, in ms from the start). */
  slowLog?: string;
}

export interface LoadResult {
  sent: number;
  completed: number;
  errors: number;
  /** Answers by status class, e.g. { '2xx': 29000, '5xx': 3 }. */
  statuses: Record<string, number>;
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p99 of the requests scheduled in each 5 s of the run, in order: a start-up transient apart from the steady state. */
  p99By5sMs: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function p99Of(latencies: number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return Math.round(percentile(sorted, 0.99) * 10) / 10;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.mode === 'saturate' ? (options.connections ?? 32) : 512 });
  const latencies: number[] = [];
  const byWindow: number[][] = [];
  const statuses: Record<string, number> = {};
  const slow: Record<string, unknown>[] = [];
  let sent = 0;
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const fire = (scheduledAt: number) =>
    new Promise<void>((resolve) => {
      sent++;
      const path = options.paths[next++ % options.paths.length];
      const sentAt = performance.now();
      let socketAt = 0;
      const req = request({ host: options.host, port: options.port, path, method: 'GET', headers: options.headers, agent }, (res) => {
        const headersAt = performance.now();
        res.resume();
        res.on('end', () => {
          const ms = performance.now() - scheduledAt;
          if (ms > 1000 && options.slowLog) {
            const at = (t: number) => Math.round(t - started);
            slow.push({
              path,
              scheduled: at(scheduledAt),
              sent: at(sentAt),
              socket: socketAt ? at(socketAt) : null,
              headers: at(headersAt),
              ms: Math.round(ms),
            });
          }
          latencies.push(ms);
          (byWindow[Math.floor((scheduledAt - started) / 5000)] ??= []).push(ms);
          const klass = `${Math.floor((res.statusCode ?? 0) / 100)}xx`;
          statuses[klass] = (statuses[klass] ?? 0) + 1;
          resolve();
        });
      });
      req.on('socket', () => (socketAt = performance.now()));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const end = started + options.durationMs;
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.then(() => inFlight.delete(p));
  };
  if (options.mode === 'open') {
    const interval = 1000 / (options.rate ?? 100);
    let scheduled = started;
    while (scheduled < end) {
      const now = performance.now();
      // Send every request whose time has come; each keeps its scheduled instant.
      while (scheduled <= now && scheduled < end) {
        track(fire(scheduled));
        scheduled += interval;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(scheduled - performance.now(), 5))));
    }
  } else {
    const loop = async () => {
      while (performance.now() < end) await fire(performance.now());
    };
    await Promise.all(Array.from({ length: options.connections ?? 32 }, loop));
  }
  await Promise.all(inFlight);
  const wall = performance.now() - started;
  agent.destroy();
  if (options.slowLog) appendFileSync(options.slowLog, slow.map((s) => `${JSON.stringify(s)}\n`).join(''));
  const sorted = latencies.sort((a, b) => a - b);
  return {
    sent,
    completed: latencies.length,
    errors,
    statuses,
    achievedPerSecond: Math.round((latencies.length * 1000) / wall),
    p50Ms: Math.round(percentile(sorted, 0.5) * 100) / 100,
    p99Ms: Math.round(percentile(sorted, 0.99) * 100) / 100,
    maxMs: Math.round((sorted[sorted.length - 1] ?? 0) * 100) / 100,
    p99By5sMs: Array.from(byWindow, (w) => p99Of(w ?? [])),
  };
}

if (require.main === module) {
  runLoad(JSON.parse(readFileSync(process.argv[2], 'utf8')) as LoadOptions).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
