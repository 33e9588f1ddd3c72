import {
  decide,
  evolve,
  foldLoyaltyAccount,
  initialLoyaltyAccountState,
  loyaltyAccountStream,
  sourceKeyOf,
  customerIdOfStream,
  LedgerRejectionCode,
  type LoyaltyAccountState,
  type Decision,
  type LedgerCommand,
  type LedgerEvent,
  type LedgerRejection,
} from '@loyalty/ledger-domain';
import type { EventStore, EventToAppend, StoredEvent, StreamAppend, StreamAppendOutcome, StreamOrderedCursor } from '@loyalty/event-store';
import { AccountCache, type CachedAccount } from '../persistence/account-cache';
import { canonicalJson, type RuleBook } from '@loyalty/program-rules';
import { CHAIN_GENESIS, chainLinkOf, entryHashOfCanonical, withChainField } from '../persistence/entry-chain';
import { decodeLedgerEvent, encodeLedgerEvent, type LedgerEntryMetadata } from '../persistence/ledger-event-codec';
import type { Provenance } from '../persistence/provenance';
import type { Clock } from './clock';
import { KeyedMutex } from './keyed-mutex';

export interface CommandEnvelope {
  command: LedgerCommand;
  provenance: Provenance;
  correlationId?: string;
}

export type LedgerWriteResult =
  | {
      status: 'accepted';
      customerId: string;
      sourceKey: string;
      /** Global position the read side must reach to show this write (null if nothing was written). */
      position: bigint | null;
      events: { type: string; revision: bigint }[];
      /** The events as decided (what a job reports on: points expired, ...). */
      decided: readonly LedgerEvent[];
    }
  | { status: 'duplicate'; customerId: string; sourceKey: string }
  /** Accepted, with nothing to record (an expiry run that found nothing due). */
  | { status: 'no-op'; customerId: string; sourceKey: string }
  | { status: 'rejected'; customerId: string; sourceKey: string; rejection: LedgerRejection };

/** Hooks for metrics; the writer itself knows nothing of Prometheus. */
export interface LedgerWriterObserver {
  commandDecided?(commandType: string, status: LedgerWriteResult['status']): void;
  concurrencyRetry?(customerId: string): void;
  /** A command failed unexpectedly while being decided or encoded (a defect): it was refused alone. */
  commandFailed?(commandType: string, error: unknown): void;
  appended?(streams: number, events: number, durationMs: number): void;
}

export interface RuleBookSource {
  current(): RuleBook;
}

export interface LedgerWriterOptions {
  /** Accounts kept folded in memory. */
  cacheCapacity?: number;
  /** Attempts per account when another writer keeps winning the race. */
  maxAttempts?: number;
  observer?: LedgerWriterObserver;
  /**
   * A batch goes to the store in appends of about this many events (whole accounts), each
   * given while the next is decided: with the SQLite writer thread, deciding and writing overlap.
   */
  appendChunkEvents?: number;
  /** Business times later than the clock plus this are refused (LEDGER.FUTURE_TIME); default DEFAULT_FUTURE_TOLERANCE_MS. */
  futureToleranceMs?: number;
}

/** How far a cache warm-up got: accounts kept, events folded, and whether it reached the cut. */
export interface WarmUpProgress {
  accounts: number;
  events: number;
  complete: boolean;
}

export class ConcurrencyRetriesExhaustedError extends Error {
  readonly code = 'LEDGER.CONCURRENCY_RETRIES_EXHAUSTED';
  constructor(readonly customerIds: string[], attempts: number) {
    super(`gave up after ${attempts} concurrent-write conflicts on ${customerIds.slice(0, 5).join(', ')}`);
    this.name = 'ConcurrencyRetriesExhaustedError';
  }
}

interface GroupPlan {
  customerId: string;
  indices: number[];
  account: CachedAccount;
  events: EventToAppend[];
  /** Per command index: the revisions of its events. */
  written: Map<number, { type: string; revision: bigint }[]>;
  /** The chain hash after the planned events. */
  lastHash: string;
}

/**
 * The write side: load the account, decide, append at the expected revision, retry on a
 * conflict. One path serves a single HTTP command and a Kafka batch of thousands: commands
 * are grouped by customer (in arrival order), decided in turn, and every account's events go
 * to the store in one appendMany.
 */
export class LedgerWriter {
  private readonly cache: AccountCache;
  private readonly maxAttempts: number;
  private readonly appendChunkEvents: number;
  private readonly locks = new KeyedMutex();
  /** Account reads asked so far: the warm-up gives way while they come. */
  private readsAsked = 0;

  constructor(
    private readonly store: EventStore,
    private readonly rules: RuleBookSource,
    private readonly clock: Clock,
    private readonly options: LedgerWriterOptions = {},
  ) {
    this.cache = new AccountCache(options.cacheCapacity ?? 100_000);
    this.maxAttempts = options.maxAttempts ?? 8;
    this.appendChunkEvents = options.appendChunkEvents ?? 500;
  }

  async execute(envelope: CommandEnvelope): Promise<LedgerWriteResult> {
    const [result] = await this.executeBatch([envelope]);
    return result;
  }

  async executeBatch(envelopes: readonly CommandEnvelope[]): Promise<LedgerWriteResult[]> {
    const release = await this.locks.lockAll(envelopes.map((e) => e.command.customerId));
    try {
      return await this.executeLocked(envelopes);
    } finally {
      release();
    }
  }

  private async executeLocked(envelopes: readonly CommandEnvelope[]): Promise<LedgerWriteResult[]> {
    const results: LedgerWriteResult[] = new Array(envelopes.length);
    let pending = groupByCustomer(envelopes);
    for (let attempt = 1; pending.size > 0; attempt++) {
      if (attempt > this.maxAttempts) throw new ConcurrencyRetriesExhaustedError([...pending.keys()], this.maxAttempts);
      const ruleBook = this.rules.current();
      const nowMs = this.clock.now().getTime();
      const decidedAt = new Date(nowMs).toISOString();
      const plans: GroupPlan[] = [];
      // Large batches go to the store in chunks of whole accounts, each given without waiting:
      // a store that writes in another thread writes one chunk while the next is decided.
      const chunks: { plans: GroupPlan[]; outcomes: Promise<StreamAppendOutcome[]> }[] = [];
      let chunk: GroupPlan[] = [];
      let chunkEvents = 0;
      const dispatch = () => {
        if (chunk.length === 0) return;
        const appends: StreamAppend[] = chunk.map((p) => ({ stream: loyaltyAccountStream(p.customerId), expectedRevision: p.account.revision, events: p.events }));
        const started = Date.now();
        const outcomes = this.store.appendMany(appends);
        outcomes.then(() => this.options.observer?.appended?.(appends.length, appends.reduce((n, a) => n + a.events.length, 0), Date.now() - started), () => undefined);
        chunks.push({ plans: chunk, outcomes });
        chunk = [];
        chunkEvents = 0;
      };
      let deciding: string | null = null;
      let decideFailure: { error: unknown } | null = null;
      try {
        for (const [customerId, indices] of pending) {
          deciding = customerId;
          const plan = await this.plan(customerId, indices, envelopes, results, { ruleBook, nowMs, decidedAt });
          plans.push(plan);
          if (plan.events.length === 0) continue;
          chunk.push(plan);
          chunkEvents += plan.events.length;
          if (chunkEvents >= this.appendChunkEvents) dispatch();
        }
        deciding = null;
        dispatch();
      } catch (error) {
        decideFailure = { error };
      }
      // Never leave with an append under way: the accounts' locks are released after this.
      const settled = await Promise.allSettled(chunks.map((c) => c.outcomes));
      const appendFailure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      const failure = decideFailure ?? (appendFailure ? { error: appendFailure.reason as unknown } : null);
      if (failure) {
        // States were evolved in place: what may not be stored must not stay cached.
        for (const p of plans) this.cache.evict(p.customerId);
        if (deciding !== null) this.cache.evict(deciding);
        throw failure.error;
      }

      const retry = new Map<string, number[]>();
      const outcomes = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
      const appended = chunks.flatMap((c) => c.plans);
      outcomes.forEach((outcome, i) => {
        const plan = appended[i];
        if (outcome.ok) {
          plan.account.revision = outcome.result.nextExpectedRevision;
          plan.account.lastHash = plan.lastHash;
          // A retry of an earlier append: the stored entries carry that attempt's metadata and
          // chain hashes, not this one's. Reload them rather than chain onto a hash never stored.
          if (outcome.result.deduplicated) this.cache.evict(plan.customerId);
          else this.cache.set(plan.customerId, plan.account);
          for (const index of plan.written.keys()) {
            const r = results[index];
            if (r.status === 'accepted') r.position = outcome.result.position;
          }
        } else {
          // Another writer got there first (or the events are already stored): reload and decide again.
          this.cache.evict(plan.customerId);
          this.options.observer?.concurrencyRetry?.(plan.customerId);
          retry.set(plan.customerId, plan.indices);
        }
      });
      for (const plan of plans) if (plan.events.length === 0) this.cache.set(plan.customerId, plan.account);
      pending = retry;
    }
    for (let i = 0; i < envelopes.length; i++) this.options.observer?.commandDecided?.(envelopes[i].command.type, results[i].status);
    return results;
  }

  /** Decides one account's commands in turn, evolving its (cached) state in place, and encodes the events. */
  private async plan(
    customerId: string,
    indices: number[],
    envelopes: readonly CommandEnvelope[],
    results: LedgerWriteResult[],
    at: { ruleBook: RuleBook; nowMs: number; decidedAt: string },
  ): Promise<GroupPlan> {
    const account = await this.load(customerId);
    const plan: GroupPlan = { customerId, indices, account, events: [], written: new Map(), lastHash: account.lastHash };
    let revision = account.revision === 'no-stream' ? -1n : (account.revision as bigint);
    const stream = loyaltyAccountStream(customerId);
    for (const index of indices) {
      const { command } = envelopes[index];
      const sourceKey = sourceKeyOf(command) ?? `expiry:${command.type === 'ExpirePoints' ? command.expiryRunId : index}`;
      // What belongs to this one command (deciding, encoding, hashing) fails this command alone: it
      // is refused with the reason (a dead letter, a 422), and the batch goes on. Nothing of it
      // reaches the state before every event of it is encoded.
      let decided: { decision: Extract<Decision, { outcome: 'accepted' }>; encoded: EventToAppend[]; lastHash: string } | null = null;
      try {
        const decision = decide(command, account.state, { ruleBook: at.ruleBook, nowMs: at.nowMs, futureToleranceMs: this.options.futureToleranceMs });
        if (decision.outcome === 'duplicate') {
          results[index] = { status: 'duplicate', customerId, sourceKey };
          continue;
        }
        if (decision.outcome === 'rejected') {
          results[index] = { status: 'rejected', customerId, sourceKey, rejection: decision.rejection };
          continue;
        }
        if (decision.events.length === 0) {
          results[index] = { status: 'no-op', customerId, sourceKey };
          continue;
        }
        decided = { decision, ...this.encode(decision, command.type, sourceKey, envelopes[index], stream, revision, plan.lastHash, at.decidedAt) };
      } catch (error) {
        this.options.observer?.commandFailed?.(command.type, error);
        results[index] = { status: 'rejected', customerId, sourceKey, rejection: { code: LedgerRejectionCode.Unprocessable, message: `the ledger could not process this command: ${(error as Error)?.message ?? String(error)}` } };
        continue;
      }
      const written: { type: string; revision: bigint }[] = [];
      decided.decision.events.forEach((event, i) => {
        plan.events.push(decided.encoded[i]);
        evolve(account.state, event); // in place: undone by eviction if the append fails
        written.push({ type: event.type, revision: ++revision });
      });
      plan.lastHash = decided.lastHash;
      plan.written.set(index, written);
      results[index] = { status: 'accepted', customerId, sourceKey, position: null, events: written, decided: decided.decision.events };
    }
    return plan;
  }

  /** The decided events as stored entries: registry type, deterministic id, metadata and the chain link of each. */
  private encode(
    decision: Extract<Decision, { outcome: 'accepted' }>,
    commandType: LedgerCommand['type'],
    sourceKey: string,
    { provenance, correlationId }: CommandEnvelope,
    stream: string,
    afterRevision: bigint,
    previousHash: string,
    decidedAt: string,
  ): { encoded: EventToAppend[]; lastHash: string } {
    const metadata: LedgerEntryMetadata = {
      correlationId: correlationId ?? correlationOf(provenance),
      causationId: correlationOf(provenance),
      sourceKey,
      commandType,
      provenance,
      rules: decision.rules,
      decidedAt,
    };
    const canonicalMetadata = canonicalJson(metadata);
    let revision = afterRevision;
    let lastHash = previousHash;
    const encoded = decision.events.map((event, i) => {
      const entry = encodeLedgerEvent(event, i, metadata);
      // Each entry links to the one before it in the stream (tamper evidence, see entry-chain).
      const canonicalData = canonicalJson(entry.data);
      const hash = entryHashOfCanonical(lastHash, { stream, revision: ++revision, eventId: entry.eventId, type: entry.type, schemaVersion: entry.schemaVersion }, canonicalData, canonicalMetadata);
      const chain = { previous: lastHash, hash };
      entry.metadata = { ...entry.metadata, chain };
      // The text just hashed is what gets stored: no second serialisation.
      entry.json = { data: canonicalData, metadata: withChainField(canonicalMetadata, chain) };
      lastHash = hash;
      return entry;
    });
    return { encoded, lastHash };
  }

  /**
   * Reads an account as of its latest stored entry and passes it to `view`, which must not keep
   * or change the state. A cached account no command holds is read at once (its state holds
   * only stored entries); one being decided is read after its lock, never mid-decision; one
   * not cached is folded from its stream (without the entries' metadata: a read needs none).
   */
  async readAccount<T>(customerId: string, view: (account: CachedAccount) => T): Promise<T> {
    this.readsAsked++;
    if (!this.locks.isLocked(customerId)) {
      const cached = this.cache.get(customerId);
      if (cached) return view(cached);
    }
    const release = await this.locks.lockAll([customerId]);
    try {
      const account = this.cache.get(customerId) ?? (await this.fold(customerId, { includeMetadata: false }));
      if (account.revision !== 'no-stream') this.cache.set(customerId, account);
      return view(account);
    } finally {
      release();
    }
  }

  /** The account folded from its stream; its chain hash only when read with the metadata. */
  private async fold(customerId: string, { includeMetadata }: { includeMetadata: boolean }): Promise<CachedAccount> {
    const stored = await this.store.readStream(loyaltyAccountStream(customerId), { includeMetadata });
    const state = foldLoyaltyAccount(stored.map(decodeLedgerEvent), initialLoyaltyAccountState());
    const last = stored[stored.length - 1];
    if (!last) return { state, revision: 'no-stream', lastHash: CHAIN_GENESIS };
    return { state, revision: last.revision, lastHash: includeMetadata ? (chainLinkOf(last.metadata)?.hash ?? CHAIN_GENESIS) : null };
  }

  /** The account as of its latest entry, with its chain hash (from the cache when it is there). Caller holds the lock. */
  private async load(customerId: string): Promise<CachedAccount & { lastHash: string }> {
    const cached = this.cache.get(customerId);
    if (cached && cached.lastHash !== null) return cached as CachedAccount & { lastHash: string };
    if (cached && typeof cached.revision === 'bigint') {
      // Folded without metadata (a read, a warm-up): the last entry's chain hash is read when a decision needs it.
      const [last] = await this.store.readStream(loyaltyAccountStream(customerId), { fromRevision: cached.revision, maxCount: 1 });
      if (last && last.revision === cached.revision) {
        cached.lastHash = chainLinkOf(last.metadata)?.hash ?? CHAIN_GENESIS;
        return cached as CachedAccount & { lastHash: string };
      }
    }
    return (await this.fold(customerId, { includeMetadata: true })) as CachedAccount & { lastHash: string };
  }

  /**
   * Folds the ledger's accounts as of now into the cache, stream after stream, until the cache is
   * full (reads then never wait for a first fold). Traffic goes on meanwhile: accounts written
   * since the cut keep their own state. Stores without a stream-ordered read are not warmed.
   */
  async warmUp(options: { signal?: AbortSignal; onProgress?: (progress: WarmUpProgress) => void } = {}): Promise<WarmUpProgress> {
    const progress: WarmUpProgress = { accounts: 0, events: 0, complete: false };
    const readByStream = this.store.readByStream?.bind(this.store);
    if (!readByStream || this.cache.limit <= 0) return progress;
    this.cache.beginWarmUp();
    try {
      const upTo = await this.store.headPosition();
      let after: StreamOrderedCursor | null = null;
      // The account being folded: its stream may go on over several pages.
      const current: { folding: { customerId: string; state: LoyaltyAccountState; revision: bigint } | null } = { folding: null };
      const offer = (): boolean => {
        const { folding } = current;
        if (!folding) return true;
        const outcome = this.cache.offerWarm(folding.customerId, { state: folding.state, revision: folding.revision, lastHash: null });
        if (outcome === 'kept') progress.accounts++;
        current.folding = null;
        return outcome !== 'full';
      };
      let pageStarted = performance.now();
      let readsBefore = this.readsAsked;
      for (;;) {
        if (options.signal?.aborted) return progress;
        const page = await readByStream(after, { upTo, maxStreams: 50, maxEvents: 250, includeMetadata: false });
        if (page.next === null) break;
        for (const stored of page.events) {
          const customerId = customerIdOfStream(stored.stream);
          if (customerId === null) continue;
          if (current.folding?.customerId !== customerId && !offer()) return progress;
          const folding = (current.folding ??= { customerId, state: initialLoyaltyAccountState(), revision: -1n });
          evolve(folding.state, decodeLedgerEvent(stored));
          folding.revision = stored.revision;
        }
        progress.events += page.events.length;
        after = page.next;
        if (page.next.afterRevision === undefined && !offer()) return progress;
        options.onProgress?.(progress);
        // Reads come first: while they are asked, the warm-up takes about a third of the thread.
        const busyMs = performance.now() - pageStarted;
        const readsMeanwhile = this.readsAsked - readsBefore;
        await yieldToTraffic(readsMeanwhile > 0 ? busyMs * 2 : 0);
        readsBefore = this.readsAsked;
        pageStarted = performance.now();
      }
      if (!offer()) return progress;
      progress.complete = true;
      return progress;
    } finally {
      this.cache.endWarmUp();
    }
  }

  /**
   * Keeps the cache true to the ledger when other processes write it too: an account another
   * writer appended to past the cached revision is evicted (and read again when next asked).
   * Given each page of a subscription to the ledger; this process's own appends are no-ops.
   */
  async ledgerAppended(events: readonly StoredEvent[]): Promise<void> {
    const latest = new Map<string, bigint>();
    for (const e of events) {
      const customerId = customerIdOfStream(e.stream);
      if (customerId !== null) latest.set(customerId, e.revision);
    }
    for (const [customerId, revision] of latest) {
      // One being decided here: its outcome first (its own append, or a conflict that evicts it).
      if (this.locks.isLocked(customerId)) (await this.locks.lockAll([customerId]))();
      const cached = this.cache.peek(customerId);
      if (cached === undefined) this.cache.forget(customerId);
      else if (cached.revision === 'no-stream' || (cached.revision as bigint) < revision) this.cache.evict(customerId);
    }
  }

  get cachedAccounts(): number {
    return this.cache.size;
  }
}

/**
 * Between two pages of a background fold: lets whatever waits run first (the pages of an embedded
 * store are read synchronously), and when something did wait (requests, a batch), gives it a few
 * milliseconds more. Alone, the fold runs at full speed; under traffic, the traffic comes first.
 */
/** Lets waiting I/O run; then pauses `pauseMs` (at least 5 ms if the turn showed work waiting). */
async function yieldToTraffic(pauseMs: number): Promise<void> {
  const before = performance.now();
  await new Promise((resolve) => setImmediate(resolve));
  const pause = Math.max(pauseMs, performance.now() - before > 1 ? 5 : 0);
  if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
}

function groupByCustomer(envelopes: readonly CommandEnvelope[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  envelopes.forEach((e, i) => {
    const list = groups.get(e.command.customerId);
    if (list) list.push(i);
    else groups.set(e.command.customerId, [i]);
  });
  return groups;
}

function correlationOf(provenance: Provenance): string {
  switch (provenance.channel) {
    case 'http':
      return provenance.requestId;
    case 'kafka':
      return provenance.messageId;
    case 'batch':
      return `${provenance.batchId}#${provenance.index}`;
    case 'system':
      return provenance.job;
  }
}
