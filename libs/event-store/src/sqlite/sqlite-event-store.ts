import Database from 'better-sqlite3';
import {
  assertStreamOrderedLimits,
  LedgerIntegrityError,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadByStreamOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type StreamAppend,
  type StreamOrderedCursor,
  type StreamOrderedPage,
  type StreamAppendOutcome,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../port/event-store.port';
import { appendOneOf, LiveFeed } from '../subscription/live-feed';
import { join } from 'node:path';
import { openPrivateDatabase, type WorkerConnection } from '@loyalty/sqlite-support';
import { ThreadOrHere } from '@loyalty/thread-support';
import { appendError, appendOutcomes, flatAppends } from './flat-appends';
import { appenderOn, type AppendRequest, type FlatOutcome } from './sqlite-appender';
import { StreamReadAhead } from './stream-read-ahead';
import { EVENTS_WITH_STREAM_NAMES, streamOrderedPagesOn, type PageRequest, type PageText } from './stream-ordered-pages';
import { storedEventOfRow, type StoredEventRow } from './stored-event-row';

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
  /** SQLite page cache in MiB (the indexes of a large ledger want it). */
  cacheMiB?: number;
  /**
   * Stream-ordered reads (a projection rebuild) read ahead in a second thread, so the next page
   * is read while the caller folds this one: with two cores a rebuild goes at about the pace of
   * its slower half instead of the sum of both. Default: on for a file, off for ':memory:'
   * (another connection cannot see it). If the thread fails, the reads it had and every later
   * one run in the calling thread.
   */
  readAheadThread?: boolean;
  /**
   * Appends are written by a second thread on its own connection, so a caller with more to
   * decide (a batch in chunks) decides the next chunk while SQLite writes this one. Default: on
   * for a file, off for ':memory:'. Started at the first append it takes. If the thread itself
   * fails, the appends it had are refused with the reason (a retry with the same event ids is
   * safe either way) and later appends are written on this connection.
   */
  writerThread?: boolean;
  /**
   * With the writer thread: an append of at most this many events, given while the thread has
   * nothing under way, is written here at once (a single command, a small batch): handing it
   * over would only add a round trip, and the wait for this thread to read the answer, to its
   * latency. Default 256; 0 sends every append to the thread.
   */
  inlineAppendMaxEvents?: number;
  /** Told once per thread that fails (the work goes on in the calling thread): for the log. */
  onThreadFailure?: (error: Error) => void;
}

// The SELECTs' rows come as arrays (better-sqlite3's raw mode): an object per row costs about a microsecond more.
type EventRow = StoredEventRow<string>;

/**
 * Streams get a small integer id and event ids are stored as 16 bytes. The only index an
 * append updates besides the position is (stream, revision): it enforces optimistic
 * concurrency, and finds retries (the events at the expected revision, compared by id).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_streams (
  stream_id INTEGER PRIMARY KEY,
  name      TEXT    NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS ledger_events (
  position       INTEGER PRIMARY KEY,
  stream_id      INTEGER NOT NULL REFERENCES ledger_streams(stream_id),
  revision       INTEGER NOT NULL,
  event_id       BLOB    NOT NULL,
  type           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  data           TEXT    NOT NULL,
  metadata       TEXT    NOT NULL,
  recorded_at    TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_ledger_events_stream_revision ON ledger_events(stream_id, revision);
CREATE TRIGGER IF NOT EXISTS ledger_events_append_only_update BEFORE UPDATE ON ledger_events
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS ledger_events_append_only_delete BEFORE DELETE ON ledger_events
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: DELETE refused'); END;
CREATE TRIGGER IF NOT EXISTS ledger_streams_append_only_update BEFORE UPDATE ON ledger_streams
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS ledger_streams_append_only_delete BEFORE DELETE ON ledger_streams
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: DELETE refused'); END;
`;

// The columns of an EventRow. The id comes out as hex text: a BLOB would cost a Buffer per row
// (a quarter of a read's time). A read without metadata selects NULL in its place.
const selectEvent = (metadataColumn: 'e.metadata' | 'NULL') =>
  `SELECT e.position, s.name AS stream, e.revision, lower(hex(e.event_id)) AS event_id_hex, e.type, e.schema_version, e.data, ${metadataColumn} AS metadata, e.recorded_at ${EVENTS_WITH_STREAM_NAMES}`;
const SELECT_EVENT = selectEvent('e.metadata');
const SELECT_EVENT_WITHOUT_METADATA = selectEvent('NULL');

/** The embedded default ledger: one SQLite file in WAL mode, append-only by trigger. */
export class SqliteEventStore implements EventStore {
  readonly db: Database.Database;
  private readonly feed = new LiveFeed((after, limit, options) => this.readAll(after, limit, options));
  private readonly clock: () => Date;
  private readonly statements;
  /** By the writer thread, or on this connection (':memory:', without the thread, or a small append while it is idle). */
  private readonly appends: ThreadOrHere<AppendRequest, FlatOutcome[]>;
  private closed = false;
  /**
   * What differs from the schema this build creates (a trigger dropped, a table altered), found
   * at open: non-empty, every append is refused with LedgerIntegrityError; reads go on, so that
   * verify can say what was done.
   */
  readonly integrityProblems: readonly string[];
  private readonly pages: ThreadOrHere<PageRequest, PageText | null>;
  private readonly readAhead: StreamReadAhead;

  constructor(options: SqliteEventStoreOptions) {
    this.db = openPrivateDatabase(options.file);
    this.db.pragma('journal_mode = WAL');
    // Per connection: the writer thread's connection gets the same.
    const pragmas = [
      `synchronous = ${options.synchronous ?? 'FULL'}`,
      `busy_timeout = ${options.busyTimeoutMs ?? 10_000}`,
      `cache_size = ${-1024 * (options.cacheMiB ?? 64)}`,
    ];
    for (const pragma of pragmas) this.db.pragma(pragma);
    migrate(this.db, options.file);
    this.integrityProblems = schemaProblems(this.db);
    this.clock = options.clock ?? (() => new Date());
    this.statements = {
      readStream: this.db
        .prepare<[string, number, number], EventRow>(`${SELECT_EVENT} WHERE s.name = ? AND e.revision >= ? ORDER BY e.revision LIMIT ?`)
        .raw(true),
      readStreamWithoutMetadata: this.db
        .prepare<[string, number, number], EventRow>(`${SELECT_EVENT_WITHOUT_METADATA} WHERE s.name = ? AND e.revision >= ? ORDER BY e.revision LIMIT ?`)
        .raw(true),
      readAll: this.db.prepare<[number, number], EventRow>(`${SELECT_EVENT} WHERE e.position > ? ORDER BY e.position LIMIT ?`).raw(true),
      // Without the metadata column: SQLite does not even copy its text out of the page.
      readAllWithoutMetadata: this.db
        .prepare<[number, number], EventRow>(`${SELECT_EVENT_WITHOUT_METADATA} WHERE e.position > ? ORDER BY e.position LIMIT ?`)
        .raw(true),
      head: this.db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM ledger_events'),
      // The newest rows by rowid (position), then each stream by its newest of them.
      recentStreams: this.db
        .prepare<[number], string>(
          `SELECT s.name FROM (SELECT stream_id, MAX(position) AS newest FROM (SELECT stream_id, position FROM ledger_events ORDER BY position DESC LIMIT ?) GROUP BY stream_id) r
           JOIN ledger_streams s USING (stream_id) ORDER BY r.newest DESC`,
        )
        .pluck(),
    };
    const onFile = options.file !== ':memory:';
    const connection: WorkerConnection = { file: options.file, pragmas };
    const inlineMaxEvents = options.inlineAppendMaxEvents ?? 256;
    this.appends = new ThreadOrHere({
      worker: onFile && options.writerThread !== false ? { module: join(__dirname, 'sqlite-append.worker'), data: { ...connection } } : null,
      here: appenderOn(this.db),
      // A small append (a single command) is written here at once while the thread is idle: handing it over would only add latency.
      worthTheThread: ({ appends }) => appends.reduce((n, a) => n + a.events.length, 0) > inlineMaxEvents,
      failurePrefix: 'appending to the ledger failed in its writer thread',
      errorOf: appendError,
      onThreadFailure: options.onThreadFailure,
    });
    this.pages = new ThreadOrHere({
      worker:
        onFile && options.readAheadThread !== false
          ? {
              module: join(__dirname, 'sqlite-reader.worker'),
              data: { file: options.file, pragmas: [`cache_size = ${this.db.pragma('cache_size', { simple: true }) as number}`] },
            }
          : null,
      here: streamOrderedPagesOn(this.db),
      redoHereOnThreadFailure: true,
      failurePrefix: 'reading the ledger by stream failed in the reader thread',
      errorOf: appendError,
      onThreadFailure: options.onThreadFailure,
    });
    this.readAhead = new StreamReadAhead(this.pages);
  }

  append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    return appendOneOf((appends) => this.appendMany(appends), stream, events, expectedRevision);
  }

  async appendMany(appends: StreamAppend[]): Promise<StreamAppendOutcome[]> {
    if (this.integrityProblems.length > 0) throw new LedgerIntegrityError(this.integrityProblems);
    const flat = flatAppends(appends);
    const recordedAt = this.clock().toISOString();
    let outcomes: StreamAppendOutcome[];
    try {
      if (this.closed) throw new Error('the ledger store is closed');
      outcomes = appendOutcomes(appends, await this.appends.request({ appends: flat, recordedAt }));
    } catch (error) {
      throw appendError(error);
    }
    this.feed.notifyAppended(outcomes);
    return outcomes;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const statement = options.includeMetadata === false ? this.statements.readStreamWithoutMetadata : this.statements.readStream;
    return statement.all(stream, Number(options.fromRevision ?? 0n), options.maxCount ?? -1).map(toStoredEvent);
  }

  async readAll(afterPosition: bigint, limit: number, options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const statement = options.includeMetadata === false ? this.statements.readAllWithoutMetadata : this.statements.readAll;
    return statement.all(Number(afterPosition), limit).map(toStoredEvent);
  }

  async readByStream(after: StreamOrderedCursor | null, options: ReadByStreamOptions): Promise<StreamOrderedPage> {
    assertStreamOrderedLimits(options);
    return this.readAhead.read(after, options);
  }

  async recentStreams(maxEntries: number): Promise<string[]> {
    return this.statements.recentStreams.all(maxEntries);
  }

  async headPosition(): Promise<bigint> {
    return BigInt(this.statements.head.get()?.p ?? 0);
  }

  subscribeToAll(afterPosition: bigint, handler: SubscriptionHandler, options?: SubscribeOptions): Subscription {
    return this.feed.subscribe(afterPosition, handler, options);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.feed.close();
    await this.appends.close('the ledger was closed');
    await this.pages.close('the ledger was closed');
    if (this.db.open) this.db.close();
  }
}

/** The file layout this code reads and writes; older layouts are refused, never guessed at. */
export const LEDGER_SQLITE_SCHEMA_VERSION = 1;

function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === LEDGER_SQLITE_SCHEMA_VERSION) return;
  const hasTables = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_events'").get() !== undefined;
  if (version === 0 && !hasTables) {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${LEDGER_SQLITE_SCHEMA_VERSION}`);
    return;
  }
  db.close();
  throw new Error(
    `${file}: ledger schema version ${version}${hasTables && version === 0 ? ' (a pre-release layout)' : ''} is not ${LEDGER_SQLITE_SCHEMA_VERSION}, the version this build reads; use a build that matches, or a fresh data folder`,
  );
}

/** The schema objects (tables, index, append-only triggers) as this build creates them, against those in the file. */
function schemaProblems(db: Database.Database): string[] {
  const objects = (d: Database.Database) =>
    new Map(
      d
        .prepare<[], { type: string; name: string; sql: string }>(
          "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'ledger_%' OR name LIKE 'ux_ledger_%'",
        )
        .all()
        .map((o) => [`${o.type} ${o.name}`, o.sql]),
    );
  const reference = openPrivateDatabase(':memory:');
  reference.exec(SCHEMA);
  const expected = objects(reference);
  reference.close();
  const actual = objects(db);
  const problems: string[] = [];
  for (const [name, sql] of expected) {
    if (!actual.has(name)) problems.push(`${name} is missing`);
    else if (actual.get(name) !== sql) problems.push(`${name} was changed`);
  }
  for (const name of actual.keys()) if (!expected.has(name)) problems.push(`${name} was added`);
  return problems;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return storedEventOfRow(row, parseJson);
}

const parseJson = (json: string) => JSON.parse(json) as Record<string, unknown>;
