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

/** What an adapter shares with its subscriptions: a wake-up on every in-process append. */
export class LiveFeed {
  private readonly appended = new EventEmitter();

  constructor(private readonly readAll: (after: bigint, limit: number, options?: ReadAllOptions) => Promise<StoredEvent[]>) {
    this.appended.setMaxListeners(0);
  }

  notifyAppended(outcomes: readonly StreamAppendOutcome[]): void {
    if (outcomes.some((o) => o.ok && !o.result.deduplicated)) this.appended.emit('append');
  }

  subscribe(afterPosition: bigint, handler: SubscriptionHandler, options?: SubscribeOptions): Subscription {
    return new PollingSubscription(
      this.readAll,
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
