import type Database from 'better-sqlite3';
import { procedureOn, SqliteProcedureThread, type SqliteProcedure } from '@loyalty/sqlite-support';
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

export interface AppendRequest {
  appends: FlatAppend[];
  recordedAt: string;
}

/**
 * An appendMany, once, as a SqliteProcedure: `({ appends, recordedAt }) => outcomes`, in the
 * writer thread for a file, in the calling thread in memory. IMMEDIATE: the heads read and the
 * rows written are one state of the file (SQLite has one writer).
 * A retry (the same event ids already where the expected revision puts them; for 'any', at the
 * stream's end) is reported as deduplicated and writes nothing: the port's retry rule.
 */
const APPEND_PROCEDURE: SqliteProcedure = { sql: APPEND_SQL, source: `(db, sql) => {
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
  return ({ appends, recordedAt }) => run.immediate(appends, recordedAt);
}` };

export type Appender = (request: AppendRequest) => FlatOutcome[];

/** The append procedure on a connection of the calling thread. */
export function appenderOn(db: Database.Database): Appender {
  return procedureOn<AppendRequest, FlatOutcome[]>(db, APPEND_PROCEDURE);
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

/** Appends by a writer thread on its own connection, in the order given (see SqliteProcedureThread). */
export function appendThread(file: string, pragmas: string[]): SqliteProcedureThread<AppendRequest, FlatOutcome[]> {
  return new SqliteProcedureThread(APPEND_PROCEDURE, { file, pragmas, failurePrefix: 'appending to the ledger failed in its writer thread', errorOf: appendError });
}
