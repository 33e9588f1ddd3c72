import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { defaultProgramRules } from '@loyalty/program-rules';
import { JsonLogger } from '@loyalty/http-platform';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';

const FIN = 'finance-key-123';
const INGEST = 'ingest-key-123';
const REDEEM = 'redeem-key-123';
const OPS = 'ops-key-123456';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

// The ledger's sense of time, over HTTP on the embedded default: as-of answers from every door,
// the expiry job dated at each lot's own instant, business times bounded, every movement posted.
describe('a time-correct ledger (embedded SQLite, HTTP)', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  const now = Date.now();
  // Old enough that one lot has expired and one has not (12-month validity).
  const expiredEarnedAt = iso(now - 400 * DAY);
  const liveEarnedAt = iso(now - 100 * DAY);
  const expiresAt = iso(Date.parse(expiredEarnedAt) + 365 * DAY);

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? '/tmp', 'time-e2e-'));
    // The write-off policy: a refund of spent points takes nothing from other lots and leaves no negative balance.
    const rulesFile = join(dataDir, 'rules.json');
    writeFileSync(
      rulesFile,
      JSON.stringify({ ...defaultProgramRules(), effectiveFrom: '2020-01-01T00:00:00Z', refunds: { deductFromOtherLots: false, allowNegativeBalance: false } }),
    );
    const config = loadConfig({
      LOYALTY_DATA_DIR: dataDir,
      LOYALTY_RULES_FILE: rulesFile,
      LOYALTY_API_KEYS: `${FIN}:finance,${INGEST}:ingest,${REDEEM}:redeem,${OPS}:ops`,
      LOYALTY_AUDIT_KEY: 'an-audit-key-for-tests',
      LOYALTY_EXPIRY_INTERVAL_SECONDS: '0', // run when the test asks
    });
    app = await createApp(config, new JsonLogger('error', () => undefined));
    await initApp(app);
  });
  afterAll(async () => app.close());

  const buy = (customerId: string, orderId: string, occurredAt: string, amount = 10_000) =>
    http().post('/v1/purchases').set(auth(INGEST)).send({ orderId, customerId, occurredAt, currency: 'JPY', amount });
  const account = async (customerId: string, query: string) => (await http().get(`/v1/accounts/${customerId}?${query}`).set(auth(FIN)).expect(200)).body;
  const liability = async (query: string) => (await http().get(`/v1/finance/liability?${query}`).set(auth(FIN)).expect(200)).body;
  /** Waits until the read models have applied the ledger up to `position`. */
  const readModelsAt = async (position: string) => http().get(`/v1/segments?waitForPosition=${position}&waitMs=10000`).set(auth(OPS)).expect(200);

  it('refuses a purchase dated a year ahead with LEDGER.FUTURE_TIME naming the field, and accepts one within the tolerance', async () => {
    const ahead = await buy('T-F', 'T-F-1', iso(now + 365 * DAY)).expect(422);
    expect(ahead.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(ahead.body).toMatchObject({ code: 'LEDGER.FUTURE_TIME', details: { field: 'occurredAt' } });
    await buy('T-F', 'T-F-2', iso(now + 60_000)).expect(201);
  });

  it('answers the account as of an instant from the entries dated at or before it, the same as finance for that customer', async () => {
    await buy('T-A', 'T-A-1', iso(now - 30 * DAY)).expect(201);
    await http()
      .post('/v1/accounts/T-A/redemptions')
      .set(auth(REDEEM))
      .send({ redemptionId: 'T-A-X', points: 50, reward: 'coupon', occurredAt: iso(now - 5 * DAY) })
      .expect(201);
    // Before the first purchase the customer held nothing, not "pending" points.
    const before = await account('T-A', `asOf=${iso(now - 31 * DAY)}`);
    expect(before.points).toMatchObject({ available: 0, pending: 0, outstanding: 0 });
    expect(before.lots).toEqual([]);
    for (const at of [now - 31 * DAY, now - 20 * DAY, now - 6 * DAY, now - 5 * DAY, now]) {
      const view = (await account('T-A', `asOf=${iso(at)}`)).points;
      const fin = await liability(`asOf=${iso(at)}&customerId=T-A`);
      expect({ available: fin.available - fin.deficit, pending: fin.pending, awaitingExpiry: fin.awaitingExpiry, outstanding: fin.outstandingPoints }).toEqual({
        available: view.available,
        pending: view.pending,
        awaitingExpiry: view.awaitingExpiry,
        outstanding: view.outstanding,
      });
    }
    // Pending for 14 days, then available; the redemption counts from its own date.
    expect((await account('T-A', `asOf=${iso(now - 20 * DAY)}`)).points).toMatchObject({ pending: 200, available: 0 });
    expect((await account('T-A', `asOf=${iso(now - 6 * DAY)}`)).points).toMatchObject({ available: 200 });
    expect((await account('T-A', `asOf=${iso(now - 5 * DAY)}`)).points).toMatchObject({ available: 150 });
  });

  it('answers what the ledger knew then (atPosition) beside what it knows now about the same instant', async () => {
    const first = await buy('T-K', 'T-K-1', iso(now - 60 * DAY)).expect(201);
    const knownThen = first.body.position as string;
    await new Promise((r) => setTimeout(r, 5));
    const knownAt = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await buy('T-K', 'T-K-2', iso(now - 50 * DAY)).expect(201); // recorded later, dated before the question's instant
    const asOf = iso(now - 40 * DAY);
    expect((await account('T-K', `asOf=${asOf}&atPosition=${knownThen}`)).points).toMatchObject({ available: 200, pending: 0, outstanding: 200 });
    expect((await account('T-K', `asOf=${asOf}`)).points).toMatchObject({ available: 200, pending: 100, outstanding: 300 });
    expect((await account('T-K', `asOf=${asOf}&knownAt=${knownAt}`)).points).toMatchObject({ available: 200, pending: 0, outstanding: 200 });
    expect((await liability(`asOf=${asOf}&customerId=T-K&atPosition=${knownThen}`)).outstandingPoints).toBe(200);
    expect((await liability(`asOf=${asOf}&customerId=T-K&knownAt=${knownAt}`)).outstandingPoints).toBe(200);
    expect((await liability(`asOf=${asOf}&customerId=T-K`)).outstandingPoints).toBe(300);
  });

  it('expires by itself: the job expires what is due, dated at each lot’s expiry instant, and the liability for every date is what it was before', async () => {
    await buy('T-E', 'T-E-1', expiredEarnedAt).expect(201); // due
    const last = await buy('T-E', 'T-E-2', liveEarnedAt).expect(201); // not due
    const instants = [iso(Date.parse(expiresAt) - 1), expiresAt, iso(Date.parse(expiresAt) + DAY), iso(now)];
    const before = await Promise.all(instants.map((asOf) => liability(`asOf=${asOf}`)));
    const beforeAccount = (await account('T-E', `asOf=${iso(now)}`)).points;
    expect(beforeAccount).toMatchObject({ awaitingExpiry: 200, outstanding: 100 });

    // A run for the future is refused; a run for one account with nothing due is a no-op.
    const future = await http()
      .post('/v1/accounts/T-E/expirations')
      .set(auth(OPS))
      .send({ expiryRunId: 'EXP-FUTURE', asOf: '2030-01-01T00:00:00Z' })
      .expect(422);
    expect(future.body).toMatchObject({ code: 'LEDGER.FUTURE_TIME', details: { field: 'asOf' } });
    const nothing = await http().post('/v1/accounts/T-A/expirations').set(auth(OPS)).send({ expiryRunId: 'EXP-NONE' }).expect(200);
    expect(nothing.body).toMatchObject({ status: 'no-op', events: [] });

    await readModelsAt(last.body.position);
    const started = await http().post('/v1/expiry-runs').set(auth(OPS)).expect(202);
    expect(started.body).toMatchObject({ status: 'running', runId: expect.stringMatching(/^expiry-/) });
    let run = started.body;
    for (let i = 0; i < 100 && run.status !== 'completed'; i++) run = (await http().get('/v1/expiry-runs/latest').set(auth(FIN)).expect(200)).body;
    expect(run).toMatchObject({ status: 'completed', lotsExpired: 1, pointsExpired: 200 });

    const entries = (await http().get('/v1/accounts/T-E/ledger').set(auth(FIN)).expect(200)).body.entries as {
      type: string;
      event: { asOf: string; points: number };
    }[];
    expect(entries.filter((e) => e.type === 'PointsExpired').map((e) => e.event)).toMatchObject([{ asOf: expiresAt, points: 200 }]);
    const after = await Promise.all(instants.map((asOf) => liability(`asOf=${asOf}`)));
    const figures = (r: { outstandingPoints: number; available: number; pending: number; byExpiryMonth: unknown }) => ({
      outstanding: r.outstandingPoints,
      available: r.available,
      pending: r.pending,
      byExpiryMonth: r.byExpiryMonth,
    });
    expect(after.map(figures)).toEqual(before.map(figures));
    // The posted liability now ties to the owed points: the entry exists, dated at the expiry instant.
    expect(after[3].postedLiabilityPoints).toBe(after[3].outstandingPoints);
    expect((await account('T-E', `asOf=${iso(now)}`)).points).toMatchObject({ awaitingExpiry: 0, outstanding: 100 });
  });

  it('posts a refund after redemption under the write-off policy: the trial balance and the roll-forward show it, and the books balance', async () => {
    const from = iso(now - 20 * DAY);
    const to = iso(now + DAY);
    await buy('T-W', 'T-W-1', iso(now - 19 * DAY)).expect(201); // 200 points (100 base + 100 first purchase)
    await http()
      .post('/v1/accounts/T-W/redemptions')
      .set(auth(REDEEM))
      .send({ redemptionId: 'T-W-X', points: 200, reward: 'coupon', occurredAt: iso(now - 3 * DAY) })
      .expect(201);
    const refunded = await http()
      .post('/v1/refunds')
      .set(auth(INGEST))
      .send({ refundId: 'T-W-R', orderId: 'T-W-1', customerId: 'T-W', occurredAt: iso(now - 2 * DAY), amount: 10_000 })
      .expect(201);
    expect(refunded.body.events.map((e: { type: string }) => e.type)).toEqual(['PointsReversed']);

    const trial = (await http().get(`/v1/finance/trial-balance?from=${from}&to=${to}`).set(auth(FIN)).expect(200)).body;
    expect(trial.totalDebit).toBe(trial.totalCredit);
    expect(trial.rows.find((r: { account: string }) => r.account === 'expense:refund-write-offs')).toMatchObject({ debit: 200, credit: 0 });
    const entries = (await http().get(`/v1/finance/entries?movement=written-off&customerId=T-W`).set(auth(FIN)).expect(200)).body.entries;
    expect(entries).toHaveLength(1);
    expect(entries[0].postings).toEqual([
      expect.objectContaining({ debit: 'expense:refund-write-offs', credit: 'expense:purchase-points', points: 200, movement: 'written-off' }),
    ]);
    const roll = (await http().get(`/v1/finance/roll-forward?from=${from}&to=${to}&by=month`).set(auth(FIN)).expect(200)).body;
    expect(roll.rows.reduce((n: number, r: { writtenOff: number }) => n + r.writtenOff, 0)).toBeGreaterThanOrEqual(200);
    for (const r of roll.rows)
      expect(r.closing).toBe(r.opening + r.migrated + r.issued - r.redeemed + r.redemptionsCancelled - r.expired + r.adjustments - r.reversals);
  });
});
