/**
 * The ledger's event-store port. Every adapter (in-memory, SQLite, EventStoreDB) passes the
 * one contract suite in ../contract. Revisions are 0-based per stream; global positions are
 * positive, strictly increasing, and give the one order in which projections see the ledger.
 */

/** What the writer believes the stream's last revision is. */
export type ExpectedRevision = 'no-stream' | 'any' | bigint;

export interface EventToAppend {
  /**
   * A UUID, deterministic (derived from the source id) so that a retried append is recognised:
   * an append whose events already stand, same ids in the same order, where its expected
   * revision puts them (for 'any': at the stream's end) is reported as deduplicated and writes
   * nothing. As in EventStoreDB, ids are not checked for uniqueness across streams.
   */
  eventId: string;
  /** Stable stored type name from the event registry. */
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /**
   * The same data and metadata as JSON text, when the caller has it already (the ledger writer
   * serialises both for the entry's chain hash): an adapter that stores JSON text may store it
   * as is rather than serialise them again. It must parse to `data` and `metadata`.
   */
  json?: { data: string; metadata: string };
}

export interface StoredEvent extends Omit<EventToAppend, 'json'> {
  stream: string;
  revision: bigint;
  position: bigint;
  recordedAt: string;
}

export interface AppendResult {
  /** The stream's revision after the append: pass it as the next expectedRevision. */
  nextExpectedRevision: bigint;
  /** Global position of the last event written (or found, for a retry). */
  position: bigint;
  /** True when every event was already there: an idempotent retry that wrote nothing. */
  deduplicated: boolean;
}

export interface StreamAppend {
  stream: string;
  expectedRevision: ExpectedRevision;
  events: EventToAppend[];
}

export type StreamAppendOutcome = { stream: string; ok: true; result: AppendResult } | { stream: string; ok: false; error: WrongExpectedRevisionError };

/**
 * Readers that only fold events (projections) need no metadata: reading and parsing it costs
 * about half of a read. With includeMetadata false an adapter may leave it out (an empty
 * object); one that gets it for free keeps it. Everything else is the same.
 */
export interface ReadAllOptions {
  includeMetadata?: boolean;
}

/** Where a stream-ordered read goes on: after the whole of `stream`, or inside it after `afterRevision`. */
export interface StreamOrderedCursor {
  stream: string;
  /** Set when a page ended inside `stream` (it had more events than a page holds): the next page goes on with it. */
  afterRevision?: bigint;
}

/** A page of `readByStream`: streams in name order, each in revision order. */
export interface StreamOrderedPage {
  /** Events at or before `upTo`: by stream name, then revision. */
  events: StoredEvent[];
  /** Where the next page starts; null once past the last stream (the page is then empty). */
  next: StreamOrderedCursor | null;
}

export interface ReadByStreamOptions extends ReadAllOptions {
  /** Only events at or before this position: a fixed cut of an append-only ledger, the same on every page. */
  upTo: bigint;
  /** At most this many streams per page. */
  maxStreams: number;
  /**
   * At most this many events per page, so that a page's memory is bounded however long a stream
   * is (a customer with a million events): the page then ends inside that stream.
   */
  maxEvents: number;
}

/**
 * The cursor after a stream-ordered page: inside the last event's stream when the page is full
 * (it may have more events), else after the last stream the page was given.
 */
export function nextStreamOrderedCursor(events: readonly StoredEvent[], maxEvents: number, lastStream: string): StreamOrderedCursor {
  const last = events[events.length - 1];
  return events.length >= maxEvents && last ? { stream: last.stream, afterRevision: last.revision } : { stream: lastStream };
}

export function assertStreamOrderedLimits({ maxStreams, maxEvents }: ReadByStreamOptions): void {
  if (!(Number.isInteger(maxStreams) && maxStreams >= 1 && Number.isInteger(maxEvents) && maxEvents >= 1)) {
    throw new RangeError(`readByStream needs whole maxStreams and maxEvents of at least 1 (got ${maxStreams}, ${maxEvents})`);
  }
}

export interface ReadStreamOptions extends ReadAllOptions {
  fromRevision?: bigint;
  maxCount?: number;
}

/** Called with events in global order; the subscription waits for it before reading on. */
export type SubscriptionHandler = (events: StoredEvent[]) => Promise<void> | void;

export interface Subscription {
  /** The position of the last event handed to the handler. */
  readonly position: bigint;
  /** Resolves once the subscription has stopped (after close, or on a handler error). */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

export interface SubscribeOptions {
  batchSize?: number;
  /** Polling interval for writers in other processes; in-process appends wake it at once. */
  pollIntervalMs?: number;
  onError?: (error: unknown) => void;
  /** As ReadAllOptions.includeMetadata, for the pages the subscription reads. */
  includeMetadata?: boolean;
}

export interface EventStore {
  append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /**
   * Appends to several streams in one go, each under its own expected revision. A conflict
   * on one stream fails only that stream. (SQLite writes the successful ones in one
   * transaction; EventStoreDB appends stream by stream.)
   */
  appendMany(appends: StreamAppend[]): Promise<StreamAppendOutcome[]>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Events with position > afterPosition, in global order, at most `limit`. 0n reads from the start. */
  readAll(afterPosition: bigint, limit: number, options?: ReadAllOptions): Promise<StoredEvent[]>;
  /**
   * Optional: the ledger up to a position, one stream after another (streams by name, each in
   * revision order), in pages of at most `maxStreams` streams and `maxEvents` events from
   * `after` (null: from the first stream). A rebuild of per-stream projections reads this way where the store can do it
   * cheaply (by its stream index): each state is built whole, once, in key order, so the work
   * per event does not grow with the number of streams as it does in global order.
   */
  readByStream?(after: StreamOrderedCursor | null, options: ReadByStreamOptions): Promise<StreamOrderedPage>;
  /**
   * Optional: the streams of the newest `maxEntries` events, the one written last first (each
   * stream once). A cache warm-up takes the accounts in use now first: after a restart on a
   * ledger with more accounts than the cache holds, the customers buying now are not folded
   * again at their next purchase. Its cost is bounded by `maxEntries`, not by the ledger's size.
   */
  recentStreams?(maxEntries: number): Promise<string[]>;
  /** The position of the newest event, 0n for an empty store. */
  headPosition(): Promise<bigint>;
  /** Catches up from afterPosition, then follows new events live. */
  subscribeToAll(afterPosition: bigint, handler: SubscriptionHandler, options?: SubscribeOptions): Subscription;
  close(): Promise<void>;
  /** Where the store keeps its own safeguards (the embedded ledger's triggers): what was found changed at open; writes are refused while non-empty. */
  readonly integrityProblems?: readonly string[];
}

/** Optimistic concurrency: someone else wrote to the stream first. Reload and decide again. */
export class WrongExpectedRevisionError extends Error {
  readonly code = 'EVENT_STORE.WRONG_EXPECTED_REVISION';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no-stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The store could not be reached or is busy: the operation may be retried as it is. */
export class EventStoreUnavailableError extends Error {
  readonly code = 'EVENT_STORE.UNAVAILABLE';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'EventStoreUnavailableError';
  }
}

/** The store's own safeguards (append-only triggers, schema) are not as this build made them: writes are refused until someone looks. */
export class LedgerIntegrityError extends Error {
  readonly code = 'LEDGER.INTEGRITY_FAILED';
  constructor(readonly problems: readonly string[]) {
    super(
      `the ledger refuses writes: its safeguards were changed (${problems.join('; ')}); verify the ledger (loyalty audit verify) and restore them before writing`,
    );
    this.name = 'LedgerIntegrityError';
  }
}

export function revisionMatches(expected: ExpectedRevision, current: bigint | null): boolean {
  if (expected === 'any') return true;
  if (expected === 'no-stream') return current === null;
  return current === expected;
}
