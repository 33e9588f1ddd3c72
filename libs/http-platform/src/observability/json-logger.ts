import type { LoggerService, LogLevel } from '@nestjs/common';

const LEVELS: LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];
const NAMES: Record<LogLevel, string> = { verbose: 'trace', debug: 'debug', log: 'info', warn: 'warn', error: 'error', fatal: 'fatal' };

/**
 * Log lines written together once per turn of the event loop: stdout to a pipe or a file is a
 * synchronous write, and under load (an access line a request) one write a line cost the serving
 * thread more than the lines themselves. Errors are written at once, with what came before them;
 * what is pending is written at exit.
 */
export class LineBatcher {
  private pending: string[] = [];
  private pendingChars = 0;
  private scheduled = false;

  constructor(
    private readonly out: (text: string) => void,
    private readonly maxPendingChars = 64 * 1024,
  ) {}

  write(line: string, urgent = false): void {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (urgent || this.pendingChars >= this.maxPendingChars) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.out(text);
  }
}

let stdoutLines: LineBatcher | null = null;
/** The process's one batcher of stdout lines (flushed at exit). */
function stdoutBatcher(): LineBatcher {
  if (!stdoutLines) {
    const batcher = new LineBatcher((text) => process.stdout.write(text));
    process.once('exit', () => batcher.flush());
    stdoutLines = batcher;
  }
  return stdoutLines;
}

/** One JSON object per line on stdout: {time, level, context, msg, ...fields}. */
export class JsonLogger implements LoggerService {
  private minimum: number;
  private readonly write: (line: string, urgent: boolean) => void;

  constructor(level: 'debug' | 'info' | 'warn' | 'error' = 'info', write?: (line: string, urgent: boolean) => void) {
    if (write) this.write = write;
    else {
      const batcher = stdoutBatcher();
      this.write = (line, urgent) => batcher.write(line, urgent);
    }
    this.minimum = LEVELS.indexOf(level === 'info' ? 'log' : level);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.emit('fatal', message, rest);
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (LEVELS.indexOf(level) < this.minimum) return;
    // Nest passes the context as the last string argument (and a stack before it for errors).
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level: NAMES[level], ...(context ? { context } : {}) };
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) Object.assign(entry, message);
    else entry.msg = message instanceof Error ? message.message : String(message);
    if (rest.length > 0 && typeof rest[0] === 'string' && level === 'error') entry.stack = rest[0];
    this.write(`${JSON.stringify(entry, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`, level === 'error' || level === 'fatal');
  }
}
