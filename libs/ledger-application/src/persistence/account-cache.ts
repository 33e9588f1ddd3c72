import type { LoyaltyAccountState } from '@loyalty/ledger-domain';
import type { ExpectedRevision } from '@loyalty/event-store';

export interface CachedAccount {
  state: LoyaltyAccountState;
  /** The stream revision the state was folded up to ('no-stream' for a new account). */
  revision: ExpectedRevision;
  /** The hash of the stream's last entry (the next entry's `chain.previous`); null: not read yet (a warmed state). */
  lastHash: string | null;
}

/** How many of the least recently used accounts an eviction weighs against each other. */
const EVICTION_CANDIDATES = 8;

/**
 * Recently used accounts. Evicted first: of the few least recently used, the one quickest to
 * fold again (the fewest entries): a frequent buyer's long history is seldom folded again while
 * requests wait behind it. Stays correct with other
 * writers: a stale entry makes the append fail on its expected revision, and the writer
 * evicts it and reloads (and the ledger follower evicts entries other processes wrote past).
 *
 * While a warm-up fills it from a fixed cut of the ledger, every account written or evicted
 * meanwhile is remembered: the warm-up's older state of it is not offered in its place.
 */
export class AccountCache {
  private readonly entries = new Map<string, CachedAccount>();
  private changedDuringWarmUp: Set<string> | null = null;

  constructor(private readonly capacity: number) {}

  get(customerId: string): CachedAccount | undefined {
    const entry = this.entries.get(customerId);
    if (entry) {
      this.entries.delete(customerId);
      this.entries.set(customerId, entry);
    }
    return entry;
  }

  /** The entry without changing its recency (the ledger follower's look). */
  peek(customerId: string): CachedAccount | undefined {
    return this.entries.get(customerId);
  }

  set(customerId: string, entry: CachedAccount): void {
    this.changedDuringWarmUp?.add(customerId);
    if (this.capacity <= 0) return;
    this.entries.delete(customerId);
    this.entries.set(customerId, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.evictionVictim(customerId));
  }

  /** Of the least recently used few (never the account just set), the one with the fewest entries; the older on a tie. */
  private evictionVictim(justSet: string): string {
    let victim = justSet;
    let fewest = Infinity;
    let weighed = 0;
    for (const [customerId, entry] of this.entries) {
      if (customerId === justSet || weighed++ === EVICTION_CANDIDATES) break;
      const entries = entry.revision === 'no-stream' ? 0 : Number(entry.revision) + 1;
      if (entries < fewest) {
        victim = customerId;
        fewest = entries;
      }
    }
    return victim;
  }

  evict(customerId: string): void {
    this.changedDuringWarmUp?.add(customerId);
    this.entries.delete(customerId);
  }

  /** An account changed elsewhere that is not cached: a warm-up under way must not bring in its older state. */
  forget(customerId: string): void {
    this.changedDuringWarmUp?.add(customerId);
  }

  beginWarmUp(): void {
    this.changedDuringWarmUp = new Set();
  }

  /**
   * A state folded by the warm-up: kept only if the account is not cached, did not change since
   * the warm-up began, and there is room (a warm-up never evicts what traffic brought in).
   */
  offerWarm(customerId: string, entry: CachedAccount): 'kept' | 'passed' | 'full' {
    if (this.entries.size >= this.capacity) return 'full';
    if (this.entries.has(customerId) || this.changedDuringWarmUp?.has(customerId)) return 'passed';
    this.entries.set(customerId, entry);
    return 'kept';
  }

  endWarmUp(): void {
    this.changedDuringWarmUp = null;
  }

  get size(): number {
    return this.entries.size;
  }

  get limit(): number {
    return this.capacity;
  }
}
