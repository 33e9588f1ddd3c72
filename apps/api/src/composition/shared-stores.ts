import { IdempotencyStore, InMemoryIdempotencyStore, PostgresIdempotencyStore, SqliteIdempotencyStore } from '@loyalty/http-platform';
import { InMemoryOperationsStore, PostgresOperationsStore, SqliteOperationsStore, type OperationsStore } from '@loyalty/program-operations';
import { dataFile, type AppConfig } from '../config/app-config';

/**
 * Where a store that every API instance must share lives: in memory with LEDGER_STORE=memory;
 * in PostgreSQL beside the read models when those are there (several API instances); otherwise
 * a SQLite file in the data folder.
 */
function sharedStore<T>(
  config: AppConfig,
  stores: { memory: () => T; postgres: (url: string, schema: string) => T; sqlite: (file: (name: string) => string) => T },
): T {
  if (config.LEDGER_STORE === 'memory') return stores.memory();
  if (config.READ_MODEL_STORE === 'postgres') return stores.postgres(config.READ_MODEL_POSTGRES_URL ?? '', config.READ_MODEL_POSTGRES_SCHEMA);
  return stores.sqlite((name) => dataFile(config, name));
}

/** The rules catalog, replays and their claims, the read-view switch, the audit trail: one for every instance. */
export function openOperationsStore(config: AppConfig): OperationsStore {
  return sharedStore<OperationsStore>(config, {
    memory: () => new InMemoryOperationsStore(),
    postgres: (url, schema) => new PostgresOperationsStore(url, schema),
    sqlite: (file) => new SqliteOperationsStore(file('operations.sqlite')),
  });
}

/** Idempotency-Key responses: a retry may reach another instance than the first request. */
export function openIdempotencyStore(config: AppConfig): IdempotencyStore {
  return sharedStore<IdempotencyStore>(config, {
    memory: () => new InMemoryIdempotencyStore(),
    postgres: (url, schema) => new PostgresIdempotencyStore(url, schema),
    sqlite: (file) => new SqliteIdempotencyStore(file('http-idempotency.sqlite')),
  });
}
