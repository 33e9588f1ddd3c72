import type { LedgerEvent } from '@loyalty/ledger-domain';

/**
 * A projection of the ledger, per customer: a pure `(state, event) -> state` with an initial
 * state. The runner owns checkpoints and storage; a projection never does I/O. A new version
 * is rebuilt from position zero into fresh storage, beside the live one.
 */
export interface CustomerProjection<S> {
  /** Stable name; with the version it names the projection's storage. */
  readonly name: string;
  readonly version: number;
  initial(customerId: string): S;
  /**
   * The next state. It may be the given object changed in place: the runner hands every batch
   * its own copy (deserialised from the store), so nothing else sees it. Determinism is what
   * matters: the same events from the same state give the same result.
   */
  apply(state: S, event: LedgerEvent, touch?: TouchItem): S;
  /**
   * How the state is stored, when it holds collections that grow with the customer's history.
   * Without it the whole state is one document, rewritten at every commit that touches it.
   */
  readonly storage?: ItemizedStorage;
}

/**
 * Told by `apply`, as it adds or changes an item of an itemized collection, which one: the
 * storage is derived from what apply does, never described a second time. An item changed
 * without being told is not stored (the runner's spec folds random histories through commits
 * and reloads and compares them with the pure fold).
 */
export type TouchItem = (collection: string, key: string) => void;

/** One item of a collection of the state. */
export interface ItemRef {
  collection: string;
  key: string;
}

/**
 * A state stored as a small head plus one row per collection item, so that a commit writes what
 * changed, not the customer's whole history: a frequent buyer's thousands of purchases would
 * otherwise be serialised again at every commit, and a rebuild would slow with history.
 */
export interface ItemizedStorage {
  /**
   * Fields of the state stored one row per item: `array` fields are append-only lists (an item
   * keeps its index), `record` fields are objects keyed by id.
   */
  readonly collections: Readonly<Record<string, 'array' | 'record'>>;
  /** The key an `array` item is found by (e.g. a purchase's order id); required with any `array` collection. */
  keyOf?(collection: string, item: unknown): string;
}

/** The storage name of a projection version, e.g. "balances_v2". */
export function projectionKey(projection: { name: string; version: number }): string {
  return `${projection.name}_v${projection.version}`;
}
