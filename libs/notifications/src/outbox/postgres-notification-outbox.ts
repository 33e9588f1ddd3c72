import { Pool, type PoolClient } from 'pg';
import { inTransaction, lockSchemaMigration } from '@loyalty/postgres-support';
import type { LoyaltyNotification, StandingMemory } from '@loyalty/read-models';
import { endpointOf } from './sqlite-notification-outbox';
import {
  StaleNotifierWriterError,
  type DeliveryRecord,
  type DeliveryStatus,
  type NotificationOutbox,
  type OutboxEntry,
  type WebhookEndpoint,
} from './notification-outbox.port';

/**
 * The outbox of a scaled-out deployment, beside the read models in PostgreSQL: the notifier role
 * writes it, every API instance reads it (the feed, the delivery log) and registers endpoints in
 * it. Tables are prefixed `notification_` in the read models' schema.
 */
export class PostgresNotificationOutbox implements NotificationOutbox {
  private readonly pool: Pool;
  private readonly ready: Promise<void>;
  private writerEpoch: number | null = null;

  constructor(
    connectionString: string,
    private readonly schema = 'read_models',
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    this.pool = new Pool({ connectionString, max: 4 });
    this.ready = this.migrate();
    this.ready.catch(() => undefined); // told at the first use
  }

  private async migrate(): Promise<void> {
    const s = this.schema;
    await inTransaction(this.pool, async (client) => {
      await lockSchemaMigration(client, s);
      await client.query(`
        CREATE SCHEMA IF NOT EXISTS ${s};
        CREATE TABLE IF NOT EXISTS ${s}.notification_checkpoints (name text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE IF NOT EXISTS ${s}.notification_writers (name text PRIMARY KEY, epoch integer NOT NULL);
        CREATE TABLE IF NOT EXISTS ${s}.notification_standing_memory (customer_id text PRIMARY KEY, memory jsonb NOT NULL);
        DROP TABLE IF EXISTS ${s}.notification_notifier_states; -- the notifier's states are folded from the ledger now
        CREATE TABLE IF NOT EXISTS ${s}.notification_outbox (
          seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, type text NOT NULL, customer_id text NOT NULL, recorded_at text NOT NULL, body jsonb NOT NULL
        );
        CREATE TABLE IF NOT EXISTS ${s}.notification_webhook_endpoints (id text PRIMARY KEY, body jsonb NOT NULL, cursor bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS ${s}.notification_deliveries (
          endpoint_id text NOT NULL, seq bigint NOT NULL, status text NOT NULL, body jsonb NOT NULL, PRIMARY KEY (endpoint_id, seq)
        );
        CREATE INDEX IF NOT EXISTS notification_deliveries_by_status ON ${s}.notification_deliveries (status);
      `);
    });
  }

  async claimWriter(): Promise<number> {
    await this.ready;
    const { rows } = await this.pool.query<{ epoch: number }>(
      `INSERT INTO ${this.schema}.notification_writers (name, epoch) VALUES ('notifier', 1)
       ON CONFLICT (name) DO UPDATE SET epoch = notification_writers.epoch + 1 RETURNING epoch`,
    );
    this.writerEpoch = rows[0].epoch;
    return this.writerEpoch;
  }

  fenceAt(epoch: number): void {
    this.writerEpoch = epoch;
  }

  /** A write of the notifier's progress, in one transaction with the check that this writer is still the latest. */
  private async fenced(write: (client: PoolClient) => Promise<void>): Promise<void> {
    await this.ready;
    await inTransaction(this.pool, async (client) => {
      if (this.writerEpoch !== null) {
        // FOR SHARE: a claim made meanwhile waits for this write, and every later write sees the new epoch.
        const { rows } = await client.query<{ epoch: number }>(`SELECT epoch FROM ${this.schema}.notification_writers WHERE name = 'notifier' FOR SHARE`);
        if (rows[0]?.epoch !== this.writerEpoch) throw new StaleNotifierWriterError(this.writerEpoch, rows[0]?.epoch ?? null);
      }
      await write(client);
    });
  }

  private async query<R extends object>(sql: string, values: unknown[] = []): Promise<R[]> {
    await this.ready;
    return (await this.pool.query<R>(sql, values)).rows;
  }

  async checkpoint(name: string): Promise<string | null> {
    const [row] = await this.query<{ value: string }>(`SELECT value FROM ${this.schema}.notification_checkpoints WHERE name = $1`, [name]);
    return row?.value ?? null;
  }

  async setCheckpoint(name: string, value: string): Promise<void> {
    await this.fenced((client) => this.saveCheckpoint(client, name, value));
  }

  private async saveCheckpoint(client: PoolClient, name: string, value: string): Promise<void> {
    await client.query(
      `INSERT INTO ${this.schema}.notification_checkpoints (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      [name, value],
    );
  }

  async standingMemories(customerIds: readonly string[]): Promise<Map<string, StandingMemory>> {
    return this.byCustomer<StandingMemory>('notification_standing_memory', 'memory', customerIds);
  }

  async commitFollowed(notifications: readonly LoyaltyNotification[], position: bigint): Promise<void> {
    await this.fenced(async (client) => {
      await this.insert(client, notifications);
      await this.saveCheckpoint(client, 'notifier', position.toString());
    });
  }

  async commitScanned(memories: ReadonlyMap<string, StandingMemory>, notifications: readonly LoyaltyNotification[]): Promise<void> {
    await this.fenced(async (client) => {
      await this.upsertByCustomer(client, 'notification_standing_memory', 'memory', memories);
      await this.insert(client, notifications);
    });
  }

  async after(seq: number, limit: number, types?: readonly string[]): Promise<OutboxEntry[]> {
    const typed = types !== undefined && types.length > 0;
    const rows = await this.query<{ seq: string; recorded_at: string; body: LoyaltyNotification }>(
      `SELECT seq, recorded_at, body FROM ${this.schema}.notification_outbox WHERE seq > $1 ${typed ? 'AND type = ANY($3)' : ''} ORDER BY seq LIMIT $2`,
      typed ? [seq, limit, types] : [seq, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), recordedAt: r.recorded_at, notification: r.body }));
  }

  async headSeq(): Promise<number> {
    const [row] = await this.query<{ head: string }>(`SELECT COALESCE(MAX(seq), 0) AS head FROM ${this.schema}.notification_outbox`);
    return Number(row.head);
  }

  async endpoints(): Promise<WebhookEndpoint[]> {
    return (await this.query<{ body: object; cursor: string }>(`SELECT body, cursor FROM ${this.schema}.notification_webhook_endpoints ORDER BY id`)).map(
      endpointOf,
    );
  }

  async endpoint(id: string): Promise<WebhookEndpoint | null> {
    const [row] = await this.query<{ body: object; cursor: string }>(`SELECT body, cursor FROM ${this.schema}.notification_webhook_endpoints WHERE id = $1`, [
      id,
    ]);
    return row ? endpointOf(row) : null;
  }

  async saveEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    const { cursor, ...body } = endpoint;
    await this.query(
      `INSERT INTO ${this.schema}.notification_webhook_endpoints (id, body, cursor) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
      [endpoint.id, JSON.stringify(body), cursor],
    );
  }

  async recordDeliveries(records: readonly DeliveryRecord[], cursors: ReadonlyMap<string, number>): Promise<void> {
    await this.fenced(async (client) => {
      // The last record per (endpoint, seq): one statement cannot change a row twice.
      const last = new Map(records.map((r) => [`${r.endpointId} ${r.seq}`, r]));
      if (last.size > 0) {
        const rows = [...last.values()];
        await client.query(
          `INSERT INTO ${this.schema}.notification_deliveries (endpoint_id, seq, status, body)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[])
           ON CONFLICT (endpoint_id, seq) DO UPDATE SET status = excluded.status, body = excluded.body`,
          [rows.map((r) => r.endpointId), rows.map((r) => r.seq), rows.map((r) => r.status), rows.map((r) => JSON.stringify(r))],
        );
      }
      for (const [endpointId, cursor] of cursors)
        await client.query(`UPDATE ${this.schema}.notification_webhook_endpoints SET cursor = GREATEST(cursor, $1) WHERE id = $2`, [cursor, endpointId]);
    });
  }

  async finishedAfter(endpointId: string, cursor: number): Promise<number[]> {
    const rows = await this.query<{ seq: string }>(
      `SELECT seq FROM ${this.schema}.notification_deliveries WHERE endpoint_id = $1 AND seq > $2 AND status <> 'retrying' ORDER BY seq`,
      [endpointId, cursor],
    );
    return rows.map((r) => Number(r.seq));
  }

  async deliveries(endpointId: string, options: { afterSeq?: number; limit: number; status?: DeliveryStatus }): Promise<DeliveryRecord[]> {
    const rows = await this.query<{ body: DeliveryRecord }>(
      `SELECT body FROM ${this.schema}.notification_deliveries WHERE endpoint_id = $1 AND seq > $2 ${options.status ? 'AND status = $4' : ''} ORDER BY seq LIMIT $3`,
      [endpointId, options.afterSeq ?? 0, options.limit, ...(options.status ? [options.status] : [])],
    );
    return rows.map((r) => r.body);
  }

  async deliveryCounts(): Promise<Record<DeliveryStatus, number>> {
    const counts: Record<DeliveryStatus, number> = { delivered: 0, retrying: 0, failed: 0 };
    for (const row of await this.query<{ status: DeliveryStatus; n: string }>(
      `SELECT status, COUNT(*) AS n FROM ${this.schema}.notification_deliveries GROUP BY status`,
    ))
      counts[row.status] = Number(row.n);
    return counts;
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }

  private async insert(client: PoolClient, notifications: readonly LoyaltyNotification[]): Promise<void> {
    if (notifications.length === 0) return;
    const now = new Date().toISOString();
    // In the given order (seq is the order every sink follows); an id already stored is skipped.
    await client.query(
      `INSERT INTO ${this.schema}.notification_outbox (id, type, customer_id, recorded_at, body)
       SELECT id, type, customer_id, $5, body FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) WITH ORDINALITY AS n(id, type, customer_id, body, i)
       ORDER BY i ON CONFLICT (id) DO NOTHING`,
      [
        notifications.map((n) => n.id),
        notifications.map((n) => n.type),
        notifications.map((n) => n.customerId),
        notifications.map((n) => JSON.stringify(n)),
        now,
      ],
    );
  }

  private async byCustomer<T>(table: string, column: string, customerIds: readonly string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    if (customerIds.length === 0) return found;
    const rows = await this.query<{ customer_id: string; value: T }>(
      `SELECT customer_id, ${column} AS value FROM ${this.schema}.${table} WHERE customer_id = ANY($1)`,
      [customerIds],
    );
    for (const row of rows) found.set(row.customer_id, row.value);
    return found;
  }

  private async upsertByCustomer(client: PoolClient, table: string, column: string, values: ReadonlyMap<string, unknown>): Promise<void> {
    if (values.size === 0) return;
    await client.query(
      `INSERT INTO ${this.schema}.${table} (customer_id, ${column}) SELECT * FROM unnest($1::text[], $2::jsonb[])
       ON CONFLICT (customer_id) DO UPDATE SET ${column} = excluded.${column}`,
      [[...values.keys()], [...values.values()].map((v) => JSON.stringify(v))],
    );
  }
}
