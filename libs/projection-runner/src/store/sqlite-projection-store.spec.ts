import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeProjectionStoreContract } from './projection-store.contract';
import { SqliteProjectionStore } from './sqlite-projection-store';

// In memory, commits run in the calling thread; on a file, in the store's writer thread: both pass.
describeProjectionStoreContract('sqlite in memory', async () => new SqliteProjectionStore(':memory:'));
describe('on a file', () => {
  const dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'read-store-'));
  let files = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  describeProjectionStoreContract('sqlite file, writer thread', async () => new SqliteProjectionStore(join(dir, `read-models-${++files}.sqlite`)));
});

describe('SqliteProjectionStore writer thread', () => {
  it('refuses the commits a failed writer thread had, with the reason, then commits in the calling thread', async () => {
    const dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'read-store-'));
    const store = new SqliteProjectionStore(join(dir, 'read-models.sqlite'));
    // The writer thread opens its own connection at the first commit: without the file, it cannot.
    rmSync(dir, { recursive: true, force: true });
    const commit = (n: number) => store.commit('p_v1', new Map([['a', { head: { n }, items: [] }]]), BigInt(n));
    await expect(commit(1)).rejects.toThrow(/^writing the read store failed in its writer thread: Cannot open database because the directory does not exist/);
    await commit(2);
    expect(await store.checkpoint('p_v1')).toBe(2n);
    expect((await store.load('p_v1', ['a'])).get('a')).toMatchObject({ n: 2 });
    await store.close();
  });
});

describe('SqliteProjectionStore migrations', () => {
  it('adds the rebuild cursor column to a file written before it, keeping its checkpoints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'read-store-'));
    const file = join(dir, 'read-models.sqlite');
    try {
      // The checkpoint table as sessions before stream-ordered rebuilds created it.
      const old = new Database(file);
      old.exec(
        "CREATE TABLE read_model_checkpoints (projection TEXT PRIMARY KEY, position TEXT NOT NULL, updated_at TEXT NOT NULL); INSERT INTO read_model_checkpoints VALUES ('balances_v2', '42', '2026-11-01T00:00:00Z');",
      );
      old.close();
      const store = new SqliteProjectionStore(file);
      expect(await store.checkpoint('balances_v2')).toBe(42n);
      expect(await store.rebuildCursor('balances_v2')).toBeNull();
      await store.commit('balances_v2', new Map(), 0n, undefined, { upTo: 42n, afterStream: 'loyaltyAccount-C1' });
      await store.close();
      const reopened = new SqliteProjectionStore(file); // the column is there now: opening again changes nothing
      expect(await reopened.rebuildCursor('balances_v2')).toEqual({ upTo: 42n, afterStream: 'loyaltyAccount-C1' });
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
