// @needs postgres (left out of npm run test:unit)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryIdempotencyStore, PostgresIdempotencyStore, SqliteIdempotencyStore, type IdempotencyStore, type StoredResponse } from './idempotency-store';

const response = (status: number, body: unknown): StoredResponse => ({
  fingerprint: `fp-${status}`,
  status,
  body: JSON.stringify(body),
  createdAt: '2026-11-22T00:00:00.000Z',
});

/** What every Idempotency-Key store does; `reopen` (durable stores) closes it and opens it again. */
function idempotencyStoreContract(name: string, open: () => Promise<IdempotencyStore>, reopen?: (store: IdempotencyStore) => Promise<IdempotencyStore>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let store: IdempotencyStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => store.close());

    it('keeps the first response stored under a scope; a second put changes nothing; other scopes are apart', async () => {
      expect(await store.get('k1 POST /v1/purchases a')).toBeUndefined();
      await store.put('k1 POST /v1/purchases a', response(201, { status: 'accepted', position: '7' }));
      await store.put('k1 POST /v1/purchases a', response(200, { status: 'duplicate' }));
      expect(await store.get('k1 POST /v1/purchases a')).toEqual(response(201, { status: 'accepted', position: '7' }));
      expect(await store.get('k2 POST /v1/purchases a')).toBeUndefined();
    });

    if (reopen) {
      it('keeps responses across a reopen', async () => {
        await store.put('k1 POST /v1/refunds b', response(201, { status: 'accepted' }));
        store = await reopen(store);
        expect((await store.get('k1 POST /v1/refunds b'))?.status).toBe(201);
      });
    }
  });
}

idempotencyStoreContract('in-memory', async () => new InMemoryIdempotencyStore());

const dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'idempotency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let file = '';
idempotencyStoreContract(
  'SQLite',
  async () => new SqliteIdempotencyStore((file = join(dir, `${randomUUID()}.sqlite`))),
  async (store) => {
    await store.close();
    return new SqliteIdempotencyStore(file);
  },
);

// PostgreSQL is started by the jest global setup (infra/postgres/postgres.sh); each test gets its own schema.
const postgresUrl = (): string => {
  const url = process.env.LOYALTY_TEST_POSTGRES_URL;
  if (!url) throw new Error('LOYALTY_TEST_POSTGRES_URL is not set: the jest global setup starts PostgreSQL and sets it');
  return url;
};
let schema = '';
idempotencyStoreContract(
  'PostgreSQL',
  async () => new PostgresIdempotencyStore(postgresUrl(), (schema = `idem_${randomUUID().replace(/-/g, '').slice(0, 12)}`)),
  async (store) => {
    await store.close();
    return new PostgresIdempotencyStore(postgresUrl(), schema);
  },
);
