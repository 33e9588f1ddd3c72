import { detectRetry } from '../port/retry-detection';
import {
  assertStreamOrderedLimits,
  nextStreamOrderedCursor,
  revisionMatches,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadByStreamOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type StreamOrderedCursor,
  type StreamOrderedPage,
  type StreamAppend,
  type StreamAppendOutcome,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../port/event-store.port';
import { appendOneOf, LiveFeed } from '../subscription/live-feed';

/** The port in memory: for tests and for trying the API without a disk. Not durable. */
export class InMemoryEventStore implements EventStore {
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly feed = new LiveFeed((after, limit, options) => this.readAll(after, limit, options));

  constructor(private readonly clock: () => Date = () => new Date()) {}

  append(stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    return appendOneOf((appends) => this.appendMany(appends), stream, events, expectedRevision);
  }

  async appendMany(appends: StreamAppend[]): Promise<StreamAppendOutcome[]> {
    const outcomes = appends.map((a) => this.appendOne(a));
    this.feed.notifyAppended(outcomes);
    return outcomes;
  }

  private appendOne({ stream, events, expectedRevision }: StreamAppend): StreamAppendOutcome {
    const existing = this.streams.get(stream);
    const current = existing && existing.length > 0 ? BigInt(existing.length - 1) : null;
    if (!revisionMatches(expectedRevision, current) || expectedRevision === 'any') {
      const retry = detectRetry(
        { current, at: (r) => existing?.[Number(r)] && { eventId: existing[Number(r)].eventId.toLowerCase(), position: existing[Number(r)].position } },
        events.map((e) => e.eventId.toLowerCase()),
        expectedRevision,
      );
      if (retry) return { stream, ok: true, result: retry };
    }
    if (!revisionMatches(expectedRevision, current)) {
      return { stream, ok: false, error: new WrongExpectedRevisionError(stream, expectedRevision, current ?? 'no-stream') };
    }
    const target = existing ?? [];
    const recordedAt = this.clock().toISOString();
    for (const e of events) {
      const stored: StoredEvent = {
        ...structuredClone({ eventId: e.eventId, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata }),
        stream,
        revision: BigInt(target.length),
        position: BigInt(this.all.length + 1),
        recordedAt,
      };
      target.push(stored);
      this.all.push(stored);
    }
    this.streams.set(stream, target);
    const last = target[target.length - 1];
    return {
      stream,
      ok: true,
      result: { nextExpectedRevision: last ? last.revision : -1n, position: last ? last.position : BigInt(this.all.length), deduplicated: false },
    };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const events = this.streams.get(stream) ?? [];
    const from = Number(options.fromRevision ?? 0n);
    return events.slice(from, options.maxCount === undefined ? undefined : from + options.maxCount).map((e) => structuredClone(e));
  }

  async readAll(afterPosition: bigint, limit: number, options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const from = Number(afterPosition);
    const page = this.all.slice(from, from + limit);
    return options.includeMetadata === false
      ? page.map(({ metadata: _m, ...e }) => ({ ...structuredClone(e), metadata: {} }))
      : page.map((e) => structuredClone(e));
  }

  async readByStream(after: StreamOrderedCursor | null, options: ReadByStreamOptions): Promise<StreamOrderedPage> {
    assertStreamOrderedLimits(options);
    const { upTo, maxStreams, maxEvents } = options;
    const upToCut = (name: string) => (this.streams.get(name) ?? []).filter((e) => e.position <= upTo);
    const copy = (e: StoredEvent) => (options.includeMetadata === false ? { ...structuredClone(e), metadata: {} } : structuredClone(e));
    if (after?.afterRevision !== undefined) {
      const from = after.afterRevision;
      const rest = upToCut(after.stream)
        .filter((e) => e.revision > from)
        .slice(0, maxEvents);
      return { events: rest.map(copy), next: nextStreamOrderedCursor(rest, maxEvents, after.stream) };
    }
    const names = [...this.streams.keys()]
      .filter((name) => after === null || name > after.stream)
      .sort()
      .slice(0, maxStreams);
    if (names.length === 0) return { events: [], next: null };
    const events = names.flatMap(upToCut).slice(0, maxEvents);
    return { events: events.map(copy), next: nextStreamOrderedCursor(events, maxEvents, names[names.length - 1]) };
  }

  async recentStreams(maxEntries: number): Promise<string[]> {
    const streams = new Set<string>();
    for (let i = this.all.length - 1; i >= Math.max(0, this.all.length - maxEntries); i--) streams.add(this.all[i].stream);
    return [...streams];
  }

  async headPosition(): Promise<bigint> {
    return BigInt(this.all.length);
  }

  subscribeToAll(afterPosition: bigint, handler: SubscriptionHandler, options?: SubscribeOptions): Subscription {
    return this.feed.subscribe(afterPosition, handler, options);
  }

  async close(): Promise<void> {
    this.feed.close();
  }
}
