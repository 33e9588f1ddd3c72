import {
  customerIdOfStream,
  evolve,
  foldLoyaltyAccount,
  initialLoyaltyAccountState,
  loyaltyAccountStream,
  type LoyaltyAccountState,
} from '@loyalty/ledger-domain';
import type { EventStore, StoredEvent, StreamOrderedCursor } from '@loyalty/event-store';
import { DEFAULT_SLICE_MS } from '@loyalty/thread-support';
import { AccountCache, type CachedAccount } from '../persistence/account-cache';
import { CHAIN_GENESIS, chainLinkOf } from '../persistence/entry-chain';
import { decodeLedgerEvent } from '../persistence/ledger-event-codec';
import { KeyedMutex } from './keyed-mutex';

/** How far a cache warm-up got: accounts kept, events folded, and whether it reached the cut. */
export interface WarmUpProgress {
  accounts: number;
  events: number;
  complete: boolean;
}

export interface WarmUpOptions {
  signal?: AbortSignal;
  onProgress?: (progress: WarmUpProgress) => void;
}

/**
 * The ledger's accounts folded in memory: what the writer decides from (under each account's
 * lock) and what account reads are served from (without waiting, unless a decision is under way
 * on that account). Warmed from the ledger in the background, and kept true to it when other
 * processes append.
 */
export class AccountStates {
  readonly cache: AccountCache;
  private readonly locks = new KeyedMutex();
  /** Account reads asked so far: the warm-up gives way while they come. */
  private readsAsked = 0;

  constructor(
    private readonly store: EventStore,
    capacity: number,
  ) {
    this.cache = new AccountCache(capacity);
  }

  /** Locks the accounts for a decision: reads of them wait until it is released. */
  lock(customerIds: readonly string[]): Promise<() => void> {
    return this.locks.lockAll(customerIds);
  }

  /**
   * Reads an account as of its latest stored entry and passes it to `view`, which must not keep
   * or change the state. A cached account no command holds is read at once (its state holds
   * only stored entries); one being decided is read after its lock, never mid-decision; one
   * not cached is folded from its stream (without the entries' metadata: a read needs none).
   */
  async read<T>(customerId: string, view: (account: CachedAccount) => T): Promise<T> {
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

  /** The account as of its latest entry, with its chain hash (from the cache when it is there). Caller holds the lock (see lock). */
  async forDecision(customerId: string): Promise<CachedAccount & { lastHash: string }> {
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
   * Folds the ledger's accounts as of now into the cache until it is full (reads then never wait
   * for a first fold): first the accounts of the newest entries, most recent first (where the
   * store can say which: the customers active now), then stream after stream. Traffic goes on
   * meanwhile: accounts written since the warm-up began keep their own state. Stores without a
   * stream-ordered read are not warmed.
   */
  async warmUp(options: WarmUpOptions = {}): Promise<WarmUpProgress> {
    const progress: WarmUpProgress = { accounts: 0, events: 0, complete: false };
    const readByStream = this.store.readByStream?.bind(this.store);
    if (!readByStream || this.cache.limit <= 0) return progress;
    this.cache.beginWarmUp();
    try {
      if (!(await this.warmRecent(progress, options))) return progress;
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
      const pace = this.pacer();
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
        await pace();
      }
      if (!offer()) return progress;
      progress.complete = true;
      return progress;
    } finally {
      this.cache.endWarmUp();
    }
  }

  /** The warm-up's first part: the accounts of the newest entries, one fold each. False when the cache is full or the warm-up was stopped. */
  private async warmRecent(progress: WarmUpProgress, options: WarmUpOptions): Promise<boolean> {
    const recent = (await this.store.recentStreams?.(this.cache.limit)) ?? [];
    const pace = this.pacer();
    let sliceStart = performance.now();
    for (const stream of recent) {
      if (options.signal?.aborted) return false;
      const customerId = customerIdOfStream(stream);
      if (customerId === null || this.cache.peek(customerId) !== undefined) continue;
      const account = await this.fold(customerId, { includeMetadata: false });
      const outcome = this.cache.offerWarm(customerId, account);
      if (outcome === 'full') return false;
      if (outcome === 'kept') progress.accounts++;
      if (typeof account.revision === 'bigint') progress.events += Number(account.revision) + 1;
      // Accounts in use now are often long ones: traffic gets its turn by time, not by count.
      if (performance.now() - sliceStart >= DEFAULT_SLICE_MS) {
        options.onProgress?.(progress);
        await pace();
        sliceStart = performance.now();
      }
    }
    return true;
  }

  /** Gives way after each piece of a background fold (see yieldToTraffic): while reads are asked, they come first. */
  private pacer(): () => Promise<void> {
    let started = performance.now();
    let readsBefore = this.readsAsked;
    return async () => {
      const busyMs = performance.now() - started;
      // Reads come first: while they are asked, the warm-up takes about a third of the thread.
      await yieldToTraffic(this.readsAsked > readsBefore ? busyMs * 2 : 0);
      readsBefore = this.readsAsked;
      started = performance.now();
    };
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

  /** Accounts cached now. */
  get cached(): number {
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
