import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InMemoryOperationsStore } from './in-memory-operations-store';
import { operationsStoreContract } from './operations-store.contract';
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
