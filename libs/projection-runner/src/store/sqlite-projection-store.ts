import Database from 'better-sqlite3';
import { assembleState, assembleStates, type StateChange } from '@loyalty/read-models';
import { checkedHeadField, decodeRebuildCursor, type HeadFieldQuery, type ProjectionStore, type RebuildCursor } from './projection-store.port';
import { join } from 'node:path';
import { openPrivateDatabase } from '@loyalty/sqlite-support';
import { givingWay, ThreadOrHere } from '@loyalty/thread-support';
import { commitError, committerOn, flatCommit, type FlatCommit } from './sqlite-committer';

interface ItemRow {
  key: string;
  collection: string;
  item_key: string;
  seq: number;
  value: string;
}

const PAGE = 1000;

export interface SqliteProjectionStoreOptions {
  /**
   * Commits run on a writer thread with its own connection, so a projector folds the next
   * states while SQLite writes the last ones (sqlite-commit.worker). Default: on for a file,
   * off for ':memory:' (another connection cannot see it). If the thread itself fails, the
   * commits it had are refused with the reason (the runner stops, and resumes from its
   * checkpoint) and later commits are written on this connection.
   */
  writerThread?: boolean;
  /** Told once if the writer thread fails (the commits go on on this connection): for the log. */
  onThreadFailure?: (error: Error) => void;
}

// The connection settings of both connections to the file (the caller's and the writer thread's).
const PRAGMAS = [
  'journal_mode = WAL',
  // A read model is rebuilt from the ledger: NORMAL loses at most the last commits on power loss, never consistency.
  'synchronous = NORMAL',
  'busy_timeout = 10000',
  // A commit of a rebuild touches rows of customers all over the item B-tree: keep more of its pages in memory.
  'cache_size = -262144',
];

/**
 * The embedded read store: one SQLite file (WAL). A state is a JSON head per (projection, key)
 * plus one JSON row per collection item.
 */
export class SqliteProjectionStore implements ProjectionStore {
  readonly db: Database.Database;
  private readonly statements;
  private readonly commits: ThreadOrHere<FlatCommit, void>;

  constructor(file: string, options: SqliteProjectionStoreOptions = {}) {
    this.db = openPrivateDatabase(file);
    for (const pragma of PRAGMAS) this.db.pragma(pragma);
    this.db.exec(`
      -- Whole-state tables of the first storage format: read models are derived, a rebuild from the ledger replaces them.
      DROP TABLE IF EXISTS projection_states;
      DROP TABLE IF EXISTS projection_checkpoints;
      CREATE TABLE IF NOT EXISTS read_model_checkpoints (projection TEXT PRIMARY KEY, position TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS read_model_writers (projection TEXT PRIMARY KEY, epoch INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS read_model_heads (projection TEXT NOT NULL, key TEXT NOT NULL, head TEXT NOT NULL, PRIMARY KEY (projection, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS read_model_items (
        projection TEXT NOT NULL, key TEXT NOT NULL, collection TEXT NOT NULL, item_key TEXT NOT NULL, seq INTEGER NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (projection, key, collection, item_key)
      ) WITHOUT ROWID;
    `);
    // Added with stream-ordered rebuilds; older files get the column.
    if (!(this.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('read_model_checkpoints') as string[]).includes('rebuild_cursor')) {
      this.db.exec('ALTER TABLE read_model_checkpoints ADD COLUMN rebuild_cursor TEXT');
    }
    this.commits = new ThreadOrHere({
      worker:
        file !== ':memory:' && options.writerThread !== false ? { module: join(__dirname, 'sqlite-commit.worker'), data: { file, pragmas: PRAGMAS } } : null,
      here: committerOn(this.db),
      failurePrefix: 'writing the read store failed in its writer thread',
      errorOf: commitError,
      onThreadFailure: options.onThreadFailure,
    });
    this.statements = {
      checkpoint: this.db.prepare<[string], { position: string; rebuild_cursor: string | null }>(
        'SELECT position, rebuild_cursor FROM read_model_checkpoints WHERE projection = ?',
      ),
      head: this.db.prepare<[string, string], { head: string }>('SELECT head FROM read_model_heads WHERE projection = ? AND key = ?'),
      items: this.db.prepare<[string, string], ItemRow>(
        'SELECT key, collection, item_key, seq, value FROM read_model_items WHERE projection = ? AND key = ? ORDER BY collection, seq, item_key',
      ),
      headsPage: this.db.prepare<[string, string, number], { key: string; head: string }>(
        'SELECT key, head FROM read_model_heads WHERE projection = ? AND key > ? ORDER BY key LIMIT ?',
      ),
      itemsOfPage: this.db.prepare<[string, string, string], ItemRow>(
        'SELECT key, collection, item_key, seq, value FROM read_model_items WHERE projection = ? AND key > ? AND key <= ? ORDER BY key, collection, seq, item_key',
      ),
      keysWithHeadAtMost: this.db.prepare<[string, string, string, string, number, number], string>(
        "SELECT key FROM read_model_heads WHERE projection = ? AND key > ? AND json_type(head, ?) IN ('integer', 'real') AND json_extract(head, ?) <= ? ORDER BY key LIMIT ?",
      ),
      dropHeads: this.db.prepare('DELETE FROM read_model_heads WHERE projection = ?'),
      dropItems: this.db.prepare('DELETE FROM read_model_items WHERE projection = ?'),
      dropCheckpoint: this.db.prepare('DELETE FROM read_model_checkpoints WHERE projection = ?'),
      claimWriter: this.db.prepare<[string], { epoch: number }>(
        'INSERT INTO read_model_writers (projection, epoch) VALUES (?, 1) ON CONFLICT (projection) DO UPDATE SET epoch = epoch + 1 RETURNING epoch',
      ),
    };
  }

  async claimWriter(projection: string): Promise<number> {
    await this.commits.idle();
    return (this.statements.claimWriter.get(projection) as { epoch: number }).epoch;
  }

  async checkpoint(projection: string): Promise<bigint> {
    return BigInt(this.statements.checkpoint.get(projection)?.position ?? '0');
  }

  async rebuildCursor(projection: string): Promise<RebuildCursor | null> {
    return decodeRebuildCursor(this.statements.checkpoint.get(projection)?.rebuild_cursor ?? null);
  }

  async load(projection: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    for (const key of keys) {
      const row = this.statements.head.get(projection, key);
      if (row) found.set(key, assembleState(JSON.parse(row.head), this.statements.items.all(projection, key).map(parsedItem)));
    }
    return found;
  }

  /** With a writer thread, commits are written in the order given, each resolving once written; the caller need not wait for one to give the next. */
  async commit(
    projection: string,
    changes: ReadonlyMap<string, StateChange>,
    checkpoint: bigint,
    writerEpoch?: number,
    rebuild?: RebuildCursor | null,
  ): Promise<void> {
    return this.commits.request(flatCommit(projection, changes, checkpoint, writerEpoch, rebuild));
  }

  async keysWithHeadAtMost(projection: string, { field, atMost, afterKey, limit }: HeadFieldQuery): Promise<string[]> {
    const path = `$.${checkedHeadField(field)}`;
    return this.statements.keysWithHeadAtMost.pluck().all(projection, afterKey, path, path, atMost, limit) as string[];
  }

  entries(projection: string): AsyncIterable<[string, unknown]> {
    return givingWay(this.entriesInPages(projection));
  }

  /**
   * In pages (keyset), never holding a cursor open across a yield: the projector commits on
   * this connection meanwhile, which an open SQLite statement would block.
   */
  private async *entriesInPages(projection: string): AsyncIterable<[string, unknown]> {
    for (let after = ''; ;) {
      const heads = this.statements.headsPage.all(projection, after, PAGE);
      if (heads.length === 0) return;
      const last = heads[heads.length - 1].key;
      const items = this.statements.itemsOfPage.all(projection, after, last).map(parsedItem);
      yield* assembleStates(
        heads.map((row) => ({ key: row.key, head: JSON.parse(row.head) })),
        items,
      );
      if (heads.length < PAGE) return;
      after = last;
    }
  }

  async drop(projection: string): Promise<void> {
    await this.commits.idle();
    this.db.transaction(() => {
      this.statements.dropHeads.run(projection);
      this.statements.dropItems.run(projection);
      this.statements.dropCheckpoint.run(projection);
    })();
  }

  async close(): Promise<void> {
    await this.commits.close('the read store was closed');
    if (this.db.open) this.db.close();
  }
}

function parsedItem(row: ItemRow) {
  return { key: row.key, collection: row.collection, itemKey: row.item_key, seq: row.seq, value: JSON.parse(row.value) as unknown };
}
