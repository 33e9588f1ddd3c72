import type Database from 'better-sqlite3';
import { detectRetry } from '../port/retry-detection';

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

export interface AppendRequest {
  appends: FlatAppend[];
  recordedAt: string;
}

export type Appender = (request: AppendRequest) => FlatOutcome[];

interface StreamHead {
  stream_id: number;
  r: number | null;
}

/**
 * An appendMany on one connection: in the writer thread for a file (sqlite-append.worker), in
 * the calling thread otherwise. IMMEDIATE: the heads read and the rows written are one state of
 * the file (SQLite has one writer). A retry (the same event ids already where the expected
 * revision puts them; for 'any', at the stream's end) is reported as deduplicated and writes
 * nothing: the port's retry rule.
 */
export function appenderOn(db: Database.Database): Appender {
  const streamHead = db.prepare<[string], StreamHead>(
    'SELECT s.stream_id, (SELECT MAX(revision) FROM ledger_events e WHERE e.stream_id = s.stream_id) AS r FROM ledger_streams s WHERE s.name = ?',
  );
  const insertStream = db.prepare<[string]>('INSERT INTO ledger_streams (name) VALUES (?)');
  const eventAt = db.prepare<[number, number], { id: string; position: number }>(
    'SELECT lower(hex(event_id)) AS id, position FROM ledger_events WHERE stream_id = ? AND revision = ?',
  );
  const insert = db.prepare<[number, number, Buffer, string, number, string, string, string]>(
    'INSERT INTO ledger_events (stream_id, revision, event_id, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const head = db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM ledger_events');

  /** The stored event at a revision, as detectRetry sees it (ids as 32 hex digits, as the appends carry them). */
  const storedAt = (streamId: number, revision: bigint) => {
    const stored = eventAt.get(streamId, Number(revision));
    return stored && { eventId: stored.id, position: BigInt(stored.position) };
  };
  /** Where a retry of these events already stands (the port's rule): the position of its last event, or null. */
  const retryPosition = (streamId: number, current: number | null, a: FlatAppend): number | null => {
    const expected = a.expected === 'any' || a.expected === 'no-stream' ? a.expected : BigInt(a.expected);
    const probe = { current: current === null ? null : BigInt(current), at: (revision: bigint) => storedAt(streamId, revision) };
    const retry = detectRetry(
      probe,
      a.events.map((e) => e.idHex),
      expected,
    );
    return retry === null ? null : Number(retry.position);
  };

  const appendOne = (a: FlatAppend, recordedAt: string): FlatOutcome => {
    const found = streamHead.get(a.stream);
    const current = found === undefined ? null : found.r;
    const matches = a.expected === 'any' || (a.expected === 'no-stream' ? current === null : current === a.expected);
    if (!matches || a.expected === 'any') {
      const position = found === undefined ? null : retryPosition(found.stream_id, current, a);
      if (position !== null) return { ok: true, next: current as number, position, deduplicated: true };
    }
    if (!matches) return { ok: false, current };
    if (a.events.length === 0) return { ok: true, next: current ?? -1, position: head.get()?.p ?? 0, deduplicated: false };
    const streamId = found !== undefined ? found.stream_id : Number(insertStream.run(a.stream).lastInsertRowid);
    let revision = current === null ? 0 : current + 1;
    let position = 0;
    for (const e of a.events) {
      position = Number(insert.run(streamId, revision, Buffer.from(e.idHex, 'hex'), e.type, e.schemaVersion, e.data, e.metadata, recordedAt).lastInsertRowid);
      revision++;
    }
    return { ok: true, next: revision - 1, position, deduplicated: false };
  };

  const run = db.transaction((appends: FlatAppend[], recordedAt: string) => appends.map((a) => appendOne(a, recordedAt)));
  return ({ appends, recordedAt }) => run.immediate(appends, recordedAt);
}
