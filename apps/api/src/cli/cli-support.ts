import { InvalidArgumentError } from 'commander';
import { Presets, SingleBar } from 'cli-progress';

/** Where a command writes: results to `out` (JSON or CSV), progress and messages to `err`. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** How the command line runs here: a terminal or not (progress bar or progress lines), and where a bar draws. */
export interface CliTerminal {
  tty: boolean;
  stream?: NodeJS.WriteStream;
  /** How often a progress line is printed without a terminal (ms). */
  progressEveryMs?: number;
}

/** A wrong use of the command line (exit code 2). */
export class UsageError extends Error {}

/** Exit codes, as the README lists them. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO-8601 date or instant with an offset, as a UTC instant. */
const MIB = 1024 * 1024;

export function instantArg(value: string): string {
  if (!UTC_INSTANT.test(value) || Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError(`an ISO-8601 date or instant is needed, got ${JSON.stringify(value)}`);
  return new Date(value).toISOString();
}

export function positiveIntArg(value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`a positive integer is needed, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function positionArg(value: string): bigint {
  if (!/^\d{1,19}$/.test(value)) throw new InvalidArgumentError(`a ledger position (digits) is needed, got ${JSON.stringify(value)}`);
  return BigInt(value);
}

/** Progress of long work: a bar with rate and ETA on a terminal (cli-progress), a JSON line every few seconds otherwise. */
export interface ProgressReporter {
  update(done: number, total: number | null, details?: Record<string, string | number>): void;
  stop(): void;
}

export function progressReporter(io: CliIo, terminal: CliTerminal, label: string, unit: string): ProgressReporter {
  const started = Date.now();
  if (terminal.tty && terminal.stream) {
    const bar = new SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} {details}`,
        stream: terminal.stream,
        hideCursor: true,
        etaBuffer: 50,
        formatValue: (v, _options, type) => (type === 'value' || type === 'total' ? Number(v).toLocaleString('en-US') : String(v)),
      },
      Presets.shades_classic,
    );
    let running = false;
    return {
      update(done, total, details = {}) {
        const rate = Math.round(done / Math.max((Date.now() - started) / 1000, 0.001)).toLocaleString('en-US');
        const extra = Object.entries(details)
          .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
          .join(', ');
        if (!running) {
          bar.start(total ?? done, done, { rate, details: extra });
          running = true;
        } else {
          if (total !== null) bar.setTotal(total);
          bar.update(done, { rate, details: extra });
        }
      },
      stop() {
        if (running) bar.stop();
      },
    };
  }
  const every = terminal.progressEveryMs ?? 5_000;
  let lastAt = started;
  let last: { done: number; total: number | null; details: Record<string, string | number> } | null = null;
  const line = () => {
    if (!last) return;
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = last.done / seconds;
    // Memory beside the progress: an operator (and the import benchmark) sees whether a long run stays bounded, and where it grows.
    const memory = process.memoryUsage();
    io.err(
      `${JSON.stringify({
        progress: label,
        unit,
        done: last.done,
        total: last.total,
        percent: last.total ? Math.round((1000 * last.done) / last.total) / 10 : null,
        ratePerSecond: Math.round(rate),
        etaSeconds: last.total && rate > 0 ? Math.round((last.total - last.done) / rate) : null,
        elapsedSeconds: Math.round(seconds),
        ...last.details,
        rssMiB: Math.round(memory.rss / MIB),
        heapUsedMiB: Math.round(memory.heapUsed / MIB),
        externalMiB: Math.round(memory.external / MIB),
      })}\n`,
    );
  };
  return {
    update(done, total, details = {}) {
      last = { done, total, details };
      if (Date.now() - lastAt >= every) {
        lastAt = Date.now();
        line();
      }
    },
    stop() {
      line();
    },
  };
}
