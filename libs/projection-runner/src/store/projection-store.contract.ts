// The one contract every ProjectionStore passes (SQLite embedded, PostgreSQL shared). Uses
// jest globals, so it is not exported from index.ts.
import type { ProjectionStore } from './projection-store.port';

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

    it('starts at checkpoint 0 with no states', async () => {
      expect(await store.checkpoint('p_v1')).toBe(0n);
      expect(await store.load('p_v1', ['a'])).toEqual(new Map());
      expect(await all('p_v1')).toEqual([]);
    });

    it('commits states and the checkpoint together, and overwrites on the next commit', async () => {
      await store.commit('p_v1', new Map([['a', { n: 1, nested: { list: [1, 2] } }], ['b', { n: 2 }]]), 10n);
      expect(await store.checkpoint('p_v1')).toBe(10n);
      await store.commit('p_v1', new Map([['a', { n: 3 }]]), 25n);
      expect(await store.checkpoint('p_v1')).toBe(25n);
      expect(await store.load('p_v1', ['a', 'b', 'missing'])).toEqual(new Map<string, unknown>([['a', { n: 3 }], ['b', { n: 2 }]]));
    });

    it('keeps positions beyond 2^53 exactly (EventStoreDB packs commit and prepare into one)', async () => {
      const big = (123456789n << 64n) | 987654321n;
      await store.commit('p_v1', new Map(), big);
      expect(await store.checkpoint('p_v1')).toBe(big);
    });

    it('lists states in key order (byte order), streaming past a page', async () => {
      const keys = Array.from({ length: 2503 }, (_, i) => `C-${String(i).padStart(5, '0')}`).reverse();
      await store.commit('p_v1', new Map(keys.map((k) => [k, { k }])), 1n);
      await store.commit('p_v1', new Map([['Z-upper', {}], ['a-lower', {}]]), 2n);
      const listed = (await all('p_v1')).map(([k]) => k);
      expect(listed).toHaveLength(2505);
      expect(listed.slice(0, 2)).toEqual(['C-00000', 'C-00001']);
      expect(listed.slice(-2)).toEqual(['Z-upper', 'a-lower']);
    });

    it('keeps projections apart, and drops one without touching the other', async () => {
      await store.commit('p_v1', new Map([['a', { v: 1 }]]), 5n);
      await store.commit('p_v2', new Map([['a', { v: 2 }]]), 7n);
      await store.drop('p_v1');
      expect(await store.checkpoint('p_v1')).toBe(0n);
      expect(await all('p_v1')).toEqual([]);
      expect(await store.load('p_v2', ['a'])).toEqual(new Map([['a', { v: 2 }]]));
    });
  });
}
