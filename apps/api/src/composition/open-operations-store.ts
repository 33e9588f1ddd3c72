import { join, resolve } from 'node:path';
import { InMemoryOperationsStore, PostgresOperationsStore, SqliteOperationsStore, type OperationsStore } from '@loyalty/program-operations';
import type { AppConfig } from '../config/app-config';

/**
 * Where operations keep the rules catalog, replays, the read-view switch and their audit trail.
 * With the read models on PostgreSQL (several API instances) they go there too, beside them, so
 * that every instance sees one catalog and one switch; otherwise a SQLite file in the data folder.
 */
export function openOperationsStore(config: AppConfig): OperationsStore {
  if (config.LEDGER_STORE === 'memory') return new InMemoryOperationsStore();
  if (config.READ_MODEL_STORE === 'postgres') return new PostgresOperationsStore(config.READ_MODEL_POSTGRES_URL ?? '', config.READ_MODEL_POSTGRES_SCHEMA);
  return new SqliteOperationsStore(join(resolve(config.LOYALTY_DATA_DIR), 'operations.sqlite'));
}
