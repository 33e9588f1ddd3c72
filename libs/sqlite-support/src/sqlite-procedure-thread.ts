import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { RequestThread, type RequestThreadOptions } from '@loyalty/thread-support';

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
    // As plainError (thread-support) does: an Error as { message, code }, a plain object as is.
    const plain = error instanceof Error || typeof error !== 'object' || error === null ? { message: String((error && error.message) || error), code: error && error.code } : error;
    parentPort.postMessage({ id, error: plain });
  }
});
`;

export interface SqliteProcedureThreadOptions extends RequestThreadOptions {
  file: string;
  /** Per connection settings (synchronous, busy_timeout, cache_size): the thread's connection needs them too. */
  pragmas: string[];
}

/**
 * Runs the procedure's requests in a worker thread on its own connection, in the order given:
 * the caller goes on (deciding, folding) while SQLite works. Each request resolves once done
 * (a write: committed, as durable as the pragmas make it).
 */
export class SqliteProcedureThread<Request, Response> extends RequestThread<Request, Response> {
  constructor(procedure: SqliteProcedure, options: SqliteProcedureThreadOptions) {
    const workerData = { file: options.file, pragmas: options.pragmas, sql: procedure.sql, betterSqlite3: require.resolve('better-sqlite3') };
    super(new Worker(THREAD(procedure.source), { eval: true, workerData }), options);
  }
}
