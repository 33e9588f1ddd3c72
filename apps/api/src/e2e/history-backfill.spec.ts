import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { SqliteEventStore } from '@loyalty/event-store';
import { JsonLogger } from '@loyalty/http-platform';
import { defaultProgramRules } from '@loyalty/program-rules';
import { runCli } from '../cli/loyalty-cli';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';

const OPS = 'ops-key-history-backfill';

// A retailer moving a UK programme onto the ledger: it declares, through the API, the rules its
// history was earned under (in GBP, without the live-only bonuses), loads the history with
// `loyalty import history`, and goes live. The shipped rules (JPY) would refuse every row.
describe('a history for the past: rules declared for it, then loaded', () => {
  let dir: string;
  const config = () => loadConfig({ LOYALTY_DATA_DIR: dir, LOYALTY_API_KEYS: `${OPS}:ops` });
  const withApp = async <T>(work: (app: INestApplication) => Promise<T>): Promise<T> => {
    const app = await createApp(config(), new JsonLogger('error', () => undefined));
    await initApp(app);
    try {
      return await work(app);
    } finally {
      await app.close();
    }
  };
  const historical = (version: number, pointsPerPound: number) => ({
    ...defaultProgramRules(),
    version,
    description: `the UK programme as it was (v${version})`,
    currency: 'GBP',
    // Bonuses that only make sense live are not part of the history's rules.
    earning: {
      ...defaultProgramRules().earning,
      baseRate: { points: pointsPerPound, perAmountMinor: 100 },
      firstPurchaseBonusPoints: 0,
      birthdayMonthMultiplierPercent: 100,
    },
  });

  beforeAll(() => {
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'backfill-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a GBP history with no rejects, each entry naming the version in force at its business time', async () => {
    // Given versions 2 (from 2019) and 3 (from 2021) declared for the past on an empty ledger
    await withApp(async (app) => {
      const http = () => request(app.getHttpServer());
      for (const [version, rate, from] of [
        [2, 1, '2019-01-01T00:00:00Z'],
        [3, 2, '2021-01-01T00:00:00Z'],
      ] as const) {
        await http()
          .post('/v1/rules')
          .set({ Authorization: `Bearer ${OPS}` })
          .send(historical(version, rate))
          .expect(201);
        const scheduled = await http()
          .post(`/v1/rules/${version}/schedule`)
          .set({ Authorization: `Bearer ${OPS}` })
          .send({ effectiveFrom: from })
          .expect(200);
        expect(scheduled.body).toMatchObject({ version, status: 'scheduled', effectiveFrom: new Date(from).toISOString() });
      }
    });
    // And a history of 2019-2022 in pence
    const file = join(dir, 'uk-history.ndjson');
    const rows = Array.from({ length: 120 }, (_, i) => ({
      orderId: `UK-${i}`,
      customerId: `UK-C-${i % 12}`,
      occurredAt: new Date(Date.parse('2019-02-01T12:00:00Z') + i * 10 * 86_400_000).toISOString(),
      currency: 'GBP',
      amount: 2_000 + i * 37,
    }));
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));

    // When it is imported (the app stopped: an import holds the folder's writer lock)
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['import', 'history', file, '--type', 'purchase.recorded'], config(), { out: (t) => out.push(t), err: (t) => err.push(t) });

    // Then every row is in the ledger, none refused
    expect(code).toBe(0);
    expect(JSON.parse(out.join('')).total).toMatchObject({ rowsRead: 120, applied: 120, rejected: 0 });
    const store = new SqliteEventStore({ file: join(dir, 'ledger.sqlite') });
    const entries = await store.readAll(0n, 100_000);
    await store.close();
    const earned = entries.filter((e) => e.type === 'loyalty.points-earned');
    expect(earned).toHaveLength(120);
    // And each names the version in force on its day, earning at that version's rate, with no live-only bonus
    for (const entry of earned) {
      const data = entry.data as { earnedAt: string; breakdown: { basePoints: number; baseRate: { points: number }; steps: { kind: string }[] } };
      const version = data.earnedAt < '2021-01-01' ? 2 : 3;
      expect((entry.metadata as { rules: { version: number } }).rules.version).toBe(version);
      expect(data.breakdown.baseRate.points).toBe(version === 2 ? 1 : 2);
      expect(data.breakdown.steps.map((s) => s.kind)).not.toEqual(expect.arrayContaining(['first-purchase', 'birthday-month']));
    }
    expect(new Set(earned.map((e) => (e.metadata as { rules: { version: number } }).rules.version))).toEqual(new Set([2, 3]));
  });

  it('refuses a version for the past once the ledger has entries at or after its date, and says the latest', async () => {
    await withApp(async (app) => {
      const http = () => request(app.getHttpServer());
      await http()
        .post('/v1/rules')
        .set({ Authorization: `Bearer ${OPS}` })
        .send(historical(4, 3))
        .expect(201);
      // When version 4 is declared from mid-2020, inside the loaded history
      const refused = await http()
        .post('/v1/rules/4/schedule')
        .set({ Authorization: `Bearer ${OPS}` })
        .send({ effectiveFrom: '2020-06-01T00:00:00Z' })
        .expect(422);
      // Then it is refused, naming the latest entry's business time
      expect(refused.body.code).toBe('RULES.RETROACTIVE');
      expect(refused.body.detail).toContain('the ledger has entries since (the latest at 2022-');
    });
  });
});
