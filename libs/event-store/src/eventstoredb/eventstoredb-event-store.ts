import type { AllStreamResolvedEvent, EventStoreDBClient, excludeSystemEvents, Position, START } from '@eventstore/db-client';
import { esdb } from './eventstoredb-client';
import { detectRetry } from '../port/retry-detection';
import {
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type StreamAppend,
  type StreamAppendOutcome,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../port/event-store.port';
import { decodePosition, encodePosition, fromResolvedEvent, isSystemEventType, mapEsdbError, toEsdbEvent, toEsdbExpectedRevision } from './eventstoredb-codec';

/**
 * The ledger on EventStoreDB (KurrentDB). Thin by design: the mapping lives in the codec; the
 * guarantees (optimistic concurrency, idempotent retries by event id, one global order) are
 * the server's. appendMany appends stream by stream (EventStoreDB has no multi-stream
 * transaction); a conflict fails only its own stream, as the port says.
 */
export class EventStoreDbEventStore implements EventStore {
  private constructor(private readonly client: EventStoreDBClient) {}

  static fromConnectionString(connectionString: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(esdb().EventStoreDBClient.connectionString(connectionString));
  }

  async append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    try {
      const result = await this.client.appendToStream(stream, events.map(toEsdbEvent), { expectedRevision: toEsdbExpectedRevision(expectedRevision) });
      return { nextExpectedRevision: result.nextExpectedRevision, position: result.position ? encodePosition(result.position) : 0n, deduplicated: false };
    } catch (error) {
      const mapped = mapEsdbError(error, stream, expectedRevision);
      if (mapped instanceof WrongExpectedRevisionError) {
        // A retry whose first try was written: the events already stand where it expected them.
        const retry = await this.retryOf(stream, events, expectedRevision, mapped.actual);
        if (retry) return retry;
      }
      throw mapped;
    }
  }

  async appendMany(appends: StreamAppend[]): Promise<StreamAppendOutcome[]> {
    const outcomes: StreamAppendOutcome[] = [];
    for (const a of appends) {
      try {
        outcomes.push({ stream: a.stream, ok: true, result: await this.append(a.stream, a.events, a.expectedRevision) });
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        outcomes.push({ stream: a.stream, ok: false, error });
      }
    }
    return outcomes;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, {
        direction: esdb().FORWARDS,
        fromRevision: options.fromRevision ?? esdb().START,
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
      })) {
        const event = fromResolvedEvent(resolved);
        if (event) out.push(event);
      }
    } catch (error) {
      if ((error as { type?: string }).type === 'stream-not-found') return [];
      throw mapEsdbError(error, stream, 'any');
    }
    return out;
  }

  /** The client parses every event's metadata anyway (its schema version is there): includeMetadata changes nothing. */
  async readAll(afterPosition: bigint, limit: number, _options?: ReadAllOptions): Promise<StoredEvent[]> {
    const from = decodePosition(afterPosition);
    const out: StoredEvent[] = [];
    // fromPosition is inclusive: read one more and drop the event at the checkpoint itself.
    const read = this.client.readAll({ direction: esdb().FORWARDS, fromPosition: from ?? esdb().START, maxCount: limit + 1 });
    for await (const resolved of read) {
      const event = fromResolvedEvent(resolved);
      if (!event || isSystemEventType(event.type) || event.stream.startsWith('$')) continue;
      if (event.position <= afterPosition) continue;
      out.push(event);
      if (out.length === limit) break;
    }
    return out;
  }

  async headPosition(): Promise<bigint> {
    for await (const resolved of this.client.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 50 })) {
      const event = fromResolvedEvent(resolved);
      if (event && !isSystemEventType(event.type) && !event.stream.startsWith('$')) return event.position;
    }
    return 0n;
  }

  /** A catch-up subscription to $all (system events filtered out by the server) that reconnects with backoff. */
  subscribeToAll(afterPosition: bigint, handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    return new EventStoreDbSubscription(this.client as unknown as AllSubscriber, afterPosition, handler, options);
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  private async retryOf(stream: string, events: EventToAppend[], expected: ExpectedRevision, actual: bigint | 'no-stream'): Promise<AppendResult | null> {
    if (actual === 'no-stream') return null;
    const stored = await this.readStream(stream);
    return detectRetry(
      { current: actual, at: (r) => stored[Number(r)] && { eventId: stored[Number(r)].eventId.toLowerCase(), position: stored[Number(r)].position } },
      events.map((e) => e.eventId.toLowerCase()),
      expected,
    );
  }
}

/** What the subscription needs of the client (a fake one in unit tests). */
export interface AllSubscriber {
  subscribeToAll(options: {
    fromPosition: Position | typeof START;
    filter: ReturnType<typeof excludeSystemEvents>;
  }): AsyncIterable<AllStreamResolvedEvent> & { unsubscribe(): Promise<void> };
}

/** Catch-up subscription to $all: resumes after the last handled event, reconnecting with backoff (250 ms doubling to 30 s). */
export class EventStoreDbSubscription implements Subscription {
  private current: bigint;
  private closed = false;
  private active: { unsubscribe(): Promise<void> } | null = null;
  readonly done: Promise<void>;

  constructor(
    private readonly client: AllSubscriber,
    afterPosition: bigint,
    private readonly handler: SubscriptionHandler,
    private readonly options: SubscribeOptions,
    private readonly initialBackoffMs = 250,
  ) {
    this.current = afterPosition;
    this.done = this.run();
  }

  get position(): bigint {
    return this.current;
  }

  private async run(): Promise<void> {
    let backoffMs = this.initialBackoffMs;
    while (!this.closed) {
      const from = decodePosition(this.current);
      const subscription = this.client.subscribeToAll({ fromPosition: from ?? esdb().START, filter: esdb().excludeSystemEvents() });
      this.active = subscription;
      try {
        for await (const resolved of subscription) {
          if (this.closed) break;
          const event = fromResolvedEvent(resolved);
          if (!event || event.position <= this.current) continue; // the start position is inclusive
          await this.handler([event]);
          this.current = event.position;
          backoffMs = this.initialBackoffMs;
        }
      } catch (error) {
        if (this.closed) break;
        this.options.onError?.(error);
        await new Promise((r) => setTimeout(r, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 30_000);
      } finally {
        await subscription.unsubscribe().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.active?.unsubscribe().catch(() => undefined);
    await this.done.catch(() => undefined);
  }
}
