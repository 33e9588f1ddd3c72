import type * as Esdb from '@eventstore/db-client';

let loaded: typeof Esdb | null = null;

/** The client library, loaded on first use: only a ledger on EventStoreDB pays its ~150 ms of start-up. */
export function esdb(): typeof Esdb {
  return (loaded ??= require('@eventstore/db-client') as typeof Esdb);
}
