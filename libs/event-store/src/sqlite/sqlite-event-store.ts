import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  EventIdConflictError,
  EventStoreUnavailableError,
  revisionMatches,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadStreamOptions,
  type StoredEvent,
  type StreamAppend,
  type StreamAppendOutcome,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../port/event-store.port';
import { appendOneOf, LiveFeed } from '../subscription/live-feed';

/**
 * FULL: each commit is fsynced before append returns, so an appended entry survives a power
 * cut, not only a process crash. Kafka offsets are committed after the append: NORMAL (which
 * in WAL mode may lose the last commits on power loss) could lose entries whose offsets were
 * committed. Batching amortises the fsync; NORMAL stays available for throwaway stores.
 */
export type SqliteSynchronous = 'FULL' | 'NORMAL' | 'EXTRA';

export interface SqliteEventStoreOptions {
  /** A file path, or ':memory:'. */
  file: string;
  synchronous?: SqliteSynchronous;
  clock?: () => Date;
  busyTimeoutMs?: number;
}

interface EventRow {
  position: number;
  stream: string;
  revision: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_events (
  position       INTEGER PRIMARY KEY,
  stream         TEXT    NOT NULL,
  revision       INTEGER NOT NULL,
  event_id       TEXT    NOT NULL,
  type           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  data           TEXT    NOT NULL,
  metadata       TEXT    NOT NULL,
  recorded_at    TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_ledger_events_stream_revision ON ledger_events(stream, revision);
CREATE UNIQUE INDEX IF NOT EXISTS ux_ledger_events_event_id ON ledger_events(event_id);
CREATE TRIGGER IF NOT EXISTS ledger_events_append_only_update BEFORE UPDATE ON ledger_events
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS ledger_events_append_only_delete BEFORE DELETE ON ledger_events
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: DELETE refused'); END;
`;

/** The embedded default ledger: one SQLite file in WAL mode, append-only by trigger. */
export class SqliteEventStore implements EventStore {
  readonly db: Database.Database;
  private readonly feed = new LiveFeed((after, limit) => this.readAll(after, limit));
  private readonly clock: () => Date;
  private readonly statements;
  private readonly appendManyTx: (appends: StreamAppend[]) => StreamAppendOutcome[];

  constructor(options: SqliteEventStoreOptions) {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    this.db.exec(SCHEMA);
    this.clock = options.clock ?? (() => new Date());
    this.statements = {
      currentRevision: this.db.prepare<[string], { r: number | null }>('SELECT MAX(revision) AS r FROM ledger_events WHERE stream = ?'),
      byEventId: this.db.prepare<[string], { stream: string; revision: number; position: number }>('SELECT stream, revision, position FROM ledger_events WHERE event_id = ?'),
      eventIdAt: this.db.prepare<[string, number], { event_id: string; position: number }>('SELECT event_id, position FROM ledger_events WHERE stream = ? AND revision = ?'),
      insert: this.db.prepare(
        'INSERT INTO ledger_events (stream, revision, event_id, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      readStream: this.db.prepare<[string, number, number], EventRow>('SELECT * FROM ledger_events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?'),
      readAll: this.db.prepare<[number, number], EventRow>('SELECT * FROM ledger_events WHERE position > ? ORDER BY position LIMIT ?'),
      head: this.db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM ledger_events'),
    };
    // Each stream in its own savepoint, so an event-id clash found by the unique index on
    // insert undoes that stream's rows only, not the other streams of the batch.
    const streamTx = this.db.transaction((a: StreamAppend) => this.appendOne(a));
    const tx = this.db.transaction((appends: StreamAppend[]) =>
      appends.map((a): StreamAppendOutcome => {
        try {
          return streamTx(a);
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
            return { stream: a.stream, ok: false, error: new EventIdConflictError(a.stream, a.events.map((e) => e.eventId).join(','), 'clashes with a stored event id') };
          }
          throw error;
        }
      }),
    );
    this.appendManyTx = (appends) => tx.immediate(appends);
  }

  append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    return appendOneOf((appends) => this.appendMany(appends), stream, events, expectedRevision);
  }

  async appendMany(appends: StreamAppend[]): Promise<StreamAppendOutcome[]> {
    let outcomes: StreamAppendOutcome[];
    try {
      outcomes = this.appendManyTx(appends);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new EventStoreUnavailableError('the ledger database is busy', error);
      throw error;
    }
    this.feed.notifyAppended(outcomes);
    return outcomes;
  }

  /** Runs inside the write transaction, so the revision it reads cannot change under it. */
  private appendOne({ stream, events, expectedRevision }: StreamAppend): StreamAppendOutcome {
    const { insert, currentRevision } = this.statements;
    if (events.length > 0) {
      const retry = this.asRetry(stream, events);
      if (retry instanceof Error) return { stream, ok: false, error: retry };
      if (retry) return { stream, ok: true, result: retry };
    }
    const row = currentRevision.get(stream);
    const current = row?.r === null || row?.r === undefined ? null : BigInt(row.r);
    if (!revisionMatches(expectedRevision, current)) {
      return { stream, ok: false, error: new WrongExpectedRevisionError(stream, expectedRevision, current ?? 'no-stream') };
    }
    const recordedAt = this.clock().toISOString();
    let revision = current === null ? 0 : Number(current) + 1;
    let position = 0;
    for (const e of events) {
      const info = insert.run(stream, revision, e.eventId, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(e.metadata), recordedAt);
      position = Number(info.lastInsertRowid);
      revision++;
    }
    if (events.length === 0) position = this.statements.head.get()?.p ?? 0;
    return { stream, ok: true, result: { nextExpectedRevision: BigInt(revision - 1), position: BigInt(position), deduplicated: false } };
  }

  private asRetry(stream: string, events: EventToAppend[]): AppendResult | EventIdConflictError | null {
    const first = this.statements.byEventId.get(events[0].eventId);
    if (!first) {
      // Later ids of the same append are checked by the unique index on insert.
      return null;
    }
    if (first.stream !== stream) return new EventIdConflictError(stream, events[0].eventId, `is already stored on stream ${first.stream}`);
    let position = first.position;
    for (let i = 1; i < events.length; i++) {
      const at = this.statements.eventIdAt.get(stream, first.revision + i);
      if (!at || at.event_id !== events[i].eventId) return new EventIdConflictError(stream, events[i].eventId, 'does not match the stored retry');
      position = at.position;
    }
    const current = this.statements.currentRevision.get(stream)?.r ?? first.revision;
    return { nextExpectedRevision: BigInt(current), position: BigInt(position), deduplicated: true };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const rows = this.statements.readStream.all(stream, Number(options.fromRevision ?? 0n), options.maxCount ?? -1);
    return rows.map(toStoredEvent);
  }

  async readAll(afterPosition: bigint, limit: number): Promise<StoredEvent[]> {
    return this.statements.readAll.all(Number(afterPosition), limit).map(toStoredEvent);
  }

  async headPosition(): Promise<bigint> {
    return BigInt(this.statements.head.get()?.p ?? 0);
  }

  subscribeToAll(afterPosition: bigint, handler: SubscriptionHandler, options?: SubscribeOptions): Subscription {
    return this.feed.subscribe(afterPosition, handler, options);
  }

  async close(): Promise<void> {
    this.feed.close();
    if (this.db.open) this.db.close();
  }
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: BigInt(row.position),
    stream: row.stream,
    revision: BigInt(row.revision),
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: JSON.parse(row.data) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    recordedAt: row.recorded_at,
  };
}
