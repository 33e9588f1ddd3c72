import type Database from 'better-sqlite3';
import type { LoyaltyNotification, StandingMemory } from '@loyalty/read-models';
import { openPrivateDatabase } from '@loyalty/sqlite-support';
import {
  StaleNotifierWriterError,
  type DeliveryRecord,
  type DeliveryStatus,
  type NotificationOutbox,
  type OutboxEntry,
  type WebhookEndpoint,
} from './notification-outbox.port';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS writers (name TEXT PRIMARY KEY, epoch INTEGER NOT NULL);
DROP TABLE IF EXISTS notifier_states; -- the notifier's states are folded from the ledger now
CREATE TABLE IF NOT EXISTS standing_memory (customer_id TEXT PRIMARY KEY, memory TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_endpoints (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
  endpoint_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (endpoint_id, seq)
);
CREATE INDEX IF NOT EXISTS deliveries_by_status ON deliveries (status);
`;

/** The outbox in an owner-only SQLite file of the data folder (WAL): `notifications.sqlite`. */
export class SqliteNotificationOutbox implements NotificationOutbox {
  private readonly db: Database.Database;
  /** The epoch this connection writes under (null: not a notifier's connection, unfenced). */
  private writerEpoch: number | null = null;
  /** Statements prepared once: the sinks ask several per delivery. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = openPrivateDatabase(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL under WAL: a power loss may lose the last commits, never half of one; they are
    // derived or sent again from the checkpoint that was lost with them (at least once).
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    // The cursor in a column of its own (it was in the body): a change of an endpoint never moves it back.
    const columns = this.db.prepare('PRAGMA table_info(webhook_endpoints)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'cursor')) {
      this.db.exec(
        "ALTER TABLE webhook_endpoints ADD COLUMN cursor INTEGER NOT NULL DEFAULT 0; UPDATE webhook_endpoints SET cursor = COALESCE(json_extract(body, '$.cursor'), 0);",
      );
    }
  }

  async claimWriter(): Promise<number> {
    const { epoch } = this.statement(
      "INSERT INTO writers (name, epoch) VALUES ('notifier', 1) ON CONFLICT (name) DO UPDATE SET epoch = epoch + 1 RETURNING epoch",
    ).get() as { epoch: number };
    this.writerEpoch = epoch;
    return epoch;
  }

  fenceAt(epoch: number): void {
    this.writerEpoch = epoch;
  }

  /** A write of the notifier's progress: in one IMMEDIATE transaction with the check that this writer is still the latest. */
  private fenced(write: () => void): void {
    this.db
      .transaction(() => {
        if (this.writerEpoch !== null) {
          const row = this.statement("SELECT epoch FROM writers WHERE name = 'notifier'").get() as { epoch: number } | undefined;
          if (row?.epoch !== this.writerEpoch) throw new StaleNotifierWriterError(this.writerEpoch, row?.epoch ?? null);
        }
        write();
      })
      .immediate();
  }

  async checkpoint(name: string): Promise<string | null> {
    const row = this.statement('SELECT value FROM checkpoints WHERE name = ?').get(name) as { value: string } | undefined;
    return row?.value ?? null;
  }

  async setCheckpoint(name: string, value: string): Promise<void> {
    this.fenced(() =>
      this.statement('INSERT INTO checkpoints (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value),
    );
  }

  async standingMemories(customerIds: readonly string[]): Promise<Map<string, StandingMemory>> {
    return this.jsonByCustomer('SELECT customer_id, memory AS json FROM standing_memory WHERE customer_id = ?', customerIds);
  }

  async commitFollowed(notifications: readonly LoyaltyNotification[], position: bigint): Promise<void> {
    this.fenced(() => {
      this.insert(notifications);
      this.statement("INSERT INTO checkpoints (name, value) VALUES ('notifier', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(
        position.toString(),
      );
    });
  }

  async commitScanned(memories: ReadonlyMap<string, StandingMemory>, notifications: readonly LoyaltyNotification[]): Promise<void> {
    const save = this.statement(
      'INSERT INTO standing_memory (customer_id, memory) VALUES (?, ?) ON CONFLICT (customer_id) DO UPDATE SET memory = excluded.memory',
    );
    this.fenced(() => {
      for (const [customerId, memory] of memories) save.run(customerId, JSON.stringify(memory));
      this.insert(notifications);
    });
  }

  async after(seq: number, limit: number, types?: readonly string[]): Promise<OutboxEntry[]> {
    const typed = types && types.length > 0;
    const sql = `SELECT seq, recorded_at, body FROM outbox WHERE seq > ? ${typed ? `AND type IN (${types.map(() => '?').join(',')})` : ''} ORDER BY seq LIMIT ?`;
    const rows = this.statement(sql).all(seq, ...(typed ? types : []), limit) as { seq: number; recorded_at: string; body: string }[];
    return rows.map((r) => ({ seq: r.seq, recordedAt: r.recorded_at, notification: JSON.parse(r.body) as LoyaltyNotification }));
  }

  async headSeq(): Promise<number> {
    return (this.statement('SELECT COALESCE(MAX(seq), 0) AS head FROM outbox').get() as { head: number }).head;
  }

  async endpoints(): Promise<WebhookEndpoint[]> {
    return (this.statement('SELECT body, cursor FROM webhook_endpoints ORDER BY id').all() as { body: string; cursor: number }[]).map(endpointOf);
  }

  async endpoint(id: string): Promise<WebhookEndpoint | null> {
    const row = this.statement('SELECT body, cursor FROM webhook_endpoints WHERE id = ?').get(id) as { body: string; cursor: number } | undefined;
    return row ? endpointOf(row) : null;
  }

  async saveEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    const { cursor, ...body } = endpoint;
    this.statement('INSERT INTO webhook_endpoints (id, body, cursor) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body').run(
      endpoint.id,
      JSON.stringify(body),
      cursor,
    );
  }

  async recordDeliveries(records: readonly DeliveryRecord[], cursors: ReadonlyMap<string, number>): Promise<void> {
    const record = this.statement(
      'INSERT INTO deliveries (endpoint_id, seq, status, body) VALUES (?, ?, ?, ?) ON CONFLICT (endpoint_id, seq) DO UPDATE SET status = excluded.status, body = excluded.body',
    );
    const advance = this.statement('UPDATE webhook_endpoints SET cursor = MAX(cursor, ?) WHERE id = ?');
    this.fenced(() => {
      for (const r of records) record.run(r.endpointId, r.seq, r.status, JSON.stringify(r));
      for (const [endpointId, cursor] of cursors) advance.run(cursor, endpointId);
    });
  }

  async finishedAfter(endpointId: string, cursor: number): Promise<number[]> {
    const rows = this.statement("SELECT seq FROM deliveries WHERE endpoint_id = ? AND seq > ? AND status <> 'retrying' ORDER BY seq").all(
      endpointId,
      cursor,
    ) as {
      seq: number;
    }[];
    return rows.map((r) => r.seq);
  }

  async deliveries(endpointId: string, options: { afterSeq?: number; limit: number; status?: DeliveryStatus }): Promise<DeliveryRecord[]> {
    const rows = this.statement(
      `SELECT body FROM deliveries WHERE endpoint_id = ? AND seq > ? ${options.status ? 'AND status = ?' : ''} ORDER BY seq LIMIT ?`,
    ).all(endpointId, options.afterSeq ?? 0, ...(options.status ? [options.status] : []), options.limit) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as DeliveryRecord);
  }

  async deliveryCounts(): Promise<Record<DeliveryStatus, number>> {
    const counts: Record<DeliveryStatus, number> = { delivered: 0, retrying: 0, failed: 0 };
    for (const row of this.statement('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status').all() as { status: DeliveryStatus; n: number }[])
      counts[row.status] = row.n;
    return counts;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  private insert(notifications: readonly LoyaltyNotification[]): void {
    const add = this.statement('INSERT INTO outbox (id, type, customer_id, recorded_at, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    const now = new Date().toISOString();
    for (const n of notifications) add.run(n.id, n.type, n.customerId, now, JSON.stringify(n));
  }

  private jsonByCustomer<T>(sql: string, customerIds: readonly string[]): Map<string, T> {
    const get = this.statement(sql);
    const found = new Map<string, T>();
    for (const id of customerIds) {
      const row = get.get(id) as { customer_id: string; json: string } | undefined;
      if (row) found.set(row.customer_id, JSON.parse(row.json) as T);
    }
    return found;
  }
}

/** An endpoint as stored; one stored before `maxInFlight` or `maxBatchSize` existed sends one at a time, one a request. */
export function endpointOf(row: { body: string | object; cursor: number | string }): WebhookEndpoint {
  const body = typeof row.body === 'string' ? (JSON.parse(row.body) as Partial<WebhookEndpoint>) : (row.body as Partial<WebhookEndpoint>);
  return { maxInFlight: 1, maxBatchSize: 1, ...body, cursor: Number(row.cursor) } as WebhookEndpoint;
}
