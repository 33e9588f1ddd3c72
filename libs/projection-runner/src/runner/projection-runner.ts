import { customerIdOfStream, ledgerEventRegistry } from '@loyalty/ledger-domain';
import type { EventStore, StoredEvent, Subscription } from '@loyalty/event-store';
import { projectionKey, type CustomerProjection } from '@loyalty/read-models';
import type { ProjectionStore } from '../store/projection-store.port';

export interface ProjectionRunnerOptions {
  batchSize?: number;
  onBatch?(projection: string, events: number, position: bigint): void;
  onError?(error: unknown): void;
}

/**
 * Runs one projection over the ledger's global feed: from its stored checkpoint it reads
 * batches in position order, applies them per customer with the pure projection, and commits
 * the changed states together with the new checkpoint. It catches up, then follows live.
 * One runner per projection writes its storage (single writer), so events apply in order, once.
 */
export class ProjectionRunner<S> {
  private subscription: Subscription | null = null;
  private position = 0n;
  readonly key: string;

  constructor(
    private readonly events: EventStore,
    private readonly store: ProjectionStore,
    private readonly projection: CustomerProjection<S>,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.key = projectionKey(projection);
  }

  /** Applies everything up to the ledger's current end; resolves with the position reached. */
  async catchUp(): Promise<bigint> {
    this.position = await this.store.checkpoint(this.key);
    for (;;) {
      const batch = await this.events.readAll(this.position, this.options.batchSize ?? 5000);
      if (batch.length === 0) return this.position;
      await this.apply(batch);
    }
  }

  /** Catches up, then follows new ledger entries as they are appended. */
  async start(): Promise<void> {
    await this.catchUp();
    this.subscription = this.events.subscribeToAll(this.position, (batch) => this.apply(batch), { batchSize: this.options.batchSize ?? 5000, onError: this.options.onError });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
  }

  /** The position of the last event applied. */
  get checkpoint(): bigint {
    return this.position;
  }

  /** True once the projection has applied the ledger up to `position` (read-your-writes); false after the timeout. */
  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.position < position) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  private async apply(batch: StoredEvent[]): Promise<void> {
    const byCustomer = new Map<string, StoredEvent[]>();
    for (const stored of batch) {
      const customerId = customerIdOfStream(stored.stream);
      if (customerId === null) continue; // not a loyalty account stream
      const list = byCustomer.get(customerId);
      if (list) list.push(stored);
      else byCustomer.set(customerId, [stored]);
    }
    const current = await this.store.load(this.key, [...byCustomer.keys()]);
    const changed = new Map<string, S>();
    for (const [customerId, stored] of byCustomer) {
      let state = (current.get(customerId) as S | undefined) ?? this.projection.initial(customerId);
      for (const s of stored) state = this.projection.apply(state, ledgerEventRegistry.decode(s.type, s.schemaVersion, s.data));
      changed.set(customerId, state);
    }
    const last = batch[batch.length - 1].position;
    await this.store.commit(this.key, changed, last);
    this.position = last;
    this.options.onBatch?.(this.key, batch.length, last);
  }
}
