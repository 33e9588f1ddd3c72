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
  apply(state: S, event: LedgerEvent): S;
}

/** The storage name of a projection version, e.g. "balances_v1". */
export function projectionKey(projection: { name: string; version: number }): string {
  return `${projection.name}_v${projection.version}`;
}
