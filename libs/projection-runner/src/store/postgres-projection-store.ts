import { Pool, type PoolClient } from 'pg';
import { inTransaction, lockSchemaMigration } from '@loyalty/postgres-support';
import { assembleStates, type StateChange, type StoredItem } from '@loyalty/read-models';
import { givingWay } from '@loyalty/thread-support';
import {
  checkedHeadField,
  decodeRebuildCursor,
  encodeRebuildCursor,
  StaleProjectionWriterError,
  type HeadFieldQuery,
  type ProjectionStore,
  type RebuildCursor,
} from './projection-store.port';

interface ItemRow {
  key: string;
  collection: string;
  item_key: string;
  seq: number;
  value: unknown;
}

const SLICE = 2000;

/**
 * The read store for several API instances: PostgreSQL, a state as a jsonb head per
 * (projection, key) plus one jsonb row per collection item. Commit is one transaction (changes
 * and checkpoint together), as the port requires.
 */
export class PostgresProjectionStore implements ProjectionStore {
  private readonly pool: Pool;
  private ready: Promise<void>;
  /** The last commit given (settled either way): the next one is written after it. */
  private lastCommit: Promise<unknown> = Promise.resolve();

  constructor(
    connectionString: string,
    private readonly schema = 'read_models',
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    this.pool = new Pool({ connectionString, max: 8 });
    this.ready = this.migrate();
  }

  private async migrate(): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // The operations store migrates the same schema; instances may start together.
      await lockSchemaMigration(client, this.schema);
      await client.query(`
      CREATE SCHEMA IF NOT EXISTS ${this.schema};
      -- Whole-state tables of the first storage format: read models are derived, a rebuild from the ledger replaces them.
      DROP TABLE IF EXISTS ${this.schema}.projection_states;
      DROP TABLE IF EXISTS ${this.schema}.projection_checkpoints;
      CREATE TABLE IF NOT EXISTS ${this.schema}.read_model_checkpoints (projection text PRIMARY KEY, position numeric(40) NOT NULL, updated_at timestamptz NOT NULL);
      CREATE TABLE IF NOT EXISTS ${this.schema}.read_model_writers (projection text PRIMARY KEY, epoch integer NOT NULL);
      CREATE TABLE IF NOT EXISTS ${this.schema}.read_model_heads (projection text NOT NULL, key text COLLATE "C" NOT NULL, head jsonb NOT NULL, PRIMARY KEY (projection, key));
      CREATE TABLE IF NOT EXISTS ${this.schema}.read_model_items (
        projection text NOT NULL, key text COLLATE "C" NOT NULL, collection text NOT NULL, item_key text NOT NULL, seq integer NOT NULL, value jsonb NOT NULL,
        PRIMARY KEY (projection, key, collection, item_key)
      );
      -- Added with stream-ordered rebuilds.
      ALTER TABLE ${this.schema}.read_model_checkpoints ADD COLUMN IF NOT EXISTS rebuild_cursor text;
    `);
    });
  }

  async checkpoint(projection: string): Promise<bigint> {
    await this.ready;
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position::text FROM ${this.schema}.read_model_checkpoints WHERE projection = $1`, [
      projection,
    ]);
    return BigInt(rows[0]?.position ?? '0');
  }

  async rebuildCursor(projection: string): Promise<RebuildCursor | null> {
    await this.ready;
    const { rows } = await this.pool.query<{ rebuild_cursor: string | null }>(
      `SELECT rebuild_cursor FROM ${this.schema}.read_model_checkpoints WHERE projection = $1`,
      [projection],
    );
    return decodeRebuildCursor(rows[0]?.rebuild_cursor ?? null);
  }

  async keysWithHeadAtMost(projection: string, { field, atMost, afterKey, limit }: HeadFieldQuery): Promise<string[]> {
    await this.ready;
    const { rows } = await this.pool.query<{ key: string }>(
      `SELECT key FROM ${this.schema}.read_model_heads WHERE projection = $1 AND key > $2 AND jsonb_typeof(head -> $3) = 'number' AND (head ->> $3)::numeric <= $4 ORDER BY key LIMIT $5`,
      [projection, afterKey, checkedHeadField(field), atMost, limit],
    );
    return rows.map((r) => r.key);
  }

  async load(projection: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    await this.ready;
    const found = new Map<string, unknown>();
    if (keys.length === 0) return found;
    const heads = await this.pool.query<{ key: string; head: Record<string, unknown> }>(
      `SELECT key, head FROM ${this.schema}.read_model_heads WHERE projection = $1 AND key = ANY($2::text[])`,
      [projection, keys],
    );
    if (heads.rows.length === 0) return found;
    const items = await this.pool.query<ItemRow>(
      `SELECT key, collection, item_key, seq, value FROM ${this.schema}.read_model_items WHERE projection = $1 AND key = ANY($2::text[]) ORDER BY key, collection, seq, item_key`,
      [projection, heads.rows.map((row) => row.key)],
    );
    for (const [key, state] of assembleStates(heads.rows, items.rows.map(storedItem))) found.set(key, state);
    return found;
  }

  async claimWriter(projection: string): Promise<number> {
    await this.ready;
    const { rows } = await this.pool.query<{ epoch: number }>(
      `INSERT INTO ${this.schema}.read_model_writers (projection, epoch) VALUES ($1, 1)
       ON CONFLICT (projection) DO UPDATE SET epoch = read_model_writers.epoch + 1 RETURNING epoch`,
      [projection],
    );
    return rows[0].epoch;
  }

  /**
   * Commits are written in the order given, one after another, even when the caller does not
   * wait for one before giving the next (a rebuild folds on meanwhile): the states are
   * serialised at once, so the caller may go on changing its objects.
   */
  commit(
    projection: string,
    changes: ReadonlyMap<string, StateChange>,
    checkpoint: bigint,
    writerEpoch?: number,
    rebuild?: RebuildCursor | null,
  ): Promise<void> {
    const heads = [...changes].map(([key, change]) => [key, JSON.stringify(change.head)] as const);
    // One row per item: an item given twice ends as its last value (as in SQLite; one PostgreSQL upsert may not touch a row twice).
    const byItem = new Map<string, [key: string, item: StoredItem, value: string]>();
    for (const [key, change] of changes)
      for (const item of change.items) byItem.set(`${key}\u0000${item.collection}\u0000${item.itemKey}`, [key, item, JSON.stringify(item.value)]);
    const items = [...byItem.values()];
    const written = this.lastCommit.then(() => this.write(projection, heads, items, checkpoint, writerEpoch, rebuild));
    this.lastCommit = written.catch(() => undefined);
    return written;
  }

  private async write(
    projection: string,
    heads: (readonly [string, string])[],
    items: [string, StoredItem, string][],
    checkpoint: bigint,
    writerEpoch: number | undefined,
    rebuild: RebuildCursor | null | undefined,
  ): Promise<void> {
    await this.ready;
    await this.transaction(async (client) => {
      if (writerEpoch !== undefined) {
        // FOR SHARE: a claim made while this commit runs waits for it, and every later commit of this writer sees the new epoch.
        const { rows } = await client.query<{ epoch: number }>(`SELECT epoch FROM ${this.schema}.read_model_writers WHERE projection = $1 FOR SHARE`, [
          projection,
        ]);
        const latest = rows[0]?.epoch ?? null;
        if (latest !== writerEpoch) throw new StaleProjectionWriterError(projection, writerEpoch, latest);
      }
      // Multi-row upserts from arrays (unnest), in slices: one round trip per slice, not per row.
      for (let i = 0; i < heads.length; i += SLICE) {
        const slice = heads.slice(i, i + SLICE);
        await client.query(
          `INSERT INTO ${this.schema}.read_model_heads (projection, key, head)
           SELECT $1, k, h::jsonb FROM unnest($2::text[], $3::text[]) AS t(k, h)
           ON CONFLICT (projection, key) DO UPDATE SET head = excluded.head`,
          [projection, slice.map(([key]) => key), slice.map(([, head]) => head)],
        );
      }
      for (let i = 0; i < items.length; i += SLICE) {
        const slice = items.slice(i, i + SLICE);
        await client.query(
          `INSERT INTO ${this.schema}.read_model_items (projection, key, collection, item_key, seq, value)
           SELECT $1, k, c, ik, s, v::jsonb FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) AS t(k, c, ik, s, v)
           ON CONFLICT (projection, key, collection, item_key) DO UPDATE SET seq = excluded.seq, value = excluded.value`,
          [
            projection,
            slice.map(([key]) => key),
            slice.map(([, it]) => it.collection),
            slice.map(([, it]) => it.itemKey),
            slice.map(([, it]) => it.seq),
            slice.map(([, , value]) => value),
          ],
        );
      }
      await client.query(
        `INSERT INTO ${this.schema}.read_model_checkpoints (projection, position, rebuild_cursor, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (projection) DO UPDATE SET position = excluded.position, rebuild_cursor = excluded.rebuild_cursor, updated_at = excluded.updated_at`,
        [projection, checkpoint.toString(), encodeRebuildCursor(rebuild)],
      );
    });
  }

  entries(projection: string): AsyncIterable<[string, unknown]> {
    return givingWay(this.entriesInPages(projection));
  }

  private async *entriesInPages(projection: string): AsyncIterable<[string, unknown]> {
    await this.ready;
    // Keyset pagination: streams any number of states in key order without holding them all.
    for (let after = ''; ;) {
      const heads = await this.pool.query<{ key: string; head: Record<string, unknown> }>(
        `SELECT key, head FROM ${this.schema}.read_model_heads WHERE projection = $1 AND key > $2 ORDER BY key LIMIT 1000`,
        [projection, after],
      );
      if (heads.rows.length === 0) return;
      const last = heads.rows[heads.rows.length - 1].key;
      const items = await this.pool.query<ItemRow>(
        `SELECT key, collection, item_key, seq, value FROM ${this.schema}.read_model_items WHERE projection = $1 AND key > $2 AND key <= $3 ORDER BY key, collection, seq, item_key`,
        [projection, after, last],
      );
      yield* assembleStates(heads.rows, items.rows.map(storedItem));
      if (heads.rows.length < 1000) return;
      after = last;
    }
  }

  async drop(projection: string): Promise<void> {
    await this.ready;
    await this.lastCommit;
    await this.transaction(async (client) => {
      await client.query(`DELETE FROM ${this.schema}.read_model_heads WHERE projection = $1`, [projection]);
      await client.query(`DELETE FROM ${this.schema}.read_model_items WHERE projection = $1`, [projection]);
      await client.query(`DELETE FROM ${this.schema}.read_model_checkpoints WHERE projection = $1`, [projection]);
    });
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.lastCommit;
    await this.pool.end();
  }

  private transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    return inTransaction(this.pool, work);
  }
}

function storedItem(row: ItemRow) {
  return { key: row.key, collection: row.collection, itemKey: row.item_key, seq: row.seq, value: row.value };
}
