import type { EventStore, EventToAppend, ExpectedRevision, StreamAppend, StreamAppendOutcome } from '@loyalty/event-store';
import { loyaltyAccountStream } from '@loyalty/ledger-domain';

/** One account's planned entries, appended at the revision they were decided on. */
export interface AccountAppend {
  customerId: string;
  expectedRevision: ExpectedRevision;
  events: EventToAppend[];
}

/**
 * A batch's appends, given to the store in chunks of about `chunkEvents` events (whole accounts),
 * each without waiting for the one before: a store that writes in another thread writes one
 * chunk while the caller decides the next.
 */
export class ChunkedAppends<Plan extends AccountAppend> {
  private readonly chunks: { plans: Plan[]; outcomes: Promise<StreamAppendOutcome[]> }[] = [];
  private chunk: Plan[] = [];
  private eventsInChunk = 0;

  constructor(
    private readonly store: EventStore,
    private readonly eventsPerChunk: number,
    private readonly appended?: (streams: number, events: number, durationMs: number) => void,
  ) {}

  add(plan: Plan): void {
    if (plan.events.length === 0) return;
    this.chunk.push(plan);
    this.eventsInChunk += plan.events.length;
    if (this.eventsInChunk >= this.eventsPerChunk) this.dispatch();
  }

  /** Gives what is left, waits for every chunk, and pairs each plan with its outcome (or the first failure). */
  async settle(): Promise<{ outcomes: [Plan, StreamAppendOutcome][]; failure: { error: unknown } | null }> {
    this.dispatch();
    // Never leave with an append under way: the caller releases the accounts' locks after this.
    const settled = await Promise.allSettled(this.chunks.map((c) => c.outcomes));
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const outcomes: [Plan, StreamAppendOutcome][] = [];
    settled.forEach((s, c) => {
      if (s.status === 'fulfilled') s.value.forEach((outcome, i) => outcomes.push([this.chunks[c].plans[i], outcome]));
    });
    return { outcomes, failure: rejected ? { error: rejected.reason as unknown } : null };
  }

  private dispatch(): void {
    if (this.chunk.length === 0) return;
    const appends: StreamAppend[] = this.chunk.map((p) => ({
      stream: loyaltyAccountStream(p.customerId),
      expectedRevision: p.expectedRevision,
      events: p.events,
    }));
    const started = Date.now();
    const outcomes = this.store.appendMany(appends);
    outcomes.then(
      () =>
        this.appended?.(
          appends.length,
          appends.reduce((n, a) => n + a.events.length, 0),
          Date.now() - started,
        ),
      () => undefined,
    );
    this.chunks.push({ plans: this.chunk, outcomes });
    this.chunk = [];
    this.eventsInChunk = 0;
  }
}
