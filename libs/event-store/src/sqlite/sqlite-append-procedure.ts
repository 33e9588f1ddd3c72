import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type EventToAppend,
  type ExpectedRevision,
  type StreamAppend,
  type StreamAppendOutcome,
} from '../port/event-store.port';
import { uuidHex } from './uuid-bytes';

/** An event as plain values (it crosses threads as is): the id as 32 hex digits, data and metadata as JSON text. */
export interface FlatEvent {
  idHex: string;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
}

export interface FlatAppend {
  stream: string;
  expected: 'any' | 'no-stream' | number;
  events: FlatEvent[];
}

/** `next` is the stream's last revision after the append (-1: none); `current` the revision that did not match (null: no stream). */
export type FlatOutcome = { ok: true; next: number; position: number; deduplicated: boolean } | { ok: false; current: number | null };

export const APPEND_SQL = {
  streamHead: 'SELECT s.stream_id, (SELECT MAX(revision) FROM ledger_events e WHERE e.stream_id = s.stream_id) AS r FROM ledger_streams s WHERE s.name = ?',
  insertStream: 'INSERT INTO ledger_streams (name) VALUES (?)',
  eventAt: 'SELECT lower(hex(event_id)) AS id, position FROM ledger_events WHERE stream_id = ? AND revision = ?',
  insert: 'INSERT INTO ledger_events (stream_id, revision, event_id, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  head: 'SELECT MAX(position) AS p FROM ledger_events',
};

/**
 * An appendMany, once, as plain JavaScript: `(db, sql) => (appends, recordedAt) => outcomes`.
 * The writer thread runs it (eval: no build step, the same under the test runner), and so does
 * the calling thread for an in-memory ledger, which no other thread can open. IMMEDIATE: the
 * heads read and the rows written are one state of the file (SQLite has one writer).
 * A retry (the same event ids already where the expected revision puts them; for 'any', at the
 * stream's end) is reported as deduplicated and writes nothing: the port's retry rule.
 */
const APPEND_PROCEDURE = `(db, sql) => {
  const s = {};
  for (const name of Object.keys(sql)) s[name] = db.prepare(sql[name]);
  const retryPosition = (streamId, current, a) => {
    if (a.events.length === 0 || current === null) return null;
    const start = a.expected === 'no-stream' ? 0 : a.expected === 'any' ? current - a.events.length + 1 : a.expected + 1;
    if (start < 0 || start + a.events.length - 1 > current) return null;
    let position = 0;
    for (let i = 0; i < a.events.length; i++) {
      const stored = s.eventAt.get(streamId, start + i);
      if (stored === undefined || stored.id !== a.events[i].idHex) return null;
      position = stored.position;
    }
    return position;
  };
  const appendOne = (a, recordedAt) => {
    const head = s.streamHead.get(a.stream);
    const current = head === undefined || head.r === null ? null : head.r;
    const matches = a.expected === 'any' || (a.expected === 'no-stream' ? current === null : current === a.expected);
    if (!matches || a.expected === 'any') {
      const position = head === undefined ? null : retryPosition(head.stream_id, current, a);
      if (position !== null) return { ok: true, next: current, position, deduplicated: true };
    }
    if (!matches) return { ok: false, current };
    if (a.events.length === 0) return { ok: true, next: current === null ? -1 : current, position: s.head.get().p || 0, deduplicated: false };
    const streamId = head !== undefined ? head.stream_id : Number(s.insertStream.run(a.stream).lastInsertRowid);
    let revision = current === null ? 0 : current + 1;
    let position = 0;
    for (const e of a.events) {
      position = Number(s.insert.run(streamId, revision, Buffer.from(e.idHex, 'hex'), e.type, e.schemaVersion, e.data, e.metadata, recordedAt).lastInsertRowid);
      revision++;
    }
    return { ok: true, next: revision - 1, position, deduplicated: false };
  };
  const run = db.transaction((appends, recordedAt) => appends.map((a) => appendOne(a, recordedAt)));
  return (appends, recordedAt) => run.immediate(appends, recordedAt);
}`;

export type Appender = (appends: FlatAppend[], recordedAt: string) => FlatOutcome[];

/** The append procedure on a connection of the calling thread. */
export function appenderOn(db: Database.Database): Appender {
  const procedure = new Function(`return ${APPEND_PROCEDURE}`)() as (db: Database.Database, sql: typeof APPEND_SQL) => Appender;
  return procedure(db, APPEND_SQL);
}

/**
 * Serialising stays with the caller, who owns the objects: the writer only runs SQL. JSON text
 * the caller already has is taken as is; events of one command share one metadata object,
 * serialised once. Throws (writing nothing) on an event
 * id that is not a UUID or data that is not JSON.
 */
export function flatAppends(appends: readonly StreamAppend[]): FlatAppend[] {
  return appends.map(({ stream, expectedRevision, events }) => {
    let lastMetadata: EventToAppend['metadata'] | null = null;
    let lastMetadataJson = '';
    return {
      stream,
      expected: typeof expectedRevision === 'bigint' ? Number(expectedRevision) : expectedRevision,
      events: events.map((e) => {
        if (e.json) return { idHex: uuidHex(e.eventId), type: e.type, schemaVersion: e.schemaVersion, data: e.json.data, metadata: e.json.metadata };
        if (e.metadata !== lastMetadata) {
          lastMetadata = e.metadata;
          lastMetadataJson = JSON.stringify(e.metadata);
        }
        return { idHex: uuidHex(e.eventId), type: e.type, schemaVersion: e.schemaVersion, data: JSON.stringify(e.data), metadata: lastMetadataJson };
      }),
    };
  });
}

export function appendOutcomes(appends: readonly StreamAppend[], outcomes: readonly FlatOutcome[]): StreamAppendOutcome[] {
  return outcomes.map((o, i) => {
    const { stream, expectedRevision } = appends[i];
    if (o.ok) return { stream, ok: true, result: { nextExpectedRevision: BigInt(o.next), position: BigInt(o.position), deduplicated: o.deduplicated } };
    const actual: ExpectedRevision = o.current === null ? 'no-stream' : BigInt(o.current);
    return { stream, ok: false, error: new WrongExpectedRevisionError(stream, expectedRevision, actual) };
  });
}

/** A failed append as the caller sees it: a busy database is "unavailable" (retry later), the rest as is. */
export function appendError(error: unknown): Error {
  const plain = error as { message?: string; code?: string } | null;
  if (plain?.code === 'SQLITE_BUSY') return new EventStoreUnavailableError('the ledger database is busy', error);
  if (error instanceof Error) return error;
  return Object.assign(new Error(String(plain?.message ?? error)), { code: plain?.code });
}

const APPEND_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.file, { fileMustExist: true });
for (const pragma of workerData.pragmas) db.pragma(pragma);
const append = (${APPEND_PROCEDURE})(db, workerData.sql);
parentPort.on('message', ({ id, appends, recordedAt }) => {
  try {
    parentPort.postMessage({ id, outcomes: append(appends, recordedAt) });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String((error && error.message) || error), code: error && error.code } });
  }
});
`;

/**
 * Appends run by a writer thread on its own connection, in the order given: the caller goes on
 * (deciding the next commands) while SQLite writes. Each append resolves once it is committed,
 * as durable as the store's synchronous setting makes it.
 */
export class SqliteAppendThread {
  private readonly worker: Worker;
  private lastId = 0;
  private readonly pending = new Map<number, { resolve: (outcomes: FlatOutcome[]) => void; reject: (error: Error) => void; done: Promise<FlatOutcome[]> }>();
  private failure: Error | null = null;

  constructor(file: string, pragmas: string[]) {
    this.worker = new Worker(APPEND_THREAD, { eval: true, workerData: { file, pragmas, sql: APPEND_SQL, betterSqlite3: require.resolve('better-sqlite3') } });
    // Only an append under way keeps the process alive.
    this.worker.unref();
    this.worker.on('message', ({ id, outcomes, error }: { id: number; outcomes?: FlatOutcome[]; error?: unknown }) => {
      const waiting = this.pending.get(id);
      if (!waiting) return;
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker.unref();
      if (outcomes !== undefined) waiting.resolve(outcomes);
      else waiting.reject(appendError(error));
    });
    this.worker.on('error', (error) => this.fail(error.message));
    this.worker.on('exit', (code) => this.fail(`the ledger's writer thread stopped (exit code ${code})`));
  }

  append(appends: FlatAppend[], recordedAt: string): Promise<FlatOutcome[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.lastId;
    if (this.pending.size === 0) this.worker.ref();
    let settle!: { resolve: (outcomes: FlatOutcome[]) => void; reject: (error: Error) => void };
    const done = new Promise<FlatOutcome[]>((resolve, reject) => (settle = { resolve, reject }));
    this.pending.set(id, { ...settle, done });
    this.worker.postMessage({ id, appends, recordedAt });
    return done;
  }

  /** Resolves once every append given so far is done (committed or failed). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.pending.values()].map((append) => append.done));
  }

  /** Appends not yet acknowledged are rejected: whether they were committed, a retry finds out (same ids). */
  private fail(reason: string): void {
    this.failure ??= new Error(`appending to the ledger failed in its writer thread: ${reason}`);
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }

  /** Waits for the appends under way, then stops the thread. */
  async close(): Promise<void> {
    await this.idle();
    this.worker.removeAllListeners('exit');
    this.fail('the ledger was closed');
    await this.worker.terminate();
  }
}
