import type Database from 'better-sqlite3';
import { openPrivateDatabase } from '@loyalty/sqlite-support';
import {
  LIVE_READ_VIEW,
  type AuditTrailEntry,
  type NewAuditEntry,
  type OperationsStore,
  type ReadViewRecord,
  type ReplayRecord,
  type ReRatingRecord,
  type RulesVersionRecord,
  type ExpiryRunRecord,
} from './operations-store.port';

/** Operations' records in one SQLite file (WAL, FULL: promotions and approvals must survive a power cut). */
export class SqliteOperationsStore implements OperationsStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openPrivateDatabase(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS rules_versions (program_id TEXT NOT NULL, version INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (program_id, version));
      CREATE TABLE IF NOT EXISTS operations_audit_trail (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, details TEXT NOT NULL);
      CREATE TRIGGER IF NOT EXISTS operations_audit_trail_no_update BEFORE UPDATE ON operations_audit_trail BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
      CREATE TRIGGER IF NOT EXISTS operations_audit_trail_no_delete BEFORE DELETE ON operations_audit_trail BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
      CREATE TABLE IF NOT EXISTS replays (id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS re_ratings (id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS read_view (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS replay_runners (replay_id TEXT PRIMARY KEY, owner TEXT NOT NULL, lease_until TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS expiry_runs (id INTEGER PRIMARY KEY CHECK (id = 1), run_id TEXT NOT NULL, record TEXT NOT NULL);
    `);
  }

  async rulesVersions(): Promise<RulesVersionRecord[]> {
    return this.db
      .prepare<[], { record: string }>('SELECT record FROM rules_versions ORDER BY program_id, version')
      .all()
      .map((r) => JSON.parse(r.record) as RulesVersionRecord);
  }

  async insertRulesVersion(record: RulesVersionRecord, audit: NewAuditEntry): Promise<boolean> {
    return this.db.transaction(() => {
      const inserted =
        this.db
          .prepare('INSERT OR IGNORE INTO rules_versions (program_id, version, record) VALUES (?, ?, ?)')
          .run(record.programId, record.version, JSON.stringify(record)).changes === 1;
      if (inserted) this.insertAudit(audit);
      return inserted;
    })();
  }

  async updateRulesVersion(record: RulesVersionRecord, audit: NewAuditEntry): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE rules_versions SET record = ? WHERE program_id = ? AND version = ?')
        .run(JSON.stringify(record), record.programId, record.version);
      this.insertAudit(audit);
    })();
  }

  async auditTrail(options: { afterSeq?: number; limit?: number } = {}): Promise<AuditTrailEntry[]> {
    return this.db
      .prepare<[number, number], { seq: number; at: string; actor: string; action: string; subject: string; details: string }>(
        'SELECT * FROM operations_audit_trail WHERE seq > ? ORDER BY seq LIMIT ?',
      )
      .all(options.afterSeq ?? 0, options.limit ?? 1000)
      .map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  async latestExpiryRun(): Promise<ExpiryRunRecord | null> {
    const row = this.db.prepare<[], { record: string }>('SELECT record FROM expiry_runs WHERE id = 1').get();
    return row ? (JSON.parse(row.record) as ExpiryRunRecord) : null;
  }

  async saveExpiryRun(record: ExpiryRunRecord, expectedRunId: string | null, audit?: NewAuditEntry): Promise<boolean> {
    return this.db
      .transaction(() => {
        const latest = this.db.prepare<[], { run_id: string }>('SELECT run_id FROM expiry_runs WHERE id = 1').get()?.run_id ?? null;
        if (latest !== expectedRunId && latest !== record.runId) return false;
        this.db
          .prepare(
            'INSERT INTO expiry_runs (id, run_id, record) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id, record = excluded.record',
          )
          .run(record.runId, JSON.stringify(record));
        if (audit) this.insertAudit(audit);
        return true;
      })
      .immediate(); // the write lock from the read on: another process cannot start a run in between
  }

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    this.insertAudit(entry);
  }

  async saveReplay(record: ReplayRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO replays (id, record) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record')
      .run(record.id, JSON.stringify(record));
  }

  async replay(id: string): Promise<ReplayRecord | null> {
    const row = this.db.prepare<[string], { record: string }>('SELECT record FROM replays WHERE id = ?').get(id);
    return row ? (JSON.parse(row.record) as ReplayRecord) : null;
  }

  async replays(): Promise<ReplayRecord[]> {
    return this.db
      .prepare<[], { record: string }>('SELECT record FROM replays ORDER BY id')
      .all()
      .map((r) => JSON.parse(r.record) as ReplayRecord);
  }

  async saveReRating(record: ReRatingRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO re_ratings (id, record) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record')
      .run(record.id, JSON.stringify(record));
  }

  async reRating(id: string): Promise<ReRatingRecord | null> {
    const row = this.db.prepare<[string], { record: string }>('SELECT record FROM re_ratings WHERE id = ?').get(id);
    return row ? (JSON.parse(row.record) as ReRatingRecord) : null;
  }

  async readView(): Promise<ReadViewRecord> {
    const row = this.db.prepare<[], { record: string }>('SELECT record FROM read_view WHERE id = 1').get();
    return row ? (JSON.parse(row.record) as ReadViewRecord) : LIVE_READ_VIEW;
  }

  async switchReadView(expectedReplayId: string | null, next: ReadViewRecord, audit: NewAuditEntry): Promise<boolean> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare<[], { record: string }>('SELECT record FROM read_view WHERE id = 1').get();
        const current = row ? (JSON.parse(row.record) as ReadViewRecord) : LIVE_READ_VIEW;
        if (current.replayId !== expectedReplayId) return false;
        this.db.prepare('INSERT INTO read_view (id, record) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record').run(JSON.stringify(next));
        this.insertAudit(audit);
        return true;
      })
      .immediate();
  }

  async claimReplayRunner(replayId: string, owner: string, now: string, leaseUntil: string): Promise<boolean> {
    return (
      this.db
        .prepare(
          `INSERT INTO replay_runners (replay_id, owner, lease_until) VALUES (?, ?, ?)
           ON CONFLICT (replay_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
           WHERE replay_runners.owner = excluded.owner OR replay_runners.lease_until < ?`,
        )
        .run(replayId, owner, leaseUntil, now).changes === 1
    );
  }

  async releaseReplayRunner(replayId: string, owner: string): Promise<void> {
    this.db.prepare('DELETE FROM replay_runners WHERE replay_id = ? AND owner = ?').run(replayId, owner);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private insertAudit(e: NewAuditEntry): void {
    this.db
      .prepare('INSERT INTO operations_audit_trail (at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?)')
      .run(e.at, e.actor, e.action, e.subject, JSON.stringify(e.details));
  }
}
