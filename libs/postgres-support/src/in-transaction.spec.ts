// @needs postgres (left out of npm run test:unit)
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { inTransaction } from './in-transaction';

// PostgreSQL is started by the jest global setup (infra/postgres/postgres.sh).
describe('inTransaction', () => {
  const url = process.env.LOYALTY_TEST_POSTGRES_URL;
  if (!url) throw new Error('LOYALTY_TEST_POSTGRES_URL is not set: the jest global setup starts PostgreSQL and sets it');
  const pool = new Pool({ connectionString: url, max: 2 });
  const table = `tx_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  beforeAll(() => pool.query(`CREATE TABLE ${table} (n integer)`));
  afterAll(async () => {
    await pool.query(`DROP TABLE ${table}`);
    await pool.end();
  });

  it('commits what the work wrote and returns its result', async () => {
    expect(await inTransaction(pool, async (c) => (await c.query(`INSERT INTO ${table} VALUES (1), (2)`)).rowCount)).toBe(2);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(2);
  });

  it('rolls everything back when the work fails, and rethrows', async () => {
    await expect(
      inTransaction(pool, async (c) => {
        await c.query(`INSERT INTO ${table} VALUES (3)`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE n = 3`)).rows[0].n).toBe(0);
  });
});
