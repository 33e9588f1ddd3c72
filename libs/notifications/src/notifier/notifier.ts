import { customerIdOfStream, ledgerEventRegistry, loyaltyAccountStream } from '@loyalty/ledger-domain';
import type { EventStore, StoredEvent, Subscription } from '@loyalty/event-store';
import type { RuleBook } from '@loyalty/program-rules';
import { customerProfileProjection, deriveFromEvent, initialNotifierState, type LoyaltyNotification, type NotifierCustomerState } from '@loyalty/read-models';
import type { NotificationOutbox } from '../outbox/notification-outbox.port';

export interface NotifierOptions {
  batchSize?: number;
  /** Customers' states kept in memory between pages (the notifier is their only writer). */
  cacheCapacity?: number;
  onError?: (error: unknown) => void;
  /** Told after each committed page: the ledger position reached and how many notifications it stored. */
  onCommitted?: (position: bigint, notifications: number) => void;
}

/** The running notifier as the app sees it: here (a Notifier) or in the notifications thread. */
export interface RunningNotifier {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The ledger position derived up to (committed with its notifications). */
  readonly checkpoint: bigint;
  /** Resolves true once the notifier has committed the ledger up to `position`; false after the timeout. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean>;
}

export const NOTIFIER = Symbol('NOTIFIER');

/** Polls `checkpoint` until it reaches `position`. */
export async function waitForCheckpoint(notifier: Pick<RunningNotifier, 'checkpoint'>, position: bigint, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (notifier.checkpoint < position) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/**
 * Follows the ledger from its own checkpoint, like a projection, and derives notifications with
 * the pure deriveFromEvent under the ledger's rules (never a candidate's): a page's
 * notifications, the customers' states and the checkpoint are committed together, so a crash
 * re-derives the page from the same states and the outbox stores each id once. It reads the
 * live ledger only: a shadow replay or a re-rating preview writes nothing there, so nothing is
 * announced for them.
 */
export class Notifier implements RunningNotifier {
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

  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    return waitForCheckpoint(this, position, timeoutMs);
  }

  private async follow(batch: StoredEvent[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.derivePage(batch);
    } catch (error) {
      this.cache.clear(); // states are changed in place: fold them from the ledger again
      throw error;
    }
  }

  private async derivePage(batch: StoredEvent[]): Promise<void> {
    const customers = [...new Set(batch.map((e) => customerIdOfStream(e.stream)).filter((id): id is string => id !== null))];
    const states = new Map<string, NotifierCustomerState>();
    for (const id of customers) states.set(id, this.cache.get(id) ?? (await this.foldedToCheckpoint(id)));
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
    await this.outbox.commitFollowed(notifications, position);
    this.remember(changed);
    this.committed = position;
    this.options.onCommitted?.(position, notifications.length);
  }

  /**
   * A customer's state at the checkpoint, from the ledger: their profile folded over their
   * stream up to the checkpoint (the tier reads only its windows, so the untrimmed profile gives
   * the same answers as the state the notifier had). Asked only for customers not in memory:
   * after a start, or once evicted. Storing the states instead cost the notifier most of its time.
   */
  private async foldedToCheckpoint(customerId: string): Promise<NotifierCustomerState> {
    let profile = initialNotifierState(customerId).profile;
    for (const stored of await this.events.readStream(loyaltyAccountStream(customerId))) {
      if (stored.position > this.committed) break; // a stream is in position order
      profile = customerProfileProjection.apply(profile, ledgerEventRegistry.decode(stored.type, stored.schemaVersion, stored.data));
    }
    return { profile };
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
