// The one contract every EventStore adapter passes. Adapters' specs call it with a factory;
// it uses jest globals, so it is not exported from index.ts (production code never needs it).
import { randomUUID } from 'node:crypto';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type StreamOrderedCursor,
  type StreamOrderedPage,
  type StoredEvent,
} from '../port/event-store.port';

export interface ContractSubject {
  store: EventStore;
  /** Another connection to the same store, where the adapter has that notion. */
  secondConnection?: () => Promise<EventStore>;
  cleanup: () => Promise<void>;
}

const event = (n: number): EventToAppend => ({
  eventId: randomUUID(),
  type: 'test.thing-happened',
  schemaVersion: 1,
  data: { n, text: `event ${n}`, nested: { yen: 1000 * n } },
  metadata: { correlationId: `corr-${n}`, source: { kind: 'test' } },
});

async function waitUntil(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Registers the contract for one adapter. With `skipReason` the suite is registered as skipped
 * (so jest reports it as skipped, never as passed) and the reason is printed on one line.
 */
export function describeEventStoreContract(
  name: string,
  createSubject: () => Promise<ContractSubject>,
  options: { skipReason?: string; readsByStream?: boolean; tellsRecentStreams?: boolean } = {},
): void {
  if (options.skipReason) process.stderr.write(`[contract] EventStore contract: ${name} SKIPPED: ${options.skipReason}\n`);
  const describeOrSkip = options.skipReason ? describe.skip : describe;
  describeOrSkip(`EventStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: EventStore;
    let stream: string;

    beforeEach(async () => {
      subject = await createSubject();
      store = subject.store;
      stream = `loyaltyAccount-${randomUUID()}`;
    });
    afterEach(async () => subject.cleanup());

    it('appends to a new stream and reads it back in order, with revisions from 0', async () => {
      const result = await store.append(stream, [event(1), event(2), event(3)], 'no-stream');
      expect(result).toMatchObject({ nextExpectedRevision: 2n, deduplicated: false });
      const read = await store.readStream(stream);
      expect(read.map((e) => [e.revision, e.data.n])).toEqual([
        [0n, 1],
        [1n, 2],
        [2n, 3],
      ]);
      expect(read[2].position).toBe(result.position);
      expect(read[0].data).toEqual({ n: 1, text: 'event 1', nested: { yen: 1000 } });
      expect(read[0].metadata).toEqual({ correlationId: 'corr-1', source: { kind: 'test' } });
      expect(read[0].type).toBe('test.thing-happened');
      expect(read[0].schemaVersion).toBe(1);
      expect(Date.parse(read[0].recordedAt)).not.toBeNaN();
    });

    it('reads an unknown stream as empty, and from a revision with a max count', async () => {
      expect(await store.readStream(`none-${randomUUID()}`)).toEqual([]);
      await store.append(stream, [event(1), event(2), event(3), event(4)], 'no-stream');
      const page = await store.readStream(stream, { fromRevision: 1n, maxCount: 2 });
      expect(page.map((e) => e.data.n)).toEqual([2, 3]);
    });

    it('enforces the expected revision: no-stream, exact, stale', async () => {
      await store.append(stream, [event(1)], 'no-stream');
      await expect(store.append(stream, [event(2)], 'no-stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(store.append(stream, [event(2)], 5n)).rejects.toMatchObject({ stream, expected: 5n, actual: 0n });
      await expect(store.append(`none-${randomUUID()}`, [event(2)], 0n)).rejects.toMatchObject({ actual: 'no-stream' });
      const next = await store.append(stream, [event(2)], 0n);
      expect(next.nextExpectedRevision).toBe(1n);
      const any = await store.append(stream, [event(3)], 'any');
      expect(any.nextExpectedRevision).toBe(2n);
    });

    it('lets exactly one of many concurrent appends at one expected revision win', async () => {
      await store.append(stream, [event(0)], 'no-stream');
      const attempts = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.append(stream, [event(100 + i)], 0n)));
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      const failures = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
      expect(failures).toHaveLength(9);
      for (const f of failures) expect(f.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('lets exactly one writer win across two connections', async () => {
      if (!subject.secondConnection) {
        console.info(`[contract] ${name}: no second connection for this adapter; the in-process race above covers it`);
        return;
      }
      const other = await subject.secondConnection();
      try {
        await store.append(stream, [event(0)], 'no-stream');
        const results = await Promise.allSettled([store.append(stream, [event(1)], 0n), other.append(stream, [event(2)], 0n)]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(await other.readStream(stream)).toHaveLength(2);
      } finally {
        await other.close();
      }
    });

    it('treats a retry with the same event ids as done, writing nothing twice', async () => {
      const batch = [event(1), event(2)];
      const first = await store.append(stream, batch, 'no-stream');
      const retry = await store.append(stream, batch, 'no-stream');
      expect(retry).toEqual({ nextExpectedRevision: 1n, position: first.position, deduplicated: true });
      await store.append(stream, [event(3)], 1n);
      const lateRetry = await store.append(stream, batch, 'no-stream');
      expect(lateRetry).toMatchObject({ deduplicated: true, position: first.position, nextExpectedRevision: 2n });
      expect(await store.readStream(stream)).toHaveLength(3);
    });

    it("recognises a retry under 'any' by the stream's last events", async () => {
      const batch = [event(1), event(2)];
      const first = await store.append(stream, batch, 'any');
      expect(await store.append(stream, batch, 'any')).toEqual({ nextExpectedRevision: 1n, position: first.position, deduplicated: true });
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('does not take a different append at a stale revision for a retry', async () => {
      const [e1, e2, e3] = [event(1), event(2), event(3)];
      await store.append(stream, [e1, e2], 'no-stream');
      await expect(store.append(stream, [e1, e3], 'no-stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(store.append(stream, [e2], 'no-stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream(stream)).map((e) => e.data.n)).toEqual([1, 2]);
    });

    it('appends to many streams at once, failing only the stream whose revision is stale', async () => {
      const a = `${stream}-a`;
      const b = `${stream}-b`;
      const c = `${stream}-c`;
      await store.append(b, [event(0)], 'no-stream');
      const outcomes = await store.appendMany([
        { stream: a, expectedRevision: 'no-stream', events: [event(1), event(2)] },
        { stream: b, expectedRevision: 'no-stream', events: [event(3)] },
        { stream: c, expectedRevision: 'no-stream', events: [event(4)] },
      ]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
      expect(!outcomes[1].ok && outcomes[1].error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream(a)).map((e) => e.data.n)).toEqual([1, 2]);
      expect((await store.readStream(b)).map((e) => e.data.n)).toEqual([0]);
      expect((await store.readStream(c)).map((e) => e.data.n)).toEqual([4]);
    });

    it('reads all streams in one global order, paged from a position', async () => {
      const start = await store.headPosition();
      const s2 = `${stream}-2`;
      await store.append(stream, [event(1)], 'no-stream');
      await store.append(s2, [event(2), event(3)], 'no-stream');
      await store.append(stream, [event(4)], 0n);
      const all: StoredEvent[] = [];
      let after = start;
      for (;;) {
        const page = await store.readAll(after, 2);
        if (page.length === 0) break;
        all.push(...page);
        after = page[page.length - 1].position;
      }
      expect(all.map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
      for (let i = 1; i < all.length; i++) expect(all[i].position > all[i - 1].position).toBe(true);
      expect(await store.headPosition()).toBe(all[3].position);
    });

    it('reads all without metadata when asked: the same events, the metadata left out (empty) or kept whole', async () => {
      const start = await store.headPosition();
      await store.append(stream, [event(1), event(2)], 'no-stream');
      const whole = await store.readAll(start, 10);
      const lean = await store.readAll(start, 10, { includeMetadata: false });
      expect(lean.map(({ metadata: _m, ...e }) => e)).toEqual(whole.map(({ metadata: _m, ...e }) => e));
      for (const [i, e] of lean.entries()) expect([{}, whole[i].metadata]).toContainEqual(e.metadata);
      expect(whole[0].metadata.correlationId).toBe('corr-1');
      const seen: StoredEvent[] = [];
      const subscription = store.subscribeToAll(start, (events) => void seen.push(...events.filter((e) => e.stream === stream)), {
        includeMetadata: false,
        pollIntervalMs: 20,
      });
      await waitUntil(() => seen.length === 2);
      await subscription.close();
      expect(seen.map((e) => e.data.n)).toEqual([1, 2]);
      for (const [i, e] of seen.entries()) expect([{}, whole[i].metadata]).toContainEqual(e.metadata);
    });

    /** A case of an optional method: what it does where the store offers it; elsewhere, that the store has no such method. */
    const optionalCase = (method: 'recentStreams' | 'readByStream', offered: boolean | undefined, does: string, otherwise: string, body: () => Promise<void>) =>
      it(offered ? does : otherwise, async () => {
        if (offered) await body();
        else expect(store[method]).toBeUndefined();
      });

    optionalCase(
      'recentStreams',
      options.tellsRecentStreams,
      'tells the streams of the newest entries, the one written last first, each once',
      'does not tell the recent streams (a cache warm-up goes by stream order alone)',
      async () => {
        const [a, b, c] = ['a', 'b', 'c'].map((suffix) => `${stream}-${suffix}`);
        await store.append(a, [event(1)], 'no-stream');
        await store.append(b, [event(2), event(3)], 'no-stream');
        await store.append(c, [event(4)], 'no-stream');
        await store.append(a, [event(5)], 0n);
        const recent = (maxEntries: number) => store.recentStreams?.(maxEntries);
        expect(await recent(10)).toEqual([a, c, b]);
        expect(await recent(3)).toEqual([a, c, b]);
        expect(await recent(2)).toEqual([a, c]);
      },
    );

    optionalCase(
      'readByStream',
      options.readsByStream,
      'reads streams in name order up to a cut, in pages bounded by streams and by events',
      'offers no stream-ordered read (rebuilds read in global order)',
      async () => {
        const read = store.readByStream?.bind(store);
        if (!read) throw new Error('readByStream is missing');
        const [a, b, c, late] = ['a', 'b', 'c', 'd'].map((suffix) => `${stream}-${suffix}`);
        await store.append(b, [event(1)], 'no-stream');
        await store.append(a, [event(2), event(3)], 'no-stream');
        await store.append(c, [event(4)], 'no-stream');
        await store.append(b, [event(5)], 0n);
        await store.append(a, [event(8)], 1n);
        const upTo = await store.headPosition();
        await store.append(a, [event(6)], 2n); // after the cut
        await store.append(late, [event(7)], 'no-stream'); // a stream with nothing up to the cut
        for (const [maxStreams, maxEvents] of [
          [1, 1000],
          [3, 1000],
          [1000, 1000],
          [1000, 1],
          [1000, 2],
          [2, 3],
        ]) {
          const seen: [string, bigint, unknown][] = [];
          const cursors: StreamOrderedCursor[] = [];
          for (let after: StreamOrderedCursor | null = null, pages = 0; ; pages++) {
            if (pages > 100_000) throw new Error('readByStream never reached the end');
            const page: StreamOrderedPage = await read(after, { upTo, maxStreams, maxEvents, includeMetadata: false });
            if (page.next === null) {
              expect(page.events).toEqual([]);
              break;
            }
            expect(page.events.length).toBeLessThanOrEqual(maxEvents);
            expect(new Set(page.events.map((e) => e.stream)).size).toBeLessThanOrEqual(maxStreams);
            for (const e of page.events) {
              expect(e.position <= upTo).toBe(true);
              if (after?.afterRevision !== undefined) expect([e.stream, e.revision > after.afterRevision]).toEqual([after.stream, true]);
              else expect(e.stream > (after?.stream ?? '')).toBe(true);
              expect(e.stream <= page.next.stream).toBe(true);
              expect([{}, { correlationId: `corr-${e.data.n}`, source: { kind: 'test' } }]).toContainEqual(e.metadata);
              if (e.stream.startsWith(stream)) seen.push([e.stream, e.revision, e.data.n]);
            }
            cursors.push(page.next);
            after = page.next;
          }
          // Every event once, in order, whatever the page limits.
          expect(seen).toEqual([
            [a, 0n, 2],
            [a, 1n, 3],
            [a, 2n, 8],
            [b, 0n, 1],
            [b, 1n, 5],
            [c, 0n, 4],
          ]);
          const order = cursors.map((x) => [x.stream, x.afterRevision ?? Number.MAX_SAFE_INTEGER] as const);
          for (let i = 1; i < order.length; i++)
            expect(order[i][0] > order[i - 1][0] || (order[i][0] === order[i - 1][0] && order[i][1] > order[i - 1][1])).toBe(true);
          // A page ends inside a stream only when it is full.
          if (maxEvents >= 1000) expect(cursors.every((x) => x.afterRevision === undefined)).toBe(true);
          if (maxEvents === 1) expect(cursors.filter((x) => x.stream === a).map((x) => x.afterRevision)).toEqual(expect.arrayContaining([0n, 1n]));
        }
        const whole = await read(null, { upTo, maxStreams: 1000, maxEvents: 1000 });
        expect(whole.events.find((e) => e.stream === c)?.metadata).toEqual({ correlationId: 'corr-4', source: { kind: 'test' } });
        // Field for field the events the global read gives.
        const byPosition = new Map((await store.readAll(0n, 100_000)).map((e) => [e.position, e]));
        for (const e of whole.events) expect(e).toEqual(byPosition.get(e.position));
        // Pages asked out of order (a restart, a second reader of the same store) are the same pages.
        const first = await read(null, { upTo, maxStreams: 1, maxEvents: 2 });
        const second = await read(first.next, { upTo, maxStreams: 1, maxEvents: 2 });
        expect(await read(null, { upTo, maxStreams: 1, maxEvents: 2 })).toEqual(first);
        expect(await read(first.next, { upTo, maxStreams: 1, maxEvents: 2 })).toEqual(second);
        expect(await read(first.next, { upTo, maxStreams: 1, maxEvents: 2, includeMetadata: false })).toEqual({
          ...second,
          events: second.events.map((e) => ({ ...e, metadata: {} })),
        });
        // Readers at once (projections rebuilt side by side), two of them with the same limits: each gets every event once, in order.
        const readThrough = async (maxEvents: number) => {
          const got: [string, bigint][] = [];
          for (let after: StreamOrderedCursor | null = null; ;) {
            const page: StreamOrderedPage = await read(after, { upTo, maxStreams: 1, maxEvents, includeMetadata: false });
            if (page.next === null) return got;
            for (const e of page.events) if (e.stream.startsWith(stream)) got.push([e.stream, e.revision]);
            after = page.next;
          }
        };
        const inOrder = [
          [a, 0n],
          [a, 1n],
          [a, 2n],
          [b, 0n],
          [b, 1n],
          [c, 0n],
        ];
        expect(await Promise.all([readThrough(1), readThrough(1), readThrough(2)])).toEqual([inOrder, inOrder, inOrder]);
        await expect(read(null, { upTo, maxStreams: 10, maxEvents: 0 })).rejects.toThrow(RangeError);
      },
    );

    it('subscribes from a position: catches up, then receives live appends in order, exactly once', async () => {
      const start = await store.headPosition();
      await store.append(stream, [event(1), event(2)], 'no-stream');
      const seen: number[] = [];
      const subscription = store.subscribeToAll(
        start,
        (events) => {
          for (const e of events) if (e.stream === stream) seen.push(e.data.n as number);
        },
        { batchSize: 1, pollIntervalMs: 20 },
      );
      await waitUntil(() => seen.length === 2);
      await store.append(stream, [event(3)], 1n);
      await store.append(stream, [event(4)], 2n);
      await waitUntil(() => seen.length === 4);
      expect(seen).toEqual([1, 2, 3, 4]);
      const head = await store.headPosition();
      await waitUntil(() => subscription.position === head);
      await subscription.close();
      await store.append(stream, [event(5)], 3n);
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual([1, 2, 3, 4]);
    });
  });
}
