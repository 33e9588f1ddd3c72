import type Database from 'better-sqlite3';
import type { LoyaltyNotification, NotifierCustomerState, StandingMemory } from '@loyalty/read-models';
import { openPrivateDatabase } from '@loyalty/sqlite-support';
import type { DeliveryRecord, DeliveryStatus, NotificationOutbox, OutboxEntry, WebhookEndpoint } from './notification-outbox.port';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notifier_states (customer_id TEXT PRIMARY KEY, state TEXT NOT NULL);
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

  constructor(file: string) {
    this.db = openPrivateDatabase(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL under WAL: a power loss may lose the last commits, never half of one; they are
    // derived or sent again from the checkpoint that was lost with them (at least once).
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  async checkpoint(name: string): Promise<string | null> {
    const row = this.db.prepare('SELECT value FROM checkpoints WHERE name = ?').get(name) as { value: string } | undefined;
    return row?.value ?? null;
  }

  async setCheckpoint(name: string, value: string): Promise<void> {
    this.db.prepare('INSERT INTO checkpoints (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  async notifierStates(customerIds: readonly string[]): Promise<Map<string, NotifierCustomerState>> {
    return this.jsonByCustomer('SELECT customer_id, state AS json FROM notifier_states WHERE customer_id = ?', customerIds);
  }

  async standingMemories(customerIds: readonly string[]): Promise<Map<string, StandingMemory>> {
    return this.jsonByCustomer('SELECT customer_id, memory AS json FROM standing_memory WHERE customer_id = ?', customerIds);
  }

  async commitFollowed(states: ReadonlyMap<string, NotifierCustomerState>, notifications: readonly LoyaltyNotification[], position: bigint): Promise<void> {
    const save = this.db.prepare(
      'INSERT INTO notifier_states (customer_id, state) VALUES (?, ?) ON CONFLICT (customer_id) DO UPDATE SET state = excluded.state',
    );
    this.db.transaction(() => {
      for (const [customerId, state] of states) save.run(customerId, JSON.stringify(state));
      this.insert(notifications);
      this.db
        .prepare("INSERT INTO checkpoints (name, value) VALUES ('notifier', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        .run(position.toString());
    })();
  }

  async commitScanned(memories: ReadonlyMap<string, StandingMemory>, notifications: readonly LoyaltyNotification[]): Promise<void> {
    const save = this.db.prepare(
      'INSERT INTO standing_memory (customer_id, memory) VALUES (?, ?) ON CONFLICT (customer_id) DO UPDATE SET memory = excluded.memory',
    );
    this.db.transaction(() => {
      for (const [customerId, memory] of memories) save.run(customerId, JSON.stringify(memory));
      this.insert(notifications);
    })();
  }

  async after(seq: number, limit: number, types?: readonly string[]): Promise<OutboxEntry[]> {
    const typed = types && types.length > 0;
    const sql = `SELECT seq, recorded_at, body FROM outbox WHERE seq > ? ${typed ? `AND type IN (${types.map(() => '?').join(',')})` : ''} ORDER BY seq LIMIT ?`;
    const rows = this.db.prepare(sql).all(seq, ...(typed ? types : []), limit) as { seq: number; recorded_at: string; body: string }[];
    return rows.map((r) => ({ seq: r.seq, recordedAt: r.recorded_at, notification: JSON.parse(r.body) as LoyaltyNotification }));
  }

  async headSeq(): Promise<number> {
    return (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS head FROM outbox').get() as { head: number }).head;
  }

  async endpoints(): Promise<WebhookEndpoint[]> {
    return (this.db.prepare('SELECT body FROM webhook_endpoints ORDER BY id').all() as { body: string }[]).map((r) => JSON.parse(r.body) as WebhookEndpoint);
  }

  async endpoint(id: string): Promise<WebhookEndpoint | null> {
    const row = this.db.prepare('SELECT body FROM webhook_endpoints WHERE id = ?').get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as WebhookEndpoint) : null;
  }

  async saveEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    this.db
      .prepare('INSERT INTO webhook_endpoints (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body')
      .run(endpoint.id, JSON.stringify(endpoint));
  }

  async recordDelivery(record: DeliveryRecord, advanceCursor: boolean): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO deliveries (endpoint_id, seq, status, body) VALUES (?, ?, ?, ?) ON CONFLICT (endpoint_id, seq) DO UPDATE SET status = excluded.status, body = excluded.body',
        )
        .run(record.endpointId, record.seq, record.status, JSON.stringify(record));
      if (!advanceCursor) return;
      const endpoint = this.db.prepare('SELECT body FROM webhook_endpoints WHERE id = ?').get(record.endpointId) as { body: string } | undefined;
      if (!endpoint) return;
      const parsed = JSON.parse(endpoint.body) as WebhookEndpoint;
      if (record.seq > parsed.cursor)
        this.db.prepare('UPDATE webhook_endpoints SET body = ? WHERE id = ?').run(JSON.stringify({ ...parsed, cursor: record.seq }), record.endpointId);
    })();
  }

  async deliveries(endpointId: string, options: { afterSeq?: number; limit: number; status?: DeliveryStatus }): Promise<DeliveryRecord[]> {
    const rows = this.db
      .prepare(`SELECT body FROM deliveries WHERE endpoint_id = ? AND seq > ? ${options.status ? 'AND status = ?' : ''} ORDER BY seq LIMIT ?`)
      .all(endpointId, options.afterSeq ?? 0, ...(options.status ? [options.status] : []), options.limit) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as DeliveryRecord);
  }

  async deliveryCounts(): Promise<Record<DeliveryStatus, number>> {
    const counts: Record<DeliveryStatus, number> = { delivered: 0, retrying: 0, failed: 0 };
    for (const row of this.db.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status').all() as { status: DeliveryStatus; n: number }[])
      counts[row.status] = row.n;
    return counts;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private insert(notifications: readonly LoyaltyNotification[]): void {
    const add = this.db.prepare('INSERT INTO outbox (id, type, customer_id, recorded_at, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    const now = new Date().toISOString();
    for (const n of notifications) add.run(n.id, n.type, n.customerId, now, JSON.stringify(n));
  }

  private jsonByCustomer<T>(sql: string, customerIds: readonly string[]): Map<string, T> {
    const get = this.db.prepare(sql);
    const found = new Map<string, T>();
    for (const id of customerIds) {
      const row = get.get(id) as { customer_id: string; json: string } | undefined;
      if (row) found.set(row.customer_id, JSON.parse(row.json) as T);
    }
    return found;
  }
}
