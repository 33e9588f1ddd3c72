import type Database from 'better-sqlite3';
import { errorOfPlain } from '@loyalty/thread-support';
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

const COMMIT_SQL = {
  writerEpoch: 'SELECT epoch FROM read_model_writers WHERE projection = ?',
  upsertHead: 'INSERT INTO read_model_heads (projection, key, head) VALUES (?, ?, ?) ON CONFLICT (projection, key) DO UPDATE SET head = excluded.head',
  upsertItem: `${INSERT_ITEMS} (?, ?, ?, ?, ?, ?) ${ON_ITEM_CONFLICT}`,
  // Rows in one statement are inserted in turn, so an item twice in a commit ends as its last value, as one by one.
  upsertItems: `${INSERT_ITEMS} ${Array(ITEMS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?)').join(', ')} ${ON_ITEM_CONFLICT}`,
  saveCheckpoint:
    'INSERT INTO read_model_checkpoints (projection, position, rebuild_cursor, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (projection) DO UPDATE SET position = excluded.position, rebuild_cursor = excluded.rebuild_cursor, updated_at = excluded.updated_at',
};

/** A stale writer, as it crosses threads (the caller makes the error, see commitError). */
interface StaleWriterRefusal {
  staleWriter: { projection: string; writerEpoch: number; latestEpoch: number | null };
}

/**
 * A commit on one connection: in the writer thread for a file (sqlite-commit.worker), in the
 * calling thread otherwise. IMMEDIATE: the epoch check and the writes see one state of the file
 * (another connection may claim the writer meanwhile).
 */
export function committerOn(db: Database.Database): (commit: FlatCommit) => void {
  const writerEpoch = db.prepare<[string], { epoch: number }>(COMMIT_SQL.writerEpoch);
  const upsertHead = db.prepare<[string, string, string]>(COMMIT_SQL.upsertHead);
  const upsertItem = db.prepare<unknown[]>(COMMIT_SQL.upsertItem);
  const upsertItems = db.prepare<unknown[]>(COMMIT_SQL.upsertItems);
  const saveCheckpoint = db.prepare<[string, string, string | null, string]>(COMMIT_SQL.saveCheckpoint);
  const rowFields = ITEM_FIELDS + 1;
  const run = db.transaction((c: FlatCommit) => {
    if (c.writerEpoch !== null) {
      const latest = writerEpoch.get(c.projection)?.epoch ?? null;
      if (latest !== c.writerEpoch) {
        const refusal: StaleWriterRefusal = { staleWriter: { projection: c.projection, writerEpoch: c.writerEpoch, latestEpoch: latest } };
        throw refusal;
      }
    }
    for (let i = 0; i < c.heads.length; i += 2) upsertHead.run(c.projection, c.heads[i], c.heads[i + 1]);
    const batch: (string | number)[] = [];
    for (let i = 0; i < c.items.length; i += ITEM_FIELDS) {
      batch.push(c.projection, c.items[i], c.items[i + 1], c.items[i + 2], c.items[i + 3], c.items[i + 4]);
      if (batch.length === ITEMS_PER_INSERT * rowFields) {
        upsertItems.run(batch);
        batch.length = 0;
      }
    }
    for (let i = 0; i < batch.length; i += rowFields) upsertItem.run(batch.slice(i, i + rowFields));
    saveCheckpoint.run(c.projection, c.checkpoint, c.rebuildCursor, c.updatedAt);
  });
  return (c) => run.immediate(c);
}

export function flatCommit(
  projection: string,
  changes: ReadonlyMap<string, StateChange>,
  checkpoint: bigint,
  writerEpoch?: number,
  rebuild?: RebuildCursor | null,
): FlatCommit {
  const heads: string[] = [];
  const items: (string | number)[] = [];
  for (const [key, change] of changes) {
    heads.push(key, JSON.stringify(change.head));
    for (const item of change.items) items.push(key, item.collection, item.itemKey, item.seq, JSON.stringify(item.value));
  }
  return {
    projection,
    heads,
    items,
    checkpoint: checkpoint.toString(),
    writerEpoch: writerEpoch ?? null,
    rebuildCursor: encodeRebuildCursor(rebuild),
    updatedAt: new Date().toISOString(),
  };
}

/** What a commit threw, as the caller's error: a stale writer as StaleProjectionWriterError, an error of the thread as { message, code }. */
export function commitError(thrown: unknown): Error {
  const stale = (thrown as Partial<StaleWriterRefusal> | null)?.staleWriter;
  if (stale) return new StaleProjectionWriterError(stale.projection, stale.writerEpoch, stale.latestEpoch);
  return errorOfPlain(thrown);
}
