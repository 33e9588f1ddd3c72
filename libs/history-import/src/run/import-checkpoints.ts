import type Database from 'better-sqlite3';
import { openPrivateDatabase } from '@loyalty/sqlite-support';
import type { ImportStage, ImportTotals } from './history-import';

/** Where a file's import stands: its phase and how far it got, the reject file's length, the totals so far. */
export interface ImportCheckpoint {
  fileKey: string;
  path: string;
  /** Absent from the checkpoints of the chunked imports before the ordering phase: such an unfinished import starts again. */
  stage?: ImportStage;
  rejectsBytes: number;
  totals: ImportTotals;
  finishedAt: string | null;
}

/**
 * Each imported file's progress, in `imports.sqlite` of the data folder (owner-only, WAL,
 * synchronous FULL: a checkpoint that says a run is stored or a chunk written is never ahead of
 * the runs or the ledger, which are written first). A file is known by its content (see fileKey), not its name.
 */
export class ImportCheckpoints {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openPrivateDatabase(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS import_checkpoints (file_key TEXT PRIMARY KEY, body TEXT NOT NULL)');
  }

  get(fileKey: string): ImportCheckpoint | null {
    const row = this.db.prepare('SELECT body FROM import_checkpoints WHERE file_key = ?').get(fileKey) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as ImportCheckpoint) : null;
  }

  save(checkpoint: ImportCheckpoint): void {
    this.db
      .prepare('INSERT INTO import_checkpoints (file_key, body) VALUES (?, ?) ON CONFLICT (file_key) DO UPDATE SET body = excluded.body')
      .run(checkpoint.fileKey, JSON.stringify(checkpoint));
  }

  close(): void {
    this.db.close();
  }
}
