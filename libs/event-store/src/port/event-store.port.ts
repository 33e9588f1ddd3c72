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
}

export interface StoredEvent extends EventToAppend {
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

export type StreamAppendOutcome =
  | { stream: string; ok: true; result: AppendResult }
  | { stream: string; ok: false; error: WrongExpectedRevisionError };

/**
 * Readers that only fold events (projections) need no metadata: reading and parsing it costs
 * about half of a read. With includeMetadata false an adapter may leave it out (an empty
 * object); one that gets it for free keeps it. Everything else is the same.
 */
export interface ReadAllOptions {
  includeMetadata?: boolean;
}

/** A page of `readByStream`: whole streams, in stream-name order. */
export interface StreamOrderedPage {
  /** The events of the page's streams at or before `upTo`: by stream name, then revision. */
  events: StoredEvent[];
  /** The last stream name the page covered (pass it as `afterStream` for the next page); null once past the last stream. */
  lastStream: string | null;
}

export interface ReadByStreamOptions extends ReadAllOptions {
  /** Only events at or before this position: a fixed cut of an append-only ledger, the same on every page. */
  upTo: bigint;
}

export interface ReadStreamOptions {
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
   * revision order), at most `maxStreams` streams per page after `afterStream` (null: from the
   * first). A rebuild of per-stream projections reads this way where the store can do it
   * cheaply (by its stream index): each state is built whole, once, in key order, so the work
   * per event does not grow with the number of streams as it does in global order.
   */
  readByStream?(afterStream: string | null, maxStreams: number, options: ReadByStreamOptions): Promise<StreamOrderedPage>;
  /** The position of the newest event, 0n for an empty store. */
  headPosition(): Promise<bigint>;
  /** Catches up from afterPosition, then follows new events live. */
  subscribeToAll(afterPosition: bigint, handler: SubscriptionHandler, options?: SubscribeOptions): Subscription;
  close(): Promise<void>;
}

/** Optimistic concurrency: someone else wrote to the stream first. Reload and decide again. */
export class WrongExpectedRevisionError extends Error {
  readonly code = 'EVENT_STORE.WRONG_EXPECTED_REVISION';
  constructor(readonly stream: string, readonly expected: ExpectedRevision, readonly actual: bigint | 'no-stream') {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The store could not be reached or is busy: the operation may be retried as it is. */
export class EventStoreUnavailableError extends Error {
  readonly code = 'EVENT_STORE.UNAVAILABLE';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'EventStoreUnavailableError';
  }
}

export function revisionMatches(expected: ExpectedRevision, current: bigint | null): boolean {
  if (expected === 'any') return true;
  if (expected === 'no-stream') return current === null;
  return current === expected;
}
