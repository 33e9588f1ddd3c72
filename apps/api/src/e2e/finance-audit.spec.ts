import { mkdtempSync, writeFileSync } from 'node:fs';
import { defaultProgramRules } from '@loyalty/program-rules';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { JsonLogger } from '@loyalty/http-platform';
import { loadConfig, type AppConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';
import { runCli } from '../cli/loyalty-cli';

const FIN = 'finance-key-123';
const INGEST = 'ingest-key-123';
const REDEEM = 'redeem-key-123';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const CUSTOMERS = ['F-1', 'F-2', 'F-3'];

describe('finance reports and the ledger audit over HTTP and the CLI (embedded SQLite)', () => {
  let app: INestApplication;
  let config: AppConfig;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? '/tmp', 'finance-e2e-'));
    config = loadConfig({
      LOYALTY_DATA_DIR: dataDir,
      LOYALTY_API_KEYS: `${FIN}:finance,${INGEST}:ingest,${REDEEM}:redeem`,
      LOYALTY_AUDIT_KEY: 'an-audit-key-for-tests',
    });
    app = await createApp(config, new JsonLogger('error', () => undefined));
    await initApp(app);
    for (const [i, customerId] of CUSTOMERS.entries()) {
      for (let n = 0; n < 3; n++) {
        await http()
          .post('/v1/purchases')
          .set(auth(INGEST))
          .send({
            orderId: `${customerId}-O${n}`,
            customerId,
            occurredAt: `2026-0${n + 1}-1${i}T10:00:00Z`,
            currency: 'JPY',
            amount: 20_000 * (i + 1) + n * 7_000,
          })
          .expect(201);
      }
    }
    await http()
      .post('/v1/refunds')
      .set(auth(INGEST))
      .send({ refundId: 'F-1-R1', orderId: 'F-1-O0', customerId: 'F-1', occurredAt: '2026-03-20T00:00:00Z', amount: 5_000 })
      .expect(201);
    await http().post('/v1/accounts/F-2/redemptions').set(auth(REDEEM)).send({ redemptionId: 'F-2-X1', points: 300, reward: 'coupon' }).expect(201);
  });
  afterAll(async () => app.close());

  it('reports the liability as of now equal to the accounts’ outstanding points, valued and split three ways that each add up', async () => {
    const asOf = new Date().toISOString();
    let outstanding = 0;
    for (const id of CUSTOMERS) outstanding += (await http().get(`/v1/accounts/${id}?asOf=${asOf}`).set(auth(FIN)).expect(200)).body.points.outstanding;
    const res = await http().get(`/v1/finance/liability?asOf=${asOf}`).set(auth(FIN)).expect(200);
    expect(outstanding).toBeGreaterThan(0);
    expect(res.body.outstandingPoints).toBe(outstanding);
    expect(res.body.valueMinor).toBe(outstanding * res.body.minorUnitsPerPoint);
    expect(res.body.currency).toBe('JPY');
    for (const split of ['byTier', 'byLotAge', 'byExpiryMonth'])
      expect(res.body[split].reduce((n: number, r: { points: number }) => n + r.points, 0)).toBe(outstanding);
    expect(res.body.unattributedPoints).toBe(0);
    // Before the first purchase there was nothing owed.
    expect((await http().get('/v1/finance/liability?asOf=2025-12-31T00:00:00Z').set(auth(FIN)).expect(200)).body.outstandingPoints).toBe(0);

    // Drill-down from each split row to the entries behind it: the lots it counts, and what moved them.
    for (const split of ['byTier', 'byLotAge', 'byExpiryMonth']) {
      for (const row of res.body[split].filter((r: { points: number }) => r.points > 0)) {
        const entries = (await http().get(row.drillDown).set(auth(FIN)).expect(200)).body.entries as {
          type: string;
          postings: { movement: string; credit: string; debit: string; points: number }[];
        }[];
        const earned = entries.filter((e) => e.type === 'PointsEarned' || e.type === 'BonusAwarded');
        expect(earned).toHaveLength(row.lots);
        // The row's points are what those entries put into and took out of the liability.
        const net = entries.reduce(
          (n, e) =>
            n +
            e.postings.reduce((m, p) => m + (p.credit === 'liability:customer-points' ? p.points : p.debit === 'liability:customer-points' ? -p.points : 0), 0),
          0,
        );
        expect(net).toBe(row.points);
      }
    }
    const tierRow = res.body.byTier[0];
    const behindTier = (await http().get(tierRow.drillDown).set(auth(FIN)).expect(200)).body.entries;
    expect(behindTier[0]).toMatchObject({
      type: 'PointsEarned',
      source: { provenance: { channel: 'http' } },
      rules: { id: expect.any(String), version: expect.any(Number), hash: expect.stringMatching(/^sha256:/) },
    });
    await http().get('/v1/finance/entries?split=tier&splitKey=gold').set(auth(FIN)).expect(400);
  });

  it('rolls forward by month, tying to the liability at both ends, each figure drilling down to its entries with source, rules and breakdown', async () => {
    const res = await http().get('/v1/finance/roll-forward?from=2026-01-01T00:00:00Z&to=2026-04-01T00:00:00Z&by=month').set(auth(FIN)).expect(200);
    const rows = res.body.rows;
    expect(rows).toHaveLength(3);
    expect(rows[0].opening).toBe(0);
    const closing = (await http().get('/v1/finance/liability?asOf=2026-03-31T23:59:59.999Z').set(auth(FIN)).expect(200)).body.outstandingPoints;
    expect(rows[2].closing).toBe(closing);
    expect(rows[2].reversals).toBeGreaterThan(0); // the partial refund in March
    const issued = await http().get(rows[0].drillDown.issued).set(auth(FIN)).expect(200);
    expect(issued.body.entries).toHaveLength(3); // one purchase per customer in January
    expect(issued.body.entries.reduce((n: number, e: { postings: { points: number }[] }) => n + e.postings.reduce((m, p) => m + p.points, 0), 0)).toBe(
      rows[0].issued,
    );
    expect(issued.body.entries[0]).toMatchObject({
      source: { orderId: 'F-1-O0', provenance: { channel: 'http', requestId: expect.any(String) } },
      breakdown: { basePoints: expect.any(Number), tier: { name: expect.any(String) } },
    });
  });

  it('gives a zero trial balance, exports CSV, refuses bad periods with problem+json, and keeps finance reports to the finance role', async () => {
    const trial = await http().get('/v1/finance/trial-balance?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z').set(auth(FIN)).expect(200);
    expect(trial.body.totalDebit).toBe(trial.body.totalCredit);
    expect(trial.body.totalDebit).toBeGreaterThan(0);
    const csv = await http().get('/v1/finance/roll-forward?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&by=month&format=csv').set(auth(FIN)).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('from,to,opening,migrated,issued,redeemed,redemptionsCancelled,expired,adjustments,reversals,closing,writtenOff');
    expect(csv.text.trim().split('\r\n')).toHaveLength(3);
    const bad = await http().get('/v1/finance/roll-forward?from=2026-04-01T00:00:00Z&to=2026-01-01T00:00:00Z').set(auth(FIN)).expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.code).toBe('HTTP.INVALID_PERIOD');
    const invalid = await http().get('/v1/finance/liability?asOf=yesterday').set(auth(FIN)).expect(400);
    expect(invalid.body.errors.map((e: { field: string }) => e.field)).toEqual(['asOf']);
    await http().get('/v1/finance/liability').set(auth(INGEST)).expect(403);
    await http().get('/v1/finance/liability').expect(401);
  });

  it('seals the ledger, verifies it against the signed-off digest, and does the same from the CLI', async () => {
    const sealed = await http().post('/v1/audit/seal').set(auth(FIN)).expect(200);
    expect(sealed.body.signOff).toEqual({ toPosition: expect.stringMatching(/^\d+$/), entryHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const verified = await http().post('/v1/audit/verify').set(auth(FIN)).send({ anchor: sealed.body.signOff }).expect(200);
    expect(verified.body).toMatchObject({ ok: true, chain: { brokenStreams: 0 }, digests: { failed: 0, unsealedEntries: 0 }, streams: CUSTOMERS.length });
    const forged = await http()
      .post('/v1/audit/verify')
      .set(auth(FIN))
      .send({ anchor: { ...sealed.body.signOff, entryHash: '0'.repeat(64) } })
      .expect(200);
    expect(forged.body.ok).toBe(false);
    expect(forged.body.digests.firstBrokenLink.kind).toBe('digest-anchor-missing');
    await http()
      .post('/v1/audit/verify')
      .set(auth(FIN))
      .send({ anchor: { toPosition: 'x' } })
      .expect(400);

    // The CLI reads the same embedded store (SQLite allows a second reader/writer process or connection).
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const asOf = '2026-03-31T23:59:59.999Z';
    expect(await runCli(['finance', 'liability', '--as-of', asOf], config, io)).toBe(0);
    const viaHttp = (await http().get(`/v1/finance/liability?asOf=${asOf}`).set(auth(FIN)).expect(200)).body;
    expect(JSON.parse(out.join('')).outstandingPoints).toBe(viaHttp.outstandingPoints);
    out.length = 0;
    expect(await runCli(['finance', 'roll-forward', '--from', '2026-01-01', '--to', '2026-04-01', '--by', 'month', '--format', 'csv'], config, io)).toBe(0);
    expect(out.join('').trim().split('\r\n')).toHaveLength(4);
    out.length = 0;
    expect(
      await runCli(['audit', 'verify', '--anchor-position', sealed.body.signOff.toPosition, '--anchor-hash', sealed.body.signOff.entryHash], config, io),
    ).toBe(0);
    expect(JSON.parse(out.join('')).ok).toBe(true);
    expect(await runCli(['finance', 'roll-forward', '--from', 'last week'], config, io)).toBe(2);
    expect(err.join('')).toContain("option '--from <instant>' argument 'last week' is invalid. an ISO-8601 date or instant is needed");
  });

  it('manages rules versions from the CLI: submit a file, list, diff; a bad document names its fields', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const file = join(config.LOYALTY_DATA_DIR, 'rules-v2.json');
    const base = defaultProgramRules();
    writeFileSync(file, JSON.stringify({ ...base, version: 2, pending: { days: 7 } }));
    expect(await runCli(['rules', 'submit', file], config, io)).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ version: 2, status: 'proposed', submittedBy: expect.stringMatching(/^cli:/) });
    out.length = 0;
    expect(await runCli(['rules', 'diff', '2', '--against', '1'], config, io)).toBe(0);
    expect(out.join('')).toBe('~ pending.days: 14 -> 7\n~ version: 1 -> 2\n');
    out.length = 0;
    expect(await runCli(['rules', 'list'], config, io)).toBe(0);
    expect(JSON.parse(out.join('')).map((v: { version: number; status: string }) => `${v.version}:${v.status}`)).toEqual(['1:base', '2:proposed']);
    writeFileSync(file, JSON.stringify({ ...base, version: 3, pending: { days: 'soon' } }));
    expect(await runCli(['rules', 'submit', file], config, io)).toBe(1);
    expect(err.join('')).toMatch(/RULES.INVALID[\s\S]*pending.days/);
    // The running API sees the CLI's version (the catalog is shared through the data folder).
    const listed = await http().get('/v1/rules').set(auth(FIN)).expect(200);
    expect(listed.body.map((v: { version: number }) => v.version)).toEqual([1, 2]);
  });
});
