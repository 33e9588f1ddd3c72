import { customerIdOfStream, ledgerEventRegistry } from '@loyalty/ledger-domain';
import type { EventStore, StoredEvent, Subscription } from '@loyalty/event-store';
import type { RuleBook } from '@loyalty/program-rules';
import { deriveFromEvent, initialNotifierState, type LoyaltyNotification, type NotifierCustomerState } from '@loyalty/read-models';
import type { NotificationOutbox } from '../outbox/notification-outbox.port';

export interface NotifierOptions {
  batchSize?: number;
  /** Customers' states kept in memory between pages (the notifier is their only writer). */
  cacheCapacity?: number;
  onError?: (error: unknown) => void;
  /** Told after each committed page: the ledger position reached and how many notifications it stored. */
  onCommitted?: (position: bigint, notifications: number) => void;
}

/**
 * Follows the ledger from its own checkpoint, like a projection, and derives notifications with
 * the pure deriveFromEvent under the ledger's rules (never a candidate's): a page's
 * notifications, the customers' states and the checkpoint are committed together, so a crash
 * re-derives the page from the same states and the outbox stores each id once. It reads the
 * live ledger only: a shadow replay or a re-rating preview writes nothing there, so nothing is
 * announced for them.
 */
export class Notifier {
  private subscription: Subscription | null = null;
  private committed = 0n;
  /** States as last committed, most recently used last: a page reads only the others back. */
  private readonly cache = new Map<string, NotifierCustomerState>();

  constructor(
    private readonly events: EventStore,
    private readonly outbox: NotificationOutbox,
    private readonly rules: { current(): RuleBook },
    private readonly options: NotifierOptions = {},
  ) {}

  async start(): Promise<void> {
    this.committed = BigInt((await this.outbox.checkpoint('notifier')) ?? '0');
    this.subscription = this.events.subscribeToAll(this.committed, (batch) => this.follow(batch), {
      batchSize: this.options.batchSize ?? 2000,
      includeMetadata: false,
      ...(this.options.onError ? { onError: this.options.onError } : {}),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
  }

  get checkpoint(): bigint {
    return this.committed;
  }

  /** Resolves true once the notifier has committed the ledger up to `position`; false after the timeout. */
  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.committed < position) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  private async follow(batch: StoredEvent[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.derivePage(batch);
    } catch (error) {
      this.cache.clear(); // states are changed in place: read them back from the outbox
      throw error;
    }
  }

  private async derivePage(batch: StoredEvent[]): Promise<void> {
    const customers = [...new Set(batch.map((e) => customerIdOfStream(e.stream)).filter((id): id is string => id !== null))];
    const states = await this.outbox.notifierStates(customers.filter((id) => !this.cache.has(id)));
    for (const id of customers) {
      const cached = this.cache.get(id);
      if (cached) states.set(id, cached);
    }
    const changed = new Map<string, NotifierCustomerState>();
    const notifications: LoyaltyNotification[] = [];
    const book = this.rules.current();
    for (const stored of batch) {
      const customerId = customerIdOfStream(stored.stream);
      if (customerId === null) continue;
      const event = ledgerEventRegistry.decode(stored.type, stored.schemaVersion, stored.data);
      const state = changed.get(customerId) ?? states.get(customerId) ?? initialNotifierState(customerId);
      const rules = book.inForceAt(Date.parse(stored.recordedAt)).rules;
      const result = deriveFromEvent(state, { eventId: stored.eventId, position: stored.position, event }, rules);
      changed.set(customerId, result.state);
      for (const n of result.notifications) notifications.push(n);
    }
    const position = batch[batch.length - 1].position;
    await this.outbox.commitFollowed(changed, notifications, position);
    this.remember(changed);
    this.committed = position;
    this.options.onCommitted?.(position, notifications.length);
  }

  private remember(states: ReadonlyMap<string, NotifierCustomerState>): void {
    const capacity = this.options.cacheCapacity ?? 100_000;
    for (const [id, state] of states) {
      this.cache.delete(id);
      this.cache.set(id, state);
    }
    for (const id of this.cache.keys()) {
      if (this.cache.size <= capacity) break;
      this.cache.delete(id);
    }
  }
}
