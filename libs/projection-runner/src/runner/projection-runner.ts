import { customerIdOfStream, ledgerEventRegistry } from '@loyalty/ledger-domain';
import type { EventStore, StoredEvent, StreamOrderedCursor, Subscription } from '@loyalty/event-store';
import { completeStateChange, projectionKey, stateChange, type CustomerProjection, type ItemRef, type StateChange } from '@loyalty/read-models';
import type { ProjectionStore, RebuildCursor } from '../store/projection-store.port';

export interface ProjectionRunnerOptions {
  /** Events read from the ledger per page (in either order: a stream-ordered page ends inside a longer stream). */
  batchSize?: number;
  /**
   * While catching up, changed states are committed (with the checkpoint) once this many events
   * have been applied since the last commit (or `cachedStates` customers changed). A hot customer's
   * state is then serialised once per commit rather than once per page, which keeps a rebuild
   * linear. A crash redoes at most this many events. Live batches commit at once.
   */
  commitEveryEvents?: number;
  /**
   * A stream-ordered rebuild commits the complete states of at least this many events at a time
   * (default: commitEveryEvents, at most 20,000). Its states are written once whatever the commit size, so small commits cost
   * nothing more; they hold fewer states in memory, and each stalls the reading for less time.
   */
  rebuildCommitEveryEvents?: number;
  /** Customer states kept in memory between batches (the runner is the single writer, so they stay true); also the most uncommitted states before a commit. */
  cachedStates?: number;
  /**
   * How a rebuild from position zero reads the ledger. 'stream' (the default, where the ledger
   * offers readByStream): customer after customer, each state built whole from its own stream
   * and written once; the work per event stays the same however many customers there are, where
   * in global order their states outgrow the cache and must be reloaded and written again and
   * again. 'position': in global order, as live following does. Either way the tables are the same.
   * A rebuild begun by stream (a cursor in the store) is finished by stream.
   */
  rebuildOrder?: 'stream' | 'position';
  /** Streams per page of a stream-ordered rebuild (small pages: their events die young, before the GC promotes them). */
  streamsPerPage?: number;
  /** Storage key, if not the projection's own (`name_vN`): a shadow rebuild writes beside the live tables. */
  key?: string;
  /** Slows a catch-up to at most this many events per second (a replay must not starve live work). */
  maxEventsPerSecond?: number;
  /**
   * Called after each page is applied in memory (progress), before it is committed, with the
   * position reached (in a stream-ordered rebuild: 0 until its last page, the ledger is not read in position order).
   */
  onPage?(projection: string, events: number, position: bigint): void;
  /** Called after each commit with the events it covered and the checkpoint it stored. */
  onBatch?(projection: string, events: number, position: bigint): void;
  onError?(error: unknown): void;
}

/**
 * Runs one projection over the ledger's global feed: from its stored checkpoint it reads
 * batches in position order, applies them per customer with the pure projection, and commits
 * the changed states together with the new checkpoint in one transaction. It catches up, then
 * follows live. One runner per projection writes its storage (single writer), so events apply
 * in order, once; a crash or a failed commit resumes from the stored checkpoint.
 */
export class ProjectionRunner<S> {
  private subscription: Subscription | null = null;
  /** Set by stop(): a catch-up in progress ends before its next page, without committing. */
  private stopped = false;
  private wakeFromPace: (() => void) | null = null;
  /** The stored checkpoint: what readers of the store can see. */
  private committed = 0n;
  /** Applied in memory, not yet committed. */
  private applied = 0n;
  private uncommittedEvents = 0;
  private readonly cache = new Map<string, S>();
  /** This runner's writer epoch in the store (claimed at its first catch-up): its commits are fenced by it. */
  private writerEpoch: number | null = null;
  /** Customers changed since the last commit, with the collection items their events touched. */
  private readonly dirty = new Map<string, ItemRef[]>();
  private readonly commitEvery: number;
  private readonly cacheLimit: number;
  readonly key: string;

  constructor(
    private readonly events: EventStore,
    private readonly store: ProjectionStore,
    private readonly projection: CustomerProjection<S>,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.key = options.key ?? projectionKey(projection);
    this.commitEvery = options.commitEveryEvents ?? 500_000;
    this.cacheLimit = options.cachedStates ?? 100_000;
  }

  /**
   * Applies everything up to the ledger's end as it was when called, committed; resolves with
   * the position reached. It stops there even while ingestion goes on: chasing a moving end
   * never finishes when appends outpace the runner (the live subscription takes over instead).
   */
  async catchUp(): Promise<bigint> {
    this.stopped = false;
    await this.resetToStore();
    const target = await this.events.headPosition();
    const started = Date.now();
    let applied = 0;
    try {
      const cursor = await this.store.rebuildCursor(this.key);
      if (cursor && !this.events.readByStream) {
        // Begun by stream on a ledger that offered it; this one does not: start again in position order.
        await this.store.drop(this.key);
      } else if (cursor || (this.committed === 0n && target > 0n && this.events.readByStream && this.options.rebuildOrder !== 'position')) {
        if (!(await this.rebuildByStream(cursor ?? { upTo: target, afterStream: null }))) return this.committed;
      }
      while (this.applied < target) {
        if (this.stopped) {
          this.forgetUncommitted();
          return this.committed;
        }
        // A projection folds the events' data only: leaving the metadata out halves the read.
        const batch = await this.events.readAll(this.applied, this.options.batchSize ?? 5000, { includeMetadata: false });
        if (batch.length === 0) break;
        await this.applyInMemory(batch);
        applied += batch.length;
        this.options.onPage?.(this.key, batch.length, this.applied);
        await this.pace(applied, started);
        // Dirty states stay in memory until committed: bound them too, so memory does not grow with the ledger.
        if (this.uncommittedEvents >= this.commitEvery || this.dirty.size >= this.cacheLimit) await this.commit();
      }
      await this.commit();
    } catch (error) {
      this.forgetUncommitted();
      throw error;
    }
    return this.committed;
  }

  /**
   * Builds every customer's state from the ledger up to `upTo`, stream after stream, committing
   * whole states in stream (= key) order with a cursor, so a restart resumes after the last
   * committed stream. The last commit sets the checkpoint to `upTo` and clears the cursor.
   * Returns false if stopped meanwhile (the committed part stays; the next catch-up resumes it).
   */
  private async rebuildByStream(cursor: { upTo: bigint; afterStream: string | null }): Promise<boolean> {
    const readByStream = this.events.readByStream?.bind(this.events);
    if (!readByStream) throw new Error('the ledger offers no stream-ordered read');
    const { upTo } = cursor;
    let changes = new Map<string, StateChange>();
    let pendingEvents = 0;
    let applied = 0;
    const started = Date.now();
    // The last stream whose state is complete (in `changes` or committed): where a restart resumes.
    let lastCompleteStream = cursor.afterStream;
    // The states of one commit are written while the next ones are folded (stores write commits in
    // the order given); at most one is under way, and its failure stops the rebuild at the next.
    let underWay: Promise<void> = Promise.resolve();
    const commit = async (rebuild: RebuildCursor | null) => {
      await underWay;
      // The checkpoint stays 0 until the last stream is in: readers of a partly rebuilt store see it as not there yet.
      const checkpoint = rebuild ? 0n : upTo;
      const events = pendingEvents;
      underWay = this.store
        .commit(this.key, changes, checkpoint, this.writerEpoch ?? undefined, rebuild)
        .then(() => this.options.onBatch?.(this.key, events, checkpoint));
      underWay.catch(() => undefined); // awaited at the next commit, at the end, or on the way out
      changes = new Map();
      pendingEvents = 0;
    };
    // The stream being folded: it may go on over several pages (a customer with more events than a page holds).
    let stream: string | null = null;
    let customerId: string | null = null;
    let state: S | undefined;
    const completeStream = () => {
      if (stream === null) return;
      if (customerId !== null) changes.set(customerId, completeStateChange(this.projection.storage, state));
      lastCompleteStream = stream;
      stream = null;
    };
    let after: StreamOrderedCursor | null = cursor.afterStream === null ? null : { stream: cursor.afterStream };
    const limits = { upTo, maxStreams: this.options.streamsPerPage ?? 100, maxEvents: this.options.batchSize ?? 5000, includeMetadata: false };
    const rebuildCommitEvery = this.options.rebuildCommitEveryEvents ?? Math.min(this.commitEvery, 20_000);
    try {
      for (;;) {
        if (this.stopped) return false;
        const page = await readByStream(after, limits);
        if (page.next === null) break;
        for (const stored of page.events) {
          if (stored.stream !== stream) {
            completeStream();
            stream = stored.stream;
            customerId = customerIdOfStream(stream); // null: not a loyalty account stream, skipped
            state = customerId === null ? undefined : this.projection.initial(customerId);
          }
          if (customerId !== null) state = this.projection.apply(state as S, ledgerEventRegistry.decode(stored.type, stored.schemaVersion, stored.data));
        }
        if (page.next.afterRevision === undefined) completeStream();
        after = page.next;
        pendingEvents += page.events.length;
        applied += page.events.length;
        this.options.onPage?.(this.key, page.events.length, 0n);
        await this.pace(applied, started);
        if (lastCompleteStream !== null && changes.size > 0 && (pendingEvents >= rebuildCommitEvery || changes.size >= this.cacheLimit)) {
          await commit({ upTo, afterStream: lastCompleteStream });
        }
      }
      completeStream();
      await commit(null);
      await underWay;
    } finally {
      // Never leave with a commit under way (the caller may close the store next); its error, if any, was thrown above.
      await underWay.catch(() => undefined);
    }
    this.committed = upTo;
    this.applied = upTo;
    return true;
  }

  /** Between pages: lets the rest of the process run, and keeps to maxEventsPerSecond. */
  private async pace(appliedSinceStart: number, startedAt: number): Promise<void> {
    // An embedded store reads synchronously: without this, a long catch-up would starve
    // every timer and socket of the process (HTTP, Kafka heartbeats, ingestion) until done.
    await new Promise((r) => setImmediate(r));
    if (this.options.maxEventsPerSecond) {
      const ahead = (appliedSinceStart / this.options.maxEventsPerSecond) * 1000 - (Date.now() - startedAt);
      if (ahead > 0 && !this.stopped) {
        // A stop wakes the pause: cancelling a throttled replay answers at once.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => ((this.wakeFromPace = null), resolve()), ahead);
          this.wakeFromPace = () => (clearTimeout(timer), (this.wakeFromPace = null), resolve());
        });
      }
    }
  }

  /** Catches up, then follows new ledger entries as they are appended (each live batch commits at once). */
  async start(): Promise<void> {
    await this.catchUp();
    if (this.stopped) return;
    this.subscription = this.events.subscribeToAll(
      this.committed,
      async (batch) => {
        try {
          await this.applyInMemory(batch);
          await this.commit();
        } catch (error) {
          // The subscription redelivers from its own position; the states must restart from the store.
          this.forgetUncommitted();
          throw error;
        }
      },
      { batchSize: this.options.batchSize ?? 5000, onError: this.options.onError, includeMetadata: false },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeFromPace?.();
    await this.subscription?.close();
    this.subscription = null;
  }

  /** The position of the last event committed to the store. */
  get checkpoint(): bigint {
    return this.committed;
  }

  /** True once the projection has committed the ledger up to `position` (read-your-writes); false after the timeout. */
  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.committed < position) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  private async resetToStore(): Promise<void> {
    // One runner per projection writes its storage: claiming makes any older writer's commits fail.
    this.writerEpoch ??= await this.store.claimWriter(this.key);
    this.forgetUncommitted();
    this.committed = await this.store.checkpoint(this.key);
    this.applied = this.committed;
  }

  /** After a failure the in-memory states may be ahead of the store: drop them all. */
  private forgetUncommitted(): void {
    this.cache.clear();
    this.dirty.clear();
    this.uncommittedEvents = 0;
    this.applied = this.committed;
  }

  private async applyInMemory(batch: StoredEvent[]): Promise<void> {
    const byCustomer = new Map<string, StoredEvent[]>();
    for (const stored of batch) {
      const customerId = customerIdOfStream(stored.stream);
      if (customerId === null) continue; // not a loyalty account stream
      const list = byCustomer.get(customerId);
      if (list) list.push(stored);
      else byCustomer.set(customerId, [stored]);
    }
    const missing: string[] = [];
    for (const customerId of byCustomer.keys()) if (!this.cache.has(customerId)) missing.push(customerId);
    const loaded = missing.length > 0 ? await this.store.load(this.key, missing) : new Map<string, unknown>();
    const storage = this.projection.storage;
    for (const [customerId, stored] of byCustomer) {
      let state = this.cache.get(customerId) ?? (loaded.get(customerId) as S | undefined) ?? this.projection.initial(customerId);
      let touched = this.dirty.get(customerId);
      if (!touched) this.dirty.set(customerId, (touched = []));
      const items = touched;
      const touch = storage ? (collection: string, key: string) => void items.push({ collection, key }) : undefined;
      for (const s of stored) state = this.projection.apply(state, ledgerEventRegistry.decode(s.type, s.schemaVersion, s.data), touch);
      this.cache.delete(customerId); // re-inserted last: the eviction below drops the least recently used
      this.cache.set(customerId, state);
    }
    this.applied = batch[batch.length - 1].position;
    this.uncommittedEvents += batch.length;
  }

  private async commit(): Promise<void> {
    if (this.applied === this.committed) return;
    // Only the heads and the touched items are written: a commit costs what changed since the last one.
    // In key order: the store's rows are clustered by customer, so sorted writes walk its B-tree
    // once instead of jumping across it (at 10M events, a commit touches much of the table).
    const changed = new Map<string, StateChange>();
    for (const customerId of [...this.dirty.keys()].sort())
      changed.set(customerId, stateChange(this.projection.storage, this.cache.get(customerId), this.dirty.get(customerId) as ItemRef[]));
    await this.store.commit(this.key, changed, this.applied, this.writerEpoch ?? undefined);
    const events = this.uncommittedEvents;
    this.committed = this.applied;
    this.dirty.clear();
    this.uncommittedEvents = 0;
    // Every cached state is now clean: trim the oldest ones beyond the limit (Map keeps insertion order).
    if (this.cache.size > this.cacheLimit) {
      let excess = this.cache.size - this.cacheLimit;
      for (const customerId of this.cache.keys()) {
        if (excess-- <= 0) break;
        this.cache.delete(customerId);
      }
    }
    this.options.onBatch?.(this.key, events, this.committed);
  }
}
