import { EventEmitter } from 'node:events';
import type {
  ReadAllOptions,
  EventToAppend,
  ExpectedRevision,
  AppendResult,
  StoredEvent,
  StreamAppend,
  StreamAppendOutcome,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
} from '../port/event-store.port';
import { PollingSubscription } from './polling-subscription';

/** What an adapter shares with its subscriptions: a wake-up on every in-process append, and the page last read. */
export class LiveFeed {
  private readonly appended = new EventEmitter();
  /**
   * The last page a subscription asked for (read or being read). Subscriptions at one position
   * (the projector's runners, the account cache's keeper), woken by one append, take it instead
   * of each reading and parsing the same entries again. Entries never change, so a page read
   * earlier is still what follows its position (a shorter page only means one more read).
   * Handlers must not change it.
   */
  private lastPage: { after: bigint; withMetadata: boolean; events: Promise<StoredEvent[]> } | null = null;

  constructor(private readonly readAll: (after: bigint, limit: number, options?: ReadAllOptions) => Promise<StoredEvent[]>) {
    this.appended.setMaxListeners(0);
  }

  private async readPage(after: bigint, limit: number, options?: ReadAllOptions): Promise<StoredEvent[]> {
    const withMetadata = options?.includeMetadata !== false;
    const last = this.lastPage;
    if (last && last.after === after && (last.withMetadata || !withMetadata)) {
      const events = await last.events;
      // An empty page is read again: entries may have been appended since.
      if (events.length > 0) return events.length <= limit ? events : events.slice(0, limit);
    }
    const events = this.readAll(after, limit, options);
    const page = { after, withMetadata, events };
    this.lastPage = page;
    events.catch(() => {
      if (this.lastPage === page) this.lastPage = null;
    });
    return events;
  }

  notifyAppended(outcomes: readonly StreamAppendOutcome[]): void {
    if (outcomes.some((o) => o.ok && !o.result.deduplicated)) this.appended.emit('append');
  }

  subscribe(afterPosition: bigint, handler: SubscriptionHandler, options?: SubscribeOptions): Subscription {
    return new PollingSubscription(
      (after, limit, readOptions) => this.readPage(after, limit, readOptions),
      afterPosition,
      handler,
      (listener) => {
        this.appended.on('append', listener);
        return () => this.appended.off('append', listener);
      },
      options,
    );
  }

  close(): void {
    this.lastPage = null;
    this.appended.removeAllListeners();
  }
}

/** append() in terms of appendMany(), for adapters whose single append is a batch of one. */
export async function appendOneOf(
  appendMany: (appends: StreamAppend[]) => Promise<StreamAppendOutcome[]>,
  stream: string,
  events: EventToAppend[],
  expectedRevision: ExpectedRevision,
): Promise<AppendResult> {
  const [outcome] = await appendMany([{ stream, events, expectedRevision }]);
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}
