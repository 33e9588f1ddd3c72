// The one contract every ProjectionStore passes (SQLite embedded, PostgreSQL shared). Uses
// jest globals, so it is not exported from index.ts.
import { wholeStateChange, type StateChange, type StoredItem } from '@loyalty/read-models';
import { StaleProjectionWriterError, type ProjectionStore } from './projection-store.port';

const whole = (entries: [string, unknown][]) => new Map(entries.map(([key, state]) => [key, wholeStateChange(state)]));
const change = (head: Record<string, unknown>, items: StoredItem[] = []): StateChange => ({ head, items });
const arrayItem = (collection: string, seq: number, value: unknown): StoredItem => ({ collection, itemKey: String(seq), seq, value });
const recordItem = (collection: string, itemKey: string, value: unknown): StoredItem => ({ collection, itemKey, seq: -1, value });

export function describeProjectionStoreContract(name: string, create: () => Promise<ProjectionStore>): void {
  describe(`ProjectionStore contract: ${name}`, () => {
    let store: ProjectionStore;
    beforeEach(async () => (store = await create()));
    afterEach(async () => store.close());

    const all = async (projection: string) => {
      const out: [string, unknown][] = [];
      for await (const entry of store.entries(projection)) out.push(entry);
      return out;
    };

    it('finds the keys whose numeric head field is at most a value, in key order, after a key, at most a limit', async () => {
      await store.commit(
        'p_v1',
        whole([
          ['c', { due: 30 }],
          ['a', { due: 10 }],
          ['b', { due: null }],
          ['d', { due: 20 }],
          ['e', {}],
          ['f', { due: '5' }],
          ['g', { due: 2 ** 45 }],
        ]),
        1n,
      );
      await store.commit('q_v1', whole([['a', { due: 1 }]]), 1n);
      expect(await store.keysWithHeadAtMost('p_v1', { field: 'due', atMost: 20, afterKey: '', limit: 10 })).toEqual(['a', 'd']);
      expect(await store.keysWithHeadAtMost('p_v1', { field: 'due', atMost: 2 ** 45, afterKey: '', limit: 10 })).toEqual(['a', 'c', 'd', 'g']);
      expect(await store.keysWithHeadAtMost('p_v1', { field: 'due', atMost: 2 ** 45, afterKey: 'a', limit: 2 })).toEqual(['c', 'd']);
      expect(await store.keysWithHeadAtMost('p_v1', { field: 'due', atMost: 9, afterKey: '', limit: 10 })).toEqual([]);
      await expect(store.keysWithHeadAtMost('p_v1', { field: "due') OR 1=1 --", atMost: 9, afterKey: '', limit: 10 })).rejects.toThrow(RangeError);
    });

    it('writes commits given without waiting for each other in the order given (a rebuild folds on while the last commit is written)', async () => {
      const given = [1, 2, 3].map((n) =>
        store.commit(
          'p_v1',
          new Map([
            ['a', change({ n, list: [] }, [arrayItem('list', 0, `v${n}`)])],
            [`k${n}`, change({ n, list: [] })],
          ]),
          BigInt(n * 10),
        ),
      );
      await Promise.all(given);
      expect(await store.checkpoint('p_v1')).toBe(30n);
      expect(await store.load('p_v1', ['a', 'k1', 'k3'])).toEqual(
        new Map([
          ['a', { n: 3, list: ['v3'] }],
          ['k1', { n: 1, list: [] }],
          ['k3', { n: 3, list: [] }],
        ]),
      );
    });

    it('refuses the commits of a writer once another has claimed the projection, writing nothing of them', async () => {
      const first = await store.claimWriter('p_v1');
      await store.commit('p_v1', whole([['a', { n: 1 }]]), 5n, first);
      const second = await store.claimWriter('p_v1');
      expect(second).toBeGreaterThan(first);
      await expect(
        store.commit(
          'p_v1',
          whole([
            ['a', { n: 99 }],
            ['b', { n: 99 }],
          ]),
          9n,
          first,
        ),
      ).rejects.toThrow(StaleProjectionWriterError);
      expect(await store.checkpoint('p_v1')).toBe(5n);
      expect(await store.load('p_v1', ['a', 'b'])).toEqual(new Map([['a', { n: 1 }]]));
      await store.commit('p_v1', whole([['a', { n: 2 }]]), 7n, second);
      expect(await store.load('p_v1', ['a'])).toEqual(new Map([['a', { n: 2 }]]));
      expect(await store.claimWriter('other_v1')).toBeGreaterThan(0); // epochs are per projection
      await store.commit('p_v1', whole([['a', { n: 3 }]]), 8n, second);
      expect(await store.checkpoint('p_v1')).toBe(8n);
    });

    it('keeps a rebuild cursor with the states it was committed with, until a commit without one; drop forgets it', async () => {
      expect(await store.rebuildCursor('p_v1')).toBeNull();
      await store.commit('p_v1', whole([['a', { n: 1 }]]), 0n, undefined, { upTo: 2n ** 60n + 3n, afterStream: 'loyaltyAccount-a' });
      expect(await store.rebuildCursor('p_v1')).toEqual({ upTo: 2n ** 60n + 3n, afterStream: 'loyaltyAccount-a' });
      expect(await store.checkpoint('p_v1')).toBe(0n);
      expect(await store.rebuildCursor('other_v1')).toBeNull();
      const epoch = await store.claimWriter('p_v1');
      await expect(store.commit('p_v1', whole([['b', { n: 2 }]]), 0n, epoch - 1, { upTo: 9n, afterStream: 'loyaltyAccount-b' })).rejects.toThrow(
        StaleProjectionWriterError,
      );
      expect(await store.rebuildCursor('p_v1')).toEqual({ upTo: 2n ** 60n + 3n, afterStream: 'loyaltyAccount-a' });
      await store.commit('p_v1', whole([['b', { n: 2 }]]), 2n ** 60n + 3n, epoch);
      expect(await store.rebuildCursor('p_v1')).toBeNull();
      expect(await store.checkpoint('p_v1')).toBe(2n ** 60n + 3n);
      await store.commit('p_v1', new Map(), 0n, epoch, { upTo: 5n, afterStream: 'x' });
      await store.drop('p_v1');
      expect(await store.rebuildCursor('p_v1')).toBeNull();
    });

    it('starts at checkpoint 0 with no states', async () => {
      expect(await store.checkpoint('p_v1')).toBe(0n);
      expect(await store.load('p_v1', ['a'])).toEqual(new Map());
      expect(await all('p_v1')).toEqual([]);
    });

    it('commits whole states and the checkpoint together, and overwrites on the next commit', async () => {
      await store.commit(
        'p_v1',
        whole([
          ['a', { n: 1, nested: { list: [1, 2] } }],
          ['b', { n: 2 }],
        ]),
        10n,
      );
      expect(await store.checkpoint('p_v1')).toBe(10n);
      await store.commit('p_v1', whole([['a', { n: 3 }]]), 25n);
      expect(await store.checkpoint('p_v1')).toBe(25n);
      expect(await store.load('p_v1', ['a', 'b', 'missing'])).toEqual(
        new Map<string, unknown>([
          ['a', { n: 3 }],
          ['b', { n: 2 }],
        ]),
      );
    });

    it('assembles a state from its head and items committed at different times: arrays by index, records by key', async () => {
      await store.commit(
        'p_v1',
        new Map([['a', change({ total: 1, list: [], lots: {} }, [arrayItem('list', 0, { id: 'x', n: 1 }), recordItem('lots', 'L1', { left: 5 })])]]),
        1n,
      );
      // A later commit changes the head, one existing item of each kind and adds new ones: untouched items stay.
      const items = [arrayItem('list', 1, { id: 'y', n: 2 }), arrayItem('list', 0, { id: 'x', n: 9 }), recordItem('lots', 'L2', { left: 3 })];
      for (let seq = 2; seq < 12; seq++) items.push(arrayItem('list', seq, { id: `z${seq}`, n: seq }));
      await store.commit('p_v1', new Map([['a', change({ total: 2, list: [], lots: {} }, items)]]), 2n);
      await store.commit('p_v1', new Map([['a', change({ total: 3, list: [], lots: {} }, [recordItem('lots', 'L1', { left: 0 })])]]), 3n);
      const expected = {
        total: 3,
        list: [{ id: 'x', n: 9 }, { id: 'y', n: 2 }, ...Array.from({ length: 10 }, (_, i) => ({ id: `z${i + 2}`, n: i + 2 }))],
        lots: { L1: { left: 0 }, L2: { left: 3 } },
      };
      expect((await store.load('p_v1', ['a'])).get('a')).toEqual(expected);
      expect(await all('p_v1')).toEqual([['a', expected]]);
    });

    it('commits many items over many customers in one go, an item given twice ending as its last value', async () => {
      const changes = new Map<string, StateChange>();
      for (let c = 0; c < 7; c++) {
        const items: StoredItem[] = [];
        for (let i = 0; i < 45; i++) items.push(recordItem('lots', `L${i}`, { left: i + c }));
        items.push(recordItem('lots', 'L3', { left: 1000 + c })); // again, later in the same commit
        for (let i = 0; i < 30; i++) items.push(arrayItem('list', i, { n: i * c }));
        changes.set(`c${c}`, change({ total: c, list: [], lots: {} }, items));
      }
      await store.commit('p_v1', changes, 4n);
      const states = new Map(await all('p_v1'));
      expect(states.size).toBe(7);
      for (let c = 0; c < 7; c++) {
        const lots = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`L${i}`, { left: i === 3 ? 1000 + c : i + c }]));
        expect(states.get(`c${c}`)).toEqual({ total: c, list: Array.from({ length: 30 }, (_, i) => ({ n: i * c })), lots });
      }
    });

    it('keeps positions beyond 2^53 exactly (EventStoreDB packs commit and prepare into one)', async () => {
      const big = (123456789n << 64n) | 987654321n;
      await store.commit('p_v1', new Map(), big);
      expect(await store.checkpoint('p_v1')).toBe(big);
    });

    it('lists states in key order (byte order), streaming past a page, each with its own items', async () => {
      const keys = Array.from({ length: 2503 }, (_, i) => `C-${String(i).padStart(5, '0')}`).reverse();
      await store.commit('p_v1', new Map(keys.map((k) => [k, change({ k, list: [] }, [arrayItem('list', 0, k), arrayItem('list', 1, `${k}+`)])])), 1n);
      await store.commit(
        'p_v1',
        whole([
          ['Z-upper', {}],
          ['a-lower', {}],
        ]),
        2n,
      );
      const listed = await all('p_v1');
      expect(listed).toHaveLength(2505);
      expect(listed.map(([k]) => k).slice(0, 2)).toEqual(['C-00000', 'C-00001']);
      expect(listed.map(([k]) => k).slice(-2)).toEqual(['Z-upper', 'a-lower']);
      expect(listed[1000]).toEqual(['C-01000', { k: 'C-01000', list: ['C-01000', 'C-01000+'] }]);
      expect(listed.every(([k, state]) => k.startsWith('C-') === ((state as { list?: string[] }).list?.[0] === k))).toBe(true);
    });

    it('lets the event loop turn during a long pass over the states (a scan of every customer does not hold requests)', async () => {
      // Given 60 states in one page, and a caller that works 1 ms on each
      await store.commit('p_v1', whole(Array.from({ length: 60 }, (_, i) => [`C-${String(i).padStart(2, '0')}`, { i }])), 1n);
      let turns = 0;
      let turning = true;
      const countTurns = () => {
        turns++;
        if (turning) setImmediate(countTurns);
      };
      // When the pass runs, counting the event loop's turns from its first state on
      let turnsAtFirst: number | null = null;
      for await (const entry of store.entries('p_v1')) {
        void entry;
        if (turnsAtFirst === null) {
          turnsAtFirst = turns;
          setImmediate(countTurns);
        }
        const until = performance.now() + 1;
        while (performance.now() < until);
      }
      turning = false;
      // Then the loop turned several times within the page's 60 ms of work
      expect(turns - (turnsAtFirst ?? 0)).toBeGreaterThanOrEqual(3);
    });

    it('keeps projections apart, and drops one (heads, items, checkpoint) without touching the other', async () => {
      await store.commit('p_v1', new Map([['a', change({ v: 1, list: [] }, [arrayItem('list', 0, 'one')])]]), 5n);
      await store.commit('p_v2', new Map([['a', change({ v: 2, list: [] }, [arrayItem('list', 0, 'two')])]]), 7n);
      await store.drop('p_v1');
      expect(await store.checkpoint('p_v1')).toBe(0n);
      expect(await all('p_v1')).toEqual([]);
      await store.commit('p_v1', new Map([['a', change({ v: 3, list: [] })]]), 1n);
      expect(await store.load('p_v1', ['a'])).toEqual(new Map([['a', { v: 3, list: [] }]]));
      expect(await store.load('p_v2', ['a'])).toEqual(new Map([['a', { v: 2, list: ['two'] }]]));
    });
  });
}
