import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** A write's response, kept under its Idempotency-Key so a retry gets the same answer. */
export interface StoredResponse {
  fingerprint: string;
  status: number;
  body: string;
  createdAt: string;
}

/** An abstract class rather than an interface, so that it can be Nest's injection token. */
export abstract class IdempotencyStore {
  abstract get(scope: string): StoredResponse | undefined;
  abstract put(scope: string, response: StoredResponse): void;
  abstract close(): void;
}

export class InMemoryIdempotencyStore extends IdempotencyStore {
  private readonly entries = new Map<string, StoredResponse>();
  get(scope: string): StoredResponse | undefined {
    return this.entries.get(scope);
  }
  put(scope: string, response: StoredResponse): void {
    if (!this.entries.has(scope)) this.entries.set(scope, response);
  }
  close(): void {
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
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS http_idempotency (
      scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)`);
    this.select = this.db.prepare<[string], { fingerprint: string; status: number; body: string; created_at: string }>('SELECT * FROM http_idempotency WHERE scope = ?');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO http_idempotency (scope, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?)');
  }

  get(scope: string): StoredResponse | undefined {
    const row = this.select.get(scope);
    return row ? { fingerprint: row.fingerprint, status: row.status, body: row.body, createdAt: row.created_at } : undefined;
  }

  put(scope: string, r: StoredResponse): void {
    this.insert.run(scope, r.fingerprint, r.status, r.body, r.createdAt);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
