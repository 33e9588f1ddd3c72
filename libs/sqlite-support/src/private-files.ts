import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** Owner only: the ledger, read models and keys are nobody else's to read, whatever the umask. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the folder if missing and makes it owner-only (an existing one too). */
export function preparePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates the file if missing, owner-only, before anything writes it. SQLite gives its -wal
 * and -shm files the database file's mode, so they follow; existing ones are tightened too.
 */
export function preparePrivateFile(file: string): void {
  preparePrivateDir(dirname(file));
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, PRIVATE_FILE_MODE);
}

/** A better-sqlite3 connection on an owner-only file (':memory:' as is). */
export function openPrivateDatabase(file: string, options?: Database.Options): Database.Database {
  if (file !== ':memory:') preparePrivateFile(file);
  return new Database(file, options);
}
