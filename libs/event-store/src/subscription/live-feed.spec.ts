import type { ReadAllOptions, StoredEvent, StreamAppendOutcome, Subscription } from '../port/event-store.port';
import { LiveFeed } from './live-feed';

function entry(position: number): StoredEvent {
  return {
    eventId: `e-${position}`,
    type: 'PointsEarned',
    schemaVersion: 1,
    data: { position },
    metadata: {},
    stream: `account-${position % 3}`,
    revision: BigInt(position),
    position: BigInt(position),
    recordedAt: '2026-12-01T00:00:00.000Z',
  } as StoredEvent;
}

/** A ledger of `count` entries that counts its reads of pages with entries in them. */
function ledger(count: number) {
  const entries = Array.from({ length: count }, (_, i) => entry(i + 1));
  const reads: { after: bigint; withMetadata: boolean }[] = [];
  const readAll = async (after: bigint, limit: number, options?: ReadAllOptions) => {
    const page = entries.filter((e) => e.position > after).slice(0, limit);
    if (page.length > 0) reads.push({ after, withMetadata: options?.includeMetadata !== false });
    return page;
  };
  return { readAll, reads };
}

const open: Subscription[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Resolves once the subscription has been handed entries up to `position`. */
function following(feed: LiveFeed, position: bigint, options: { includeMetadata?: boolean; batchSize?: number } = {}) {
  const seen: bigint[] = [];
  let reached: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (reached = resolve));
  const subscription = feed.subscribe(
    0n,
    async (events) => {
      seen.push(...events.map((e) => e.position));
      if (seen[seen.length - 1] >= position) reached();
    },
    { pollIntervalMs: 10_000, ...options },
  );
  open.push(subscription);
  return { seen, done, subscription };
}

const appended: StreamAppendOutcome[] = [{ stream: 'account-1', ok: true, result: { nextExpectedRevision: 1n, position: 1n, deduplicated: false } }];

describe('LiveFeed: subscriptions at one position share the page read', () => {
  it('reads a page once for the subscriptions that follow from the same position, and each gets every entry in order', async () => {
    // given a ledger of 5 entries and three subscriptions from its start
    const { readAll, reads } = ledger(5);
    const feed = new LiveFeed(readAll);
    // when they catch up
    const subscribers = [following(feed, 5n), following(feed, 5n), following(feed, 5n)];
    feed.notifyAppended(appended);
    await Promise.all(subscribers.map((s) => s.done));
    // then each has every entry once, in order, and the page was read once
    for (const s of subscribers) expect(s.seen).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(reads).toEqual([{ after: 0n, withMetadata: true }]);
  });

  it('does not hand a page read without metadata to a subscription that wants it, and keeps to each limit', async () => {
    // given a page read without metadata
    const { readAll, reads } = ledger(5);
    const feed = new LiveFeed(readAll);
    const lean = following(feed, 5n, { includeMetadata: false });
    await lean.done;
    // when a subscription with metadata and one of pages of 2 follow from the same position
    const full = following(feed, 5n);
    const small: bigint[][] = [];
    open.push(feed.subscribe(0n, async (events) => void small.push(events.map((e) => e.position)), { pollIntervalMs: 10_000, batchSize: 2 }));
    await full.done;
    await new Promise<void>((resolve) => {
      const check = () => (small.flat().length >= 5 ? resolve() : setImmediate(check));
      check();
    });
    // then the one with metadata read its own page, and the small pages hold at most 2 entries each
    expect(reads.filter((r) => r.after === 0n)).toEqual([
      { after: 0n, withMetadata: false },
      { after: 0n, withMetadata: true },
    ]);
    expect(full.seen).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(small.flat()).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(Math.max(...small.map((p) => p.length))).toBeLessThanOrEqual(2);
  });
});
