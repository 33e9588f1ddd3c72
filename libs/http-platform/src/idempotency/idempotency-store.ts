import type Database from 'better-sqlite3';
import { openPrivateDatabase } from '@loyalty/sqlite-support';
import { Pool } from 'pg';
import { inTransaction, lockSchemaMigration } from '@loyalty/postgres-support';

/** A write's response, kept under its Idempotency-Key so a retry gets the same answer. */
export interface StoredResponse {
  fingerprint: string;
  status: number;
  body: string;
  createdAt: string;
}

/**
 * Where Idempotency-Key responses are kept. The first response stored under a scope wins; a
 * later put of the same scope changes nothing. An abstract class rather than an interface, so
 * that it can be Nest's injection token.
 */
export abstract class IdempotencyStore {
  abstract get(scope: string): Promise<StoredResponse | undefined>;
  abstract put(scope: string, response: StoredResponse): Promise<void>;
  abstract close(): Promise<void>;
}

export class InMemoryIdempotencyStore extends IdempotencyStore {
  private readonly entries = new Map<string, StoredResponse>();
  async get(scope: string): Promise<StoredResponse | undefined> {
    return this.entries.get(scope);
  }
  async put(scope: string, response: StoredResponse): Promise<void> {
    if (!this.entries.has(scope)) this.entries.set(scope, response);
  }
  async close(): Promise<void> {
    this.entries.clear();
  }
}

/** Kept beside the ledger in the data folder; not part of the ledger (it can be pruned). */
export class SqliteIdempotencyStore extends IdempotencyStore {
  private readonly db: Database.Database;
  private readonly select;
  private readonly insert;

  constructor(file: string) {
    super();
    this.db = openPrivateDatabase(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS http_idempotency (
      scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)`);
    this.select = this.db.prepare<[string], { fingerprint: string; status: number; body: string; created_at: string }>(
      'SELECT * FROM http_idempotency WHERE scope = ?',
    );
    this.insert = this.db.prepare('INSERT OR IGNORE INTO http_idempotency (scope, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?)');
  }

  async get(scope: string): Promise<StoredResponse | undefined> {
    const row = this.select.get(scope);
    return row ? { fingerprint: row.fingerprint, status: row.status, body: row.body, createdAt: row.created_at } : undefined;
  }

  async put(scope: string, r: StoredResponse): Promise<void> {
    this.insert.run(scope, r.fingerprint, r.status, r.body, r.createdAt);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** For several API instances: a retry that reaches another instance gets the first response too. */
export class PostgresIdempotencyStore extends IdempotencyStore {
  private readonly pool: Pool;
  private readonly ready: Promise<void>;

  constructor(
    connectionString: string,
    private readonly schema: string,
  ) {
    super();
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    this.pool = new Pool({ connectionString, max: 4 });
    this.ready = inTransaction(this.pool, async (client) => {
      await lockSchemaMigration(client, schema);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema};
        CREATE TABLE IF NOT EXISTS ${schema}.http_idempotency (scope text PRIMARY KEY, fingerprint text NOT NULL, status integer NOT NULL, body text NOT NULL, created_at text NOT NULL)`);
    });
    this.ready.catch(() => undefined); // reported by the first call that waits for it
  }

  async get(scope: string): Promise<StoredResponse | undefined> {
    await this.ready;
    const { rows } = await this.pool.query<{ fingerprint: string; status: number; body: string; created_at: string }>(
      `SELECT fingerprint, status, body, created_at FROM ${this.schema}.http_idempotency WHERE scope = $1`,
      [scope],
    );
    const row = rows[0];
    return row ? { fingerprint: row.fingerprint, status: row.status, body: row.body, createdAt: row.created_at } : undefined;
  }

  async put(scope: string, r: StoredResponse): Promise<void> {
    await this.ready;
    await this.pool.query(
      `INSERT INTO ${this.schema}.http_idempotency (scope, fingerprint, status, body, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope) DO NOTHING`,
      [scope, r.fingerprint, r.status, r.body, r.createdAt],
    );
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }
}
