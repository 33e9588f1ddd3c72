import Database from 'better-sqlite3';

/** A connection a worker thread opens on a store's file: the per-connection settings travel with it. */
export interface WorkerConnection {
  file: string;
  /** Per connection settings (synchronous, busy_timeout, cache_size). */
  pragmas: string[];
  readonly?: boolean;
}

export function openWorkerConnection({ file, pragmas, readonly }: WorkerConnection): Database.Database {
  const db = new Database(file, { fileMustExist: true, readonly: readonly ?? false });
  for (const pragma of pragmas) db.pragma(pragma);
  return db;
}
