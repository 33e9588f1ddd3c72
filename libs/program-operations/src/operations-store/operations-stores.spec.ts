// @needs postgres (left out of npm run test:unit)
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InMemoryOperationsStore } from './in-memory-operations-store';
import { operationsStoreContract } from './operations-store.contract';
import { LIVE_READ_VIEW } from './operations-store.port';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostgresOperationsStore } from './postgres-operations-store';
import { SqliteOperationsStore } from './sqlite-operations-store';

operationsStoreContract('in-memory', async () => new InMemoryOperationsStore());

let n = 0;
const file = () => join(process.env.LOYALTY_TEST_TMP ?? '/tmp', `operations-${process.pid}-${Date.now()}-${n++}.sqlite`);
let current = '';
operationsStoreContract(
  'SQLite',
  async () => new SqliteOperationsStore((current = file())),
  async (store) => {
    await store.close();
    return new SqliteOperationsStore(current);
  },
);

describe('SqliteOperationsStore', () => {
  it('refuses to change or delete the audit trail', async () => {
    const path = file();
    const store = new SqliteOperationsStore(path);
    await store.appendAudit({ at: 'a', actor: 'b', action: 'c', subject: 'd', details: {} });
    await store.close();
    const db = new Database(path);
    expect(() => db.prepare("UPDATE operations_audit_trail SET actor = 'x'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM operations_audit_trail').run()).toThrow(/append-only/);
    db.close();
  });
});

// PostgreSQL is started by the jest global setup (infra/postgres/postgres.sh); each test gets its own schema.
const postgresUrl = (): string => {
  const url = process.env.LOYALTY_TEST_POSTGRES_URL;
  if (!url) throw new Error('LOYALTY_TEST_POSTGRES_URL is not set: the jest global setup starts PostgreSQL and sets it');
  return url;
};
let schema = '';
operationsStoreContract(
  'PostgreSQL',
  async () => new PostgresOperationsStore(postgresUrl(), (schema = `ops_${randomUUID().replace(/-/g, '').slice(0, 12)}`)),
  async (store) => {
    await store.close();
    return new PostgresOperationsStore(postgresUrl(), schema);
  },
);

describe('PostgresOperationsStore', () => {
  it('refuses to change or delete the audit trail', async () => {
    const name = `ops_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const store = new PostgresOperationsStore(postgresUrl(), name);
    await store.appendAudit({ at: 'a', actor: 'b', action: 'c', subject: 'd', details: {} });
    await store.close();
    const client = new Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      await expect(client.query(`UPDATE ${name}.operations_audit_trail SET actor = 'x'`)).rejects.toThrow(/append-only/);
      await expect(client.query(`DELETE FROM ${name}.operations_audit_trail`)).rejects.toThrow(/append-only/);
      expect((await client.query(`SELECT count(*)::int AS n FROM ${name}.operations_audit_trail`)).rows[0].n).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('starts twice on one schema at the same time (two instances booting) without a migration error', async () => {
    const name = `ops_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const [a, b] = [new PostgresOperationsStore(postgresUrl(), name), new PostgresOperationsStore(postgresUrl(), name)];
    expect(await Promise.all([a.readView(), b.readView()])).toEqual([LIVE_READ_VIEW, LIVE_READ_VIEW]);
    await Promise.all([a.close(), b.close()]);
  });
});
