import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PRIVATE_FILE_MODE, openPrivateDatabase } from './private-files';

/** Who holds a folder's writer lock, as it wrote it down beside the lock. */
export interface WriterLockHolder {
  pid: number;
  role: string;
  since: string;
}

/** Another process already writes this folder's embedded stores. */
export class FolderLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: WriterLockHolder | null,
  ) {
    super(
      `another process writes the embedded ledger in ${dir}` +
        (holder ? ` (pid ${holder.pid}, role ${holder.role}, since ${holder.since})` : '') +
        ': one process per SQLite data folder (run the roles together with LOYALTY_ROLE=all, or scale out on EventStoreDB and PostgreSQL)',
    );
  }
}

const LOCK_FILE = 'writer.lock';
const HOLDER_FILE = 'writer.lock.holder.json';

/**
 * One writing process per data folder. The lock is an exclusive SQLite transaction held open
 * on `writer.lock`: the operating system's file lock behind it goes with the process, so a
 * killed holder frees the folder at once (no stale lock to clean up) and nobody can take it
 * while the holder lives, even from the same process.
 */
export class FolderWriterLock {
  private constructor(private readonly db: Database.Database) {}

  static acquire(dir: string, role: string): FolderWriterLock {
    const db = openPrivateDatabase(join(dir, LOCK_FILE), { timeout: 0 });
    try {
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new FolderLockedError(dir, readHolder(dir));
      throw error;
    }
    const holder: WriterLockHolder = { pid: process.pid, role, since: new Date().toISOString() };
    writeFileSync(join(dir, HOLDER_FILE), `${JSON.stringify(holder)}\n`, { mode: PRIVATE_FILE_MODE });
    return new FolderWriterLock(db);
  }

  release(): void {
    if (!this.db.open) return;
    this.db.exec('ROLLBACK');
    this.db.close();
  }
}

function readHolder(dir: string): WriterLockHolder | null {
  try {
    return JSON.parse(readFileSync(join(dir, HOLDER_FILE), 'utf8')) as WriterLockHolder;
  } catch {
    return null;
  }
}
