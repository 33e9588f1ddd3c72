import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/**
 * A procedure over one SQLite connection, as plain JavaScript source:
 * `(db, sql) => (request) => response`, where `sql` names the statements it prepares. Written
 * once, it runs in a worker thread (eval: no build step, the same under the test runner) and on
 * a connection of the calling thread (an in-memory database, which no other thread can open).
 * What it throws crosses threads as `{ message, code }`, or as is if it is a plain object
 * (a typed refusal the caller turns back into its error).
 */
export interface SqliteProcedure {
  source: string;
  sql: Record<string, string>;
}

/** The procedure on a connection of the calling thread. */
export function procedureOn<Request, Response>(db: Database.Database, procedure: SqliteProcedure): (request: Request) => Response {
  const make = new Function(`return ${procedure.source}`)() as (db: Database.Database, sql: Record<string, string>) => (request: Request) => Response;
  return make(db, procedure.sql);
}

const THREAD = (procedureSource: string) => `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.file, { fileMustExist: true });
for (const pragma of workerData.pragmas) db.pragma(pragma);
const run = (${procedureSource})(db, workerData.sql);
parentPort.on('message', ({ id, request }) => {
  try {
    parentPort.postMessage({ id, response: run(request) });
  } catch (error) {
    const plain = error instanceof Error || typeof error !== 'object' || error === null ? { message: String((error && error.message) || error), code: error && error.code } : error;
    parentPort.postMessage({ id, error: plain });
  }
});
`;

export interface SqliteProcedureThreadOptions {
  file: string;
  /** Per connection settings (synchronous, busy_timeout, cache_size): the thread's connection needs them too. */
  pragmas: string[];
  /** Starts the message of a failure of the thread itself, e.g. "appending to the ledger failed in its writer thread". */
  failurePrefix: string;
  /** A refusal thrown as a plain object, back into the caller's error. */
  errorOf: (plain: unknown) => Error;
}

/**
 * Runs the procedure's requests in a worker thread on its own connection, in the order given:
 * the caller goes on (deciding, folding) while SQLite works. Each request resolves once done
 * (a write: committed, as durable as the pragmas make it).
 */
export class SqliteProcedureThread<Request, Response> {
  private readonly worker: Worker;
  private lastId = 0;
  /** The requests given and not yet answered: how each ends, and its promise (for idle()). */
  private readonly pending = new Map<number, { resolve: (response: Response) => void; reject: (error: Error) => void; done: Promise<Response> }>();
  private failure: Error | null = null;

  constructor(procedure: SqliteProcedure, private readonly options: SqliteProcedureThreadOptions) {
    const workerData = { file: options.file, pragmas: options.pragmas, sql: procedure.sql, betterSqlite3: require.resolve('better-sqlite3') };
    this.worker = new Worker(THREAD(procedure.source), { eval: true, workerData });
    // Only a request under way keeps the process alive.
    this.worker.unref();
    this.worker.on('message', ({ id, response, error }: { id: number; response?: Response; error?: unknown }) => {
      const waiting = this.pending.get(id);
      if (!waiting) return;
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker.unref();
      if (error === undefined) waiting.resolve(response as Response);
      else waiting.reject(options.errorOf(error));
    });
    this.worker.on('error', (error) => this.fail(error.message));
    this.worker.on('exit', (code) => this.fail(`the thread stopped (exit code ${code})`));
  }

  request(request: Request): Promise<Response> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.lastId;
    if (this.pending.size === 0) this.worker.ref();
    let settle!: { resolve: (response: Response) => void; reject: (error: Error) => void };
    const done = new Promise<Response>((resolve, reject) => (settle = { resolve, reject }));
    this.pending.set(id, { ...settle, done });
    this.worker.postMessage({ id, request });
    return done;
  }

  /** Resolves once every request given so far is done (answered or failed). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.pending.values()].map((request) => request.done));
  }

  /** Requests not yet answered are rejected: whether a write was committed is for a retry (or the next run) to find. */
  private fail(reason: string): void {
    this.failure ??= new Error(`${this.options.failurePrefix}: ${reason}`);
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }

  /** Waits for the requests under way, then stops the thread. */
  async close(reason = 'it was closed'): Promise<void> {
    await this.idle();
    this.worker.removeAllListeners('exit');
    this.fail(reason);
    await this.worker.terminate();
  }
}
