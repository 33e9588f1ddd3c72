import { Pool, type PoolClient } from 'pg';
import { inTransaction, lockSchemaMigration } from '@loyalty/postgres-support';
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

/**
 * Operations' records on PostgreSQL, for several API instances: one rules catalog, one list of
 * replays, one read-view switch and one audit trail for all of them. Records are jsonb; the
 * audit trail is append-only by trigger, and its writers take a table lock so that sequence
 * numbers are committed in order (a reader paging with afterSeq never skips an entry that
 * commits late).
 */
export class PostgresOperationsStore implements OperationsStore {
  private readonly pool: Pool;
  private readonly ready: Promise<void>;

  constructor(
    connectionString: string,
    private readonly schema = 'operations',
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    this.pool = new Pool({ connectionString, max: 4 });
    this.ready = this.migrate();
    // A failed migration is reported by the first call that waits for it, not as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  private async migrate(): Promise<void> {
    const s = this.schema;
    await inTransaction(this.pool, async (client) => {
      // Instances, and the read-model store that shares the schema, may start together.
      await lockSchemaMigration(client, s);
      await client.query(`
        CREATE SCHEMA IF NOT EXISTS ${s};
        CREATE TABLE IF NOT EXISTS ${s}.rules_versions (program_id text NOT NULL, version integer NOT NULL, record jsonb NOT NULL, PRIMARY KEY (program_id, version));
        CREATE TABLE IF NOT EXISTS ${s}.operations_audit_trail (
          seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at text NOT NULL, actor text NOT NULL, action text NOT NULL, subject text NOT NULL, details jsonb NOT NULL
        );
        CREATE OR REPLACE FUNCTION ${s}.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP; END $$;
        DROP TRIGGER IF EXISTS operations_audit_trail_append_only ON ${s}.operations_audit_trail;
        CREATE TRIGGER operations_audit_trail_append_only BEFORE UPDATE OR DELETE ON ${s}.operations_audit_trail FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_audit_change();
        CREATE TABLE IF NOT EXISTS ${s}.replays (id text PRIMARY KEY, record jsonb NOT NULL);
        CREATE TABLE IF NOT EXISTS ${s}.re_ratings (id text PRIMARY KEY, record jsonb NOT NULL);
        CREATE TABLE IF NOT EXISTS ${s}.read_view (id integer PRIMARY KEY CHECK (id = 1), record jsonb NOT NULL);
        CREATE TABLE IF NOT EXISTS ${s}.replay_runners (replay_id text PRIMARY KEY, owner text NOT NULL, lease_until text NOT NULL);
        CREATE TABLE IF NOT EXISTS ${s}.expiry_runs (id integer PRIMARY KEY CHECK (id = 1), run_id text NOT NULL, record jsonb NOT NULL);
      `);
      // The compare-and-set locks this one row: it must exist before the first run ('' = no run yet).
      await client.query(`INSERT INTO ${s}.expiry_runs (id, run_id, record) VALUES (1, '', 'null') ON CONFLICT (id) DO NOTHING`);
      // The switch is a compare-and-set on this one row: it must exist before the first promotion.
      await client.query(`INSERT INTO ${s}.read_view (id, record) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [JSON.stringify(LIVE_READ_VIEW)]);
    });
  }

  async rulesVersions(): Promise<RulesVersionRecord[]> {
    await this.ready;
    const { rows } = await this.pool.query<{ record: RulesVersionRecord }>(`SELECT record FROM ${this.schema}.rules_versions ORDER BY program_id, version`);
    return rows.map((r) => r.record);
  }

  async insertRulesVersion(record: RulesVersionRecord, audit: NewAuditEntry): Promise<boolean> {
    return this.transaction(async (client) => {
      const inserted = await client.query(
        `INSERT INTO ${this.schema}.rules_versions (program_id, version, record) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [record.programId, record.version, JSON.stringify(record)],
      );
      if (inserted.rowCount !== 1) return false;
      await this.insertAudit(client, audit);
      return true;
    });
  }

  async updateRulesVersion(record: RulesVersionRecord, audit: NewAuditEntry): Promise<void> {
    await this.transaction(async (client) => {
      await client.query(`UPDATE ${this.schema}.rules_versions SET record = $3 WHERE program_id = $1 AND version = $2`, [
        record.programId,
        record.version,
        JSON.stringify(record),
      ]);
      await this.insertAudit(client, audit);
    });
  }

  async auditTrail(options: { afterSeq?: number; limit?: number } = {}): Promise<AuditTrailEntry[]> {
    await this.ready;
    // node-postgres returns bigint as text; audit sequence numbers stay far below 2^53.
    const { rows } = await this.pool.query<{ seq: string; at: string; actor: string; action: string; subject: string; details: Record<string, unknown> }>(
      `SELECT seq, at, actor, action, subject, details FROM ${this.schema}.operations_audit_trail WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [options.afterSeq ?? 0, options.limit ?? 1000],
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    await this.transaction((client) => this.insertAudit(client, entry));
  }

  async saveReplay(record: ReplayRecord): Promise<void> {
    await this.saveRecord('replays', record);
  }

  async replay(id: string): Promise<ReplayRecord | null> {
    return this.recordById<ReplayRecord>('replays', id);
  }

  async replays(): Promise<ReplayRecord[]> {
    await this.ready;
    const { rows } = await this.pool.query<{ record: ReplayRecord }>(`SELECT record FROM ${this.schema}.replays ORDER BY id`);
    return rows.map((r) => r.record);
  }

  async saveReRating(record: ReRatingRecord): Promise<void> {
    await this.saveRecord('re_ratings', record);
  }

  async reRating(id: string): Promise<ReRatingRecord | null> {
    return this.recordById<ReRatingRecord>('re_ratings', id);
  }

  /** Replays and re-ratings are each one jsonb record per id, replaced whole. */
  private async saveRecord(table: 'replays' | 're_ratings', record: { id: string }): Promise<void> {
    await this.ready;
    await this.pool.query(`INSERT INTO ${this.schema}.${table} (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = excluded.record`, [
      record.id,
      JSON.stringify(record),
    ]);
  }

  private async recordById<T>(table: 'replays' | 're_ratings', id: string): Promise<T | null> {
    await this.ready;
    const { rows } = await this.pool.query<{ record: T }>(`SELECT record FROM ${this.schema}.${table} WHERE id = $1`, [id]);
    return rows[0]?.record ?? null;
  }

  async readView(): Promise<ReadViewRecord> {
    await this.ready;
    const { rows } = await this.pool.query<{ record: ReadViewRecord }>(`SELECT record FROM ${this.schema}.read_view WHERE id = 1`);
    return rows[0]?.record ?? LIVE_READ_VIEW;
  }

  async switchReadView(expectedReplayId: string | null, next: ReadViewRecord, audit: NewAuditEntry): Promise<boolean> {
    return this.transaction(async (client) => {
      // One conditional UPDATE: of two instances promoting at once, the second finds the row changed and writes nothing.
      const switched = await client.query(`UPDATE ${this.schema}.read_view SET record = $2 WHERE id = 1 AND (record->>'replayId') IS NOT DISTINCT FROM $1`, [
        expectedReplayId,
        JSON.stringify(next),
      ]);
      if (switched.rowCount !== 1) return false;
      await this.insertAudit(client, audit);
      return true;
    });
  }

  async latestExpiryRun(): Promise<ExpiryRunRecord | null> {
    await this.ready;
    const { rows } = await this.pool.query<{ record: ExpiryRunRecord | null }>(`SELECT record FROM ${this.schema}.expiry_runs WHERE id = 1`);
    return rows[0]?.record ?? null;
  }

  async saveExpiryRun(record: ExpiryRunRecord, expectedRunId: string | null, audit?: NewAuditEntry): Promise<boolean> {
    return this.transaction(async (client) => {
      // The row is locked for the transaction: of two instances starting a run at once, the second sees the first's.
      const { rows } = await client.query<{ run_id: string }>(`SELECT run_id FROM ${this.schema}.expiry_runs WHERE id = 1 FOR UPDATE`);
      const latest = rows[0]?.run_id || null;
      if (latest !== expectedRunId && latest !== record.runId) return false;
      await client.query(`UPDATE ${this.schema}.expiry_runs SET run_id = $1, record = $2 WHERE id = 1`, [record.runId, JSON.stringify(record)]);
      if (audit) await this.insertAudit(client, audit);
      return true;
    });
  }

  async claimReplayRunner(replayId: string, owner: string, now: string, leaseUntil: string): Promise<boolean> {
    await this.ready;
    // One statement: of two instances claiming at once, the row lock makes the second see the first's lease.
    const claimed = await this.pool.query(
      `INSERT INTO ${this.schema}.replay_runners (replay_id, owner, lease_until) VALUES ($1, $2, $3)
       ON CONFLICT (replay_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
       WHERE replay_runners.owner = excluded.owner OR replay_runners.lease_until < $4`,
      [replayId, owner, leaseUntil, now],
    );
    return claimed.rowCount === 1;
  }

  async releaseReplayRunner(replayId: string, owner: string): Promise<void> {
    await this.ready;
    await this.pool.query(`DELETE FROM ${this.schema}.replay_runners WHERE replay_id = $1 AND owner = $2`, [replayId, owner]);
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    await this.ready;
    return inTransaction(this.pool, work);
  }

  private async insertAudit(client: PoolClient, e: NewAuditEntry): Promise<void> {
    // Held to the commit: entries are numbered and become visible in the same order.
    await client.query(`LOCK TABLE ${this.schema}.operations_audit_trail IN EXCLUSIVE MODE`);
    await client.query(`INSERT INTO ${this.schema}.operations_audit_trail (at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5)`, [
      e.at,
      e.actor,
      e.action,
      e.subject,
      JSON.stringify(e.details),
    ]);
  }
}
