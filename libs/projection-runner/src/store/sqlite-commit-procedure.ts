import type Database from 'better-sqlite3';
import { procedureOn, SqliteProcedureThread, type SqliteProcedure } from '@loyalty/sqlite-support';
import type { StateChange } from '@loyalty/read-models';
import { encodeRebuildCursor, StaleProjectionWriterError, type RebuildCursor } from './projection-store.port';

/**
 * A commit as plain values (it crosses threads as is): each customer's head and each item
 * already JSON text. Serialising stays with the caller, who owns the states; the writer only
 * runs SQL.
 */
export interface FlatCommit {
  projection: string;
  /** key, head JSON, key, head JSON, ... */
  heads: string[];
  /** key, collection, item key, seq, value JSON, ... (ITEM_FIELDS per item) */
  items: (string | number)[];
  checkpoint: string;
  writerEpoch: number | null;
  rebuildCursor: string | null;
  updatedAt: string;
}

const ITEM_FIELDS = 5;
// Items go in statements of ITEMS_PER_INSERT rows (a rebuild writes millions): a call per row costs a third more.
const ITEMS_PER_INSERT = 64;
const INSERT_ITEMS = 'INSERT INTO read_model_items (projection, key, collection, item_key, seq, value) VALUES';
const ON_ITEM_CONFLICT = 'ON CONFLICT (projection, key, collection, item_key) DO UPDATE SET seq = excluded.seq, value = excluded.value';

export const COMMIT_SQL = {
  writerEpoch: 'SELECT epoch FROM read_model_writers WHERE projection = ?',
  upsertHead: 'INSERT INTO read_model_heads (projection, key, head) VALUES (?, ?, ?) ON CONFLICT (projection, key) DO UPDATE SET head = excluded.head',
  upsertItem: `${INSERT_ITEMS} (?, ?, ?, ?, ?, ?) ${ON_ITEM_CONFLICT}`,
  // Rows in one statement are inserted in turn, so an item twice in a commit ends as its last value, as one by one.
  upsertItems: `${INSERT_ITEMS} ${Array(ITEMS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?)').join(', ')} ${ON_ITEM_CONFLICT}`,
  saveCheckpoint:
    'INSERT INTO read_model_checkpoints (projection, position, rebuild_cursor, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (projection) DO UPDATE SET position = excluded.position, rebuild_cursor = excluded.rebuild_cursor, updated_at = excluded.updated_at',
};

/**
 * The commit, once, as a SqliteProcedure: `(commit) => void`, in the writer thread for a file,
 * in the calling thread in memory. IMMEDIATE: the epoch check and the writes see one state of
 * the file (another connection may claim the writer meanwhile). A stale writer is thrown as a
 * plain `{ staleWriter }` object (it crosses threads; the caller makes the error).
 */
const COMMIT_PROCEDURE: SqliteProcedure = { sql: COMMIT_SQL, source: `(db, sql) => {
  const s = {};
  for (const name of Object.keys(sql)) s[name] = db.prepare(sql[name]);
  const run = db.transaction((c) => {
    if (c.writerEpoch !== null) {
      const row = s.writerEpoch.get(c.projection);
      const latest = row === undefined ? null : row.epoch;
      if (latest !== c.writerEpoch) throw { staleWriter: { projection: c.projection, writerEpoch: c.writerEpoch, latestEpoch: latest } };
    }
    for (let i = 0; i < c.heads.length; i += 2) s.upsertHead.run(c.projection, c.heads[i], c.heads[i + 1]);
    const batch = [];
    for (let i = 0; i < c.items.length; i += ${ITEM_FIELDS}) {
      batch.push(c.projection, c.items[i], c.items[i + 1], c.items[i + 2], c.items[i + 3], c.items[i + 4]);
      if (batch.length === ${ITEMS_PER_INSERT * (ITEM_FIELDS + 1)}) {
        s.upsertItems.run(batch);
        batch.length = 0;
      }
    }
    for (let i = 0; i < batch.length; i += ${ITEM_FIELDS + 1}) s.upsertItem.run(batch.slice(i, i + ${ITEM_FIELDS + 1}));
    s.saveCheckpoint.run(c.projection, c.checkpoint, c.rebuildCursor, c.updatedAt);
  });
  return (c) => run.immediate(c);
}` };

type Committer = (commit: FlatCommit) => void;

/** The commit procedure on a connection of the calling thread. */
export function committerOn(db: Database.Database): Committer {
  const commit = procedureOn<FlatCommit, void>(db, COMMIT_PROCEDURE);
  return (flat) => {
    try {
      commit(flat);
    } catch (error) {
      throw asError(error);
    }
  };
}

export function flatCommit(projection: string, changes: ReadonlyMap<string, StateChange>, checkpoint: bigint, writerEpoch?: number, rebuild?: RebuildCursor | null): FlatCommit {
  const heads: string[] = [];
  const items: (string | number)[] = [];
  for (const [key, change] of changes) {
    heads.push(key, JSON.stringify(change.head));
    for (const item of change.items) items.push(key, item.collection, item.itemKey, item.seq, JSON.stringify(item.value));
  }
  return { projection, heads, items, checkpoint: checkpoint.toString(), writerEpoch: writerEpoch ?? null, rebuildCursor: encodeRebuildCursor(rebuild), updatedAt: new Date().toISOString() };
}

function asError(thrown: unknown): Error {
  const stale = (thrown as { staleWriter?: { projection: string; writerEpoch: number; latestEpoch: number | null } } | null)?.staleWriter;
  if (stale) return new StaleProjectionWriterError(stale.projection, stale.writerEpoch, stale.latestEpoch);
  if (thrown instanceof Error) return thrown;
  // An error of the writer thread crosses as { message, code }.
  const plain = thrown as { message?: unknown; code?: string } | null;
  return typeof plain?.message === 'string' ? Object.assign(new Error(plain.message), { code: plain.code }) : new Error(String(thrown));
}

/** Commits run by a writer thread on its own connection, in the order given (see SqliteProcedureThread). */
export function commitThread(file: string, pragmas: string[]): SqliteProcedureThread<FlatCommit, void> {
  return new SqliteProcedureThread(COMMIT_PROCEDURE, { file, pragmas, failurePrefix: 'writing the read store failed in its writer thread', errorOf: asError });
}
