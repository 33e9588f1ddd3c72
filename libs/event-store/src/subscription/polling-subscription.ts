import type { ReadAllOptions, StoredEvent, SubscribeOptions, Subscription, SubscriptionHandler } from '../port/event-store.port';

/**
 * A catch-up-then-live subscription over any readAll. It reads pages until it is at the head,
 * then sleeps until woken (an in-process append) or the poll interval passes (another process).
 * The handler runs one page at a time, in order: back-pressure by construction.
 */
export class PollingSubscription implements Subscription {
  private current: bigint;
  private closed = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  readonly done: Promise<void>;

  constructor(
    private readonly readAll: (after: bigint, limit: number, options?: ReadAllOptions) => Promise<StoredEvent[]>,
    afterPosition: bigint,
    private readonly handler: SubscriptionHandler,
    private readonly onAppend: (listener: () => void) => () => void,
    private readonly options: SubscribeOptions = {},
  ) {
    this.current = afterPosition;
    this.done = this.run();
  }

  get position(): bigint {
    return this.current;
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 1000;
    const pollMs = this.options.pollIntervalMs ?? 200;
    const readOptions: ReadAllOptions = { includeMetadata: this.options.includeMetadata ?? true };
    const unsubscribe = this.onAppend(() => this.wake?.());
    try {
      while (!this.closed) {
        const events = await this.readAll(this.current, batchSize, readOptions);
        if (this.closed) break;
        if (events.length > 0) {
          await this.handler(events);
          this.current = events[events.length - 1].position;
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, pollMs);
        });
        this.wake = null;
        if (this.timer) clearTimeout(this.timer);
      }
    } catch (error) {
      this.options.onError?.(error);
      if (!this.options.onError) throw error;
    } finally {
      unsubscribe();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.done.catch(() => undefined);
  }
}
