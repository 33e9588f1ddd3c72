import type { LoyaltyAccountState } from '@loyalty/ledger-domain';
import type { ExpectedRevision } from '@loyalty/event-store';

export interface CachedAccount {
  state: LoyaltyAccountState;
  /** The stream revision the state was folded up to ('no-stream' for a new account). */
  revision: ExpectedRevision;
  /** The hash of the stream's last entry (the next entry's `chain.previous`). */
  lastHash: string;
}

/**
 * Recently used accounts, least recently used evicted first. Stays correct with other
 * writers: a stale entry makes the append fail on its expected revision, and the writer
 * evicts it and reloads.
 */
export class AccountCache {
  private readonly entries = new Map<string, CachedAccount>();

  constructor(private readonly capacity: number) {}

  get(customerId: string): CachedAccount | undefined {
    const entry = this.entries.get(customerId);
    if (entry) {
      this.entries.delete(customerId);
      this.entries.set(customerId, entry);
    }
    return entry;
  }

  set(customerId: string, entry: CachedAccount): void {
    if (this.capacity <= 0) return;
    this.entries.delete(customerId);
    this.entries.set(customerId, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  evict(customerId: string): void {
    this.entries.delete(customerId);
  }

  get size(): number {
    return this.entries.size;
  }
}
