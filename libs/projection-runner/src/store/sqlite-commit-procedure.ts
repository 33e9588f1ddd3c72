import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
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
 * The commit, once, as plain JavaScript: `(db, sql) => (commit) => void`. The writer thread runs
 * it (eval: no build step, the same under the test runner), and so does the calling thread for an
 * in-memory store, which no other thread can open. IMMEDIATE: the epoch check and the writes see
 * one state of the file (another connection may claim the writer meanwhile). A stale writer is
 * thrown as a plain `{ staleWriter }` object (it crosses threads; the caller makes the error).
 */
const COMMIT_PROCEDURE = `(db, sql) => {
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
}`;

type Committer = (commit: FlatCommit) => void;

/** The commit procedure on a connection of the calling thread. */
export function committerOn(db: Database.Database): Committer {
  const procedure = new Function(`return ${COMMIT_PROCEDURE}`)() as (db: Database.Database, sql: typeof COMMIT_SQL) => Committer;
  const commit = procedure(db, COMMIT_SQL);
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
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

const WRITER_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.file, { fileMustExist: true });
for (const pragma of workerData.pragmas) db.pragma(pragma);
const commit = (${COMMIT_PROCEDURE})(db, workerData.sql);
parentPort.on('message', ({ id, flat }) => {
  try {
    commit(flat);
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: error && error.staleWriter ? error : { message: String((error && error.message) || error), code: error && error.code } });
  }
});
`;

/**
 * Commits run by a writer thread on its own connection, in the order given: the caller goes on
 * (folding the next states) while SQLite writes. Each commit resolves once it is durable as the
 * store's settings make it.
 */
export class SqliteWriterThread {
  private readonly worker: Worker;
  private lastId = 0;
  /** The commits given and not yet acknowledged: how each ends, and its promise (for idle()). */
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void; done: Promise<void> }>();
  private failure: Error | null = null;

  constructor(file: string, pragmas: string[]) {
    this.worker = new Worker(WRITER_THREAD, { eval: true, workerData: { file, pragmas, sql: COMMIT_SQL, betterSqlite3: require.resolve('better-sqlite3') } });
    // Only a commit under way keeps the process alive.
    this.worker.unref();
    this.worker.on('message', ({ id, error }: { id: number; error?: unknown }) => {
      const waiting = this.pending.get(id);
      if (!waiting) return;
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker.unref();
      if (error === undefined) waiting.resolve();
      else {
        const plain = error as { message?: string; code?: string };
        waiting.reject(plain.message !== undefined ? Object.assign(new Error(plain.message), { code: plain.code }) : asError(error));
      }
    });
    this.worker.on('error', (error) => this.fail(error.message));
    this.worker.on('exit', (code) => this.fail(`the read store's writer thread stopped (exit code ${code})`));
  }

  commit(flat: FlatCommit): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.lastId;
    if (this.pending.size === 0) this.worker.ref();
    let settle!: { resolve: () => void; reject: (error: Error) => void };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.pending.set(id, { ...settle, done });
    this.worker.postMessage({ id, flat });
    return done;
  }

  /** Resolves once every commit given so far is done (written or failed). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.pending.values()].map((commit) => commit.done));
  }

  /** Commits not yet acknowledged are rejected: whether they were written is for the next run to find (checkpoint, cursor). */
  private fail(reason: string): void {
    this.failure ??= new Error(`writing the read store failed in its writer thread: ${reason}`);
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }

  /** Waits for the commits under way, then stops the thread. */
  async close(): Promise<void> {
    await this.idle();
    this.worker.removeAllListeners('exit');
    this.fail('the read store was closed');
    await this.worker.terminate();
  }
}
