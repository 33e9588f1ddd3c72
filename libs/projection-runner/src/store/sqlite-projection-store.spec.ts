import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeProjectionStoreContract } from './projection-store.contract';
import { SqliteProjectionStore } from './sqlite-projection-store';

describeProjectionStoreContract('sqlite', async () => new SqliteProjectionStore(':memory:'));

describe('SqliteProjectionStore migrations', () => {
  it('adds the rebuild cursor column to a file written before it, keeping its checkpoints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'read-store-'));
    const file = join(dir, 'read-models.sqlite');
    try {
      // The checkpoint table as sessions before stream-ordered rebuilds created it.
      const old = new Database(file);
      old.exec("CREATE TABLE read_model_checkpoints (projection TEXT PRIMARY KEY, position TEXT NOT NULL, updated_at TEXT NOT NULL); INSERT INTO read_model_checkpoints VALUES ('balances_v1', '42', '2026-11-01T00:00:00Z');");
      old.close();
      const store = new SqliteProjectionStore(file);
      expect(await store.checkpoint('balances_v1')).toBe(42n);
      expect(await store.rebuildCursor('balances_v1')).toBeNull();
      await store.commit('balances_v1', new Map(), 0n, undefined, { upTo: 42n, afterStream: 'loyaltyAccount-C1' });
      await store.close();
      const reopened = new SqliteProjectionStore(file); // the column is there now: opening again changes nothing
      expect(await reopened.rebuildCursor('balances_v1')).toEqual({ upTo: 42n, afterStream: 'loyaltyAccount-C1' });
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
