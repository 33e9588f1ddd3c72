import type { StateChange } from '@loyalty/read-models';

/**
 * Where a projection keeps its per-customer states and its checkpoint. A state is stored as a
 * head plus one row per collection item (see `StateChange`), so a commit writes what changed;
 * `load` and `entries` give the state back whole. `commit` writes the changes and the
 * checkpoint in one transaction: an event takes effect exactly once, even if the process dies
 * mid-batch (the batch is simply applied again from the old checkpoint).
 */
/**
 * Where a stream-ordered rebuild stands (see ProjectionRunner): it builds every stream's state
 * from the ledger up to `upTo`, stream after stream in name order, and has committed the states
 * of every stream up to `afterStream`. The checkpoint stays 0 until the last stream, when it
 * becomes `upTo` and the cursor is cleared, in one commit.
 */
export interface RebuildCursor {
  upTo: bigint;
  afterStream: string;
}

export function encodeRebuildCursor(cursor: RebuildCursor | null | undefined): string | null {
  return cursor ? JSON.stringify({ upTo: cursor.upTo.toString(), afterStream: cursor.afterStream }) : null;
}

export function decodeRebuildCursor(text: string | null): RebuildCursor | null {
  if (text === null) return null;
  const { upTo, afterStream } = JSON.parse(text) as { upTo: string; afterStream: string };
  return { upTo: BigInt(upTo), afterStream };
}

export interface ProjectionStore {
  /** The position of the last event applied (0n: nothing yet, or a stream-ordered rebuild under way). */
  checkpoint(projection: string): Promise<bigint>;
  /** The stream-ordered rebuild under way, if any (stored by `commit` with its states). */
  rebuildCursor(projection: string): Promise<RebuildCursor | null>;
  load(projection: string, keys: readonly string[]): Promise<Map<string, unknown>>;
  /**
   * Makes the caller the projection's writer: a new writer epoch, greater than every earlier one.
   * A commit made with an older epoch is refused (StaleProjectionWriterError) and writes nothing,
   * so a writer that lost its turn (a replay taken over by another instance after a pause, a
   * second projector started by mistake) can never overwrite the newer writer's states.
   */
  claimWriter(projection: string): Promise<number>;
  /**
   * Each customer's head replaces the stored one; its items are added or replace theirs (items
   * are never removed). With `writerEpoch`, only if it is still the projection's latest. The
   * rebuild cursor is stored with them (none given: none stored). Commits given before the last
   * one resolved are written in the order given (a rebuild folds on while one is written); the
   * changes are read at the call, so the caller may go on changing its states.
   */
  commit(
    projection: string,
    changes: ReadonlyMap<string, StateChange>,
    checkpoint: bigint,
    writerEpoch?: number,
    rebuild?: RebuildCursor | null,
  ): Promise<void>;
  /**
   * Keys whose head has a numeric `field` at most `atMost` (heads without it, or with null, are
   * not found), after `afterKey`, in key order, at most `limit`: a job's way to find the
   * customers it has work for (the expiry job: lots due) without loading every state.
   */
  keysWithHeadAtMost(projection: string, query: HeadFieldQuery): Promise<string[]>;
  /**
   * Every state of the projection, ordered by key. A pass gives way to the event loop every few
   * milliseconds of the caller's work (`givingWay`): a scan of every customer never holds requests.
   */
  entries(projection: string): AsyncIterable<[string, unknown]>;
  /** Forgets the projection (a rebuild starts from position zero). */
  drop(projection: string): Promise<void>;
  close(): Promise<void>;
}

export interface HeadFieldQuery {
  /** A top-level field of the head (letters, digits, underscore). */
  field: string;
  atMost: number;
  afterKey: string;
  limit: number;
}

/** The head field a query names, checked: it goes into SQL as a JSON path. */
export function checkedHeadField(field: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(field)) throw new RangeError(`not a head field name: ${field}`);
  return field;
}

/** Another writer claimed the projection after this one: this one must stop (its commit wrote nothing). */
export class StaleProjectionWriterError extends Error {
  readonly code = 'PROJECTION.STALE_WRITER';
  constructor(
    readonly projection: string,
    readonly writerEpoch: number,
    readonly latestEpoch: number | null,
  ) {
    super(`projection ${projection}: writer epoch ${writerEpoch} is no longer the latest (${latestEpoch ?? 'none'}); another writer took over`);
    this.name = 'StaleProjectionWriterError';
  }
}

/** Injection token of the app's projection store. */
export const PROJECTION_STORE = Symbol('PROJECTION_STORE');

/** How far the projections are: for read-your-writes waits. */
export interface ProjectionProgress {
  /** The lowest checkpoint over all projections. */
  position(): bigint;
  /** True once every projection has applied the ledger up to `position`; false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean>;
}
export const PROJECTION_PROGRESS = Symbol('PROJECTION_PROGRESS');
