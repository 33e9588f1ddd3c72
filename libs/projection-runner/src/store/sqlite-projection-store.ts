import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ProjectionStore } from './projection-store.port';

/** The embedded read store: one SQLite file (WAL), states as JSON per (projection, key). */
export class SqliteProjectionStore implements ProjectionStore {
  readonly db: Database.Database;
  private readonly statements;
  private readonly commitTx: (projection: string, states: ReadonlyMap<string, unknown>, checkpoint: bigint) => void;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // A read model is rebuilt from the ledger: NORMAL loses at most the last commits on power loss, never consistency.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS projection_checkpoints (projection TEXT PRIMARY KEY, position TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS projection_states (projection TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (projection, key)) WITHOUT ROWID;
    `);
    this.statements = {
      checkpoint: this.db.prepare<[string], { position: string }>('SELECT position FROM projection_checkpoints WHERE projection = ?'),
      load: this.db.prepare<[string, string], { state: string }>('SELECT state FROM projection_states WHERE projection = ? AND key = ?'),
      upsert: this.db.prepare('INSERT INTO projection_states (projection, key, state) VALUES (?, ?, ?) ON CONFLICT (projection, key) DO UPDATE SET state = excluded.state'),
      saveCheckpoint: this.db.prepare(
        'INSERT INTO projection_checkpoints (projection, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (projection) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at',
      ),
      entriesPage: this.db.prepare<[string, string, number], { key: string; state: string }>('SELECT key, state FROM projection_states WHERE projection = ? AND key > ? ORDER BY key LIMIT ?'),
      dropStates: this.db.prepare('DELETE FROM projection_states WHERE projection = ?'),
      dropCheckpoint: this.db.prepare('DELETE FROM projection_checkpoints WHERE projection = ?'),
    };
    this.commitTx = this.db.transaction((projection: string, states: ReadonlyMap<string, unknown>, checkpoint: bigint) => {
      for (const [key, state] of states) this.statements.upsert.run(projection, key, JSON.stringify(state));
      this.statements.saveCheckpoint.run(projection, checkpoint.toString(), new Date().toISOString());
    });
  }

  async checkpoint(projection: string): Promise<bigint> {
    return BigInt(this.statements.checkpoint.get(projection)?.position ?? '0');
  }

  async load(projection: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    for (const key of keys) {
      const row = this.statements.load.get(projection, key);
      if (row) found.set(key, JSON.parse(row.state));
    }
    return found;
  }

  async commit(projection: string, states: ReadonlyMap<string, unknown>, checkpoint: bigint): Promise<void> {
    this.commitTx(projection, states, checkpoint);
  }

  /**
   * In pages (keyset), never holding a cursor open across a yield: the projector commits on
   * this connection meanwhile, which an open SQLite statement would block.
   */
  async *entries(projection: string): AsyncIterable<[string, unknown]> {
    for (let after = ''; ; ) {
      const page = this.statements.entriesPage.all(projection, after, 1000);
      for (const row of page) yield [row.key, JSON.parse(row.state)];
      if (page.length < 1000) return;
      after = page[page.length - 1].key;
    }
  }

  async drop(projection: string): Promise<void> {
    this.db.transaction(() => {
      this.statements.dropStates.run(projection);
      this.statements.dropCheckpoint.run(projection);
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
