import { Pool, type PoolClient } from 'pg';
import type { ProjectionStore } from './projection-store.port';

/**
 * The read store for several API instances: PostgreSQL, states as jsonb per (projection, key).
 * Commit is one transaction (states and checkpoint together), as the port requires.
 */
export class PostgresProjectionStore implements ProjectionStore {
  private readonly pool: Pool;
  private ready: Promise<void>;

  constructor(connectionString: string, private readonly schema = 'read_models') {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    this.pool = new Pool({ connectionString, max: 8 });
    this.ready = this.migrate();
  }

  private async migrate(): Promise<void> {
    await this.pool.query(`
      CREATE SCHEMA IF NOT EXISTS ${this.schema};
      CREATE TABLE IF NOT EXISTS ${this.schema}.projection_checkpoints (projection text PRIMARY KEY, position numeric(40) NOT NULL, updated_at timestamptz NOT NULL);
      CREATE TABLE IF NOT EXISTS ${this.schema}.projection_states (projection text NOT NULL, key text NOT NULL, state jsonb NOT NULL, PRIMARY KEY (projection, key));
    `);
  }

  async checkpoint(projection: string): Promise<bigint> {
    await this.ready;
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position::text FROM ${this.schema}.projection_checkpoints WHERE projection = $1`, [projection]);
    return BigInt(rows[0]?.position ?? '0');
  }

  async load(projection: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    await this.ready;
    const found = new Map<string, unknown>();
    if (keys.length === 0) return found;
    const { rows } = await this.pool.query<{ key: string; state: unknown }>(`SELECT key, state FROM ${this.schema}.projection_states WHERE projection = $1 AND key = ANY($2::text[])`, [projection, keys]);
    for (const row of rows) found.set(row.key, row.state);
    return found;
  }

  async commit(projection: string, states: ReadonlyMap<string, unknown>, checkpoint: bigint): Promise<void> {
    await this.ready;
    await this.transaction(async (client) => {
      const entries = [...states];
      // Multi-row upserts in slices, to stay well under the bind-parameter limit.
      for (let i = 0; i < entries.length; i += 1000) {
        const slice = entries.slice(i, i + 1000);
        const keys = slice.map(([key]) => key);
        const values = slice.map(([, state]) => JSON.stringify(state));
        await client.query(
          `INSERT INTO ${this.schema}.projection_states (projection, key, state)
           SELECT $1, k, v::jsonb FROM unnest($2::text[], $3::text[]) AS t(k, v)
           ON CONFLICT (projection, key) DO UPDATE SET state = excluded.state`,
          [projection, keys, values],
        );
      }
      await client.query(
        `INSERT INTO ${this.schema}.projection_checkpoints (projection, position, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (projection) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        [projection, checkpoint.toString()],
      );
    });
  }

  async *entries(projection: string): AsyncIterable<[string, unknown]> {
    await this.ready;
    // Keyset pagination: streams any number of states in key order without holding them all.
    let after: string | null = null;
    for (;;) {
      const result: { rows: { key: string; state: unknown }[] } = after === null
        ? await this.pool.query(`SELECT key, state FROM ${this.schema}.projection_states WHERE projection = $1 ORDER BY key COLLATE "C" LIMIT 1000`, [projection])
        : await this.pool.query(`SELECT key, state FROM ${this.schema}.projection_states WHERE projection = $1 AND key COLLATE "C" > $2 ORDER BY key COLLATE "C" LIMIT 1000`, [projection, after]);
      if (result.rows.length === 0) return;
      for (const row of result.rows) yield [row.key, row.state];
      after = result.rows[result.rows.length - 1].key;
    }
  }

  async drop(projection: string): Promise<void> {
    await this.ready;
    await this.transaction(async (client) => {
      await client.query(`DELETE FROM ${this.schema}.projection_states WHERE projection = $1`, [projection]);
      await client.query(`DELETE FROM ${this.schema}.projection_checkpoints WHERE projection = $1`, [projection]);
    });
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }

  private async transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
