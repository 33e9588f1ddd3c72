import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parse } from 'csv-parse/sync';
import { SqliteEventStore } from '@loyalty/event-store';
import { JsonLogger } from '@loyalty/http-platform';
import { defaultProgramRules } from '@loyalty/program-rules';
import { SeededRandom } from '@loyalty/workload-generator';
import { runCli } from '../cli/loyalty-cli';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';

const FIN = 'fin-key-opening-balances';
const CUTOVER = '2026-11-01T00:00:00.000Z';
const DAY = 86_400_000;
const at = (days: number) => new Date(Date.parse(CUTOVER) + days * DAY).toISOString();
const CUSTOMERS = 240;

interface FileLot {
  ref: string;
  points: number;
  earnedAt: string;
  availableAt?: string;
  expiresAt: string;
}
interface FileBalance {
  customerId: string;
  memberSince: string;
  lots: FileLot[];
  tier: { name: string; qualifying: { at: string; spend: number; points: number }[] };
}

/** The tier the shipped rules give a qualifying spend (thresholds read from the rules, the level reached). */
function tierFor(spend: number): string {
  const levels = defaultProgramRules().tiers.levels;
  return levels.filter((l) => spend >= l.threshold).pop()?.name ?? levels[0].name;
}

/** What the file says a customer holds at an instant: the expectation, computed from the file alone. */
function stated(balance: FileBalance, instant: string) {
  const t = Date.parse(instant);
  const live = balance.lots.filter((l) => Date.parse(l.expiresAt) > t);
  const pendingLot = (l: FileLot) => l.availableAt !== undefined && Date.parse(l.availableAt) > t;
  const within = (days: number) => live.filter((l) => Date.parse(l.expiresAt) <= t + days * DAY).reduce((n, l) => n + l.points, 0);
  return {
    available: live.filter((l) => !pendingLot(l)).reduce((n, l) => n + l.points, 0),
    pending: live.filter(pendingLot).reduce((n, l) => n + l.points, 0),
    expiringWithinDays: { '30': within(30), '60': within(60), '90': within(90) },
  };
}

function migrationFile(): { balances: FileBalance[]; lines: string[]; invalid: Map<number, string> } {
  const random = new SeededRandom(20261101);
  const int = (lo: number, hi: number) => lo + Math.floor(random.next() * (hi - lo + 1));
  const balances: FileBalance[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const lots: FileLot[] = Array.from({ length: int(0, 4) }, (_, j) => {
      const pending = random.next() < 0.25;
      return {
        ref: `L${i}-${j}`,
        points: int(1, 5_000),
        earnedAt: at(-int(1, 700)),
        ...(pending ? { availableAt: at(int(1, 14)) } : {}),
        expiresAt: at(int(pending ? 20 : 1, 400)),
      };
    });
    const spend = int(0, 700_000);
    balances.push({
      customerId: `ACME-${i}`,
      memberSince: at(-int(30, 3_000)),
      lots,
      tier: { name: tierFor(spend), qualifying: [{ at: at(-int(1, 28)), spend, points: Math.floor(spend / 100) }] },
    });
  }
  const lines = balances.map((b) => JSON.stringify(b));
  // Rows the ledger must refuse, each for its reason, among the valid ones
  const invalid = new Map<number, string>();
  const bad = (row: string, field: string) => {
    const index = int(0, lines.length);
    lines.splice(index, 0, row);
    for (const [line, f] of [...invalid.entries()].sort(([a], [b]) => b - a))
      if (line >= index + 1) {
        invalid.delete(line);
        invalid.set(line + 1, f);
      }
    invalid.set(index + 1, field);
  };
  bad(JSON.stringify({ ...balances[0], customerId: 'BAD-1', tier: { name: 'platinum', qualifying: [{ at: at(-3), spend: 1_000, points: 10 }] } }), 'tier');
  bad(JSON.stringify({ ...balances[1], customerId: 'BAD-2', lots: [{ ref: 'X', points: 10, earnedAt: at(-400), expiresAt: at(-1) }] }), 'lots[0].expiresAt');
  bad(JSON.stringify({ ...balances[2], customerId: 'BAD-3', lots: [{ ref: 'X', points: -5, earnedAt: at(-4), expiresAt: at(30) }] }), 'lots[0].points');
  bad('{"customerId": "BAD-4", ', '(row)');
  return { balances, lines, invalid };
}

// A retailer leaving another program: its members' balances (lots with their own dates, the
// tier with the figures behind it) come over at the cutover as opening entries, and finance
// sees the migrated liability as one line.
describe('opening balances migrated from another program', () => {
  let dir: string;
  const config = () => loadConfig({ LOYALTY_DATA_DIR: dir, LOYALTY_API_KEYS: `${FIN}:finance` });
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, config(), { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, summary: code === 0 ? JSON.parse(out.join('')) : null, err: err.join('') };
  };
  const withApp = async <T>(work: (http: () => ReturnType<typeof request>) => Promise<T>): Promise<T> => {
    const app: INestApplication = await createApp(config(), new JsonLogger('error', () => undefined));
    await initApp(app);
    try {
      return await work(() => request(app.getHttpServer()));
    } finally {
      await app.close();
    }
  };
  const get = async (http: () => ReturnType<typeof request>, path: string) =>
    (
      await http()
        .get(path)
        .set({ Authorization: `Bearer ${FIN}` })
        .expect(200)
    ).body;

  beforeAll(() => {
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'opening-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each customer the available, pending and expiring-soon points the file states, and finance one migration line', async () => {
    // Given a migration file of 240 balances and 4 rows the ledger must refuse
    const { balances, lines, invalid } = migrationFile();
    const file = join(dir, 'acme-balances.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const args = ['import', 'opening-balances', file, '--migration-id', 'from-acme-2026-11', '--source-program', 'acme-points', '--migrated-at', CUTOVER];

    // When it is imported
    const first = await cli(args);

    // Then every valid balance is applied and each refused row is in the reject file with its field
    expect(first.code).toBe(0);
    const total = balances.reduce((n, b) => n + b.lots.reduce((m, l) => m + l.points, 0), 0);
    expect(first.summary.total).toMatchObject({ rowsRead: CUSTOMERS + invalid.size, applied: CUSTOMERS, rejected: invalid.size, pointsIssued: total });
    const rejects = parse(readFileSync(`${file}.rejects.csv`), { columns: true }) as { line: string; field: string; reason: string }[];
    expect(new Map(rejects.map((r) => [Number(r.line), r.field]))).toEqual(invalid);
    expect(rejects.find((r) => r.field === 'tier')?.reason).toContain('LEDGER.OPENING_TIER_MISMATCH');

    await withApp(async (http) => {
      // And each account holds what the file states, at the cutover, after the pending dates and 100 days on
      for (const balance of balances) {
        for (const instant of [CUTOVER, at(15), at(100)]) {
          const account = await get(http, `/v1/accounts/${balance.customerId}?asOf=${instant}`);
          expect({ customer: balance.customerId, instant, ...account.points }).toMatchObject({
            customer: balance.customerId,
            instant,
            ...stated(balance, instant),
          });
        }
        const account = await get(http, `/v1/accounts/${balance.customerId}?asOf=${CUTOVER}`);
        expect(account.tier.name).toBe(balance.tier.name);
      }

      // And finance's liability at the cutover is the migrated total, one line of the roll-forward and the trial balance
      const liability = await get(http, `/v1/finance/liability?asOf=${CUTOVER}`);
      expect(liability.outstandingPoints).toBe(total);
      const roll = await get(http, `/v1/finance/roll-forward?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z&by=month`);
      expect(roll.rows.map((r: { migrated: number; opening: number; closing: number }) => [r.opening, r.migrated, r.closing])).toEqual([
        [0, 0, 0],
        [0, total, total],
      ]);
      expect(roll.rows[1].drillDown.migrated).toContain('movement=migrated');
      const trial = await get(http, `/v1/finance/trial-balance?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`);
      expect(trial.rows.map(({ account, debit, credit }: { account: string; debit: number; credit: number }) => ({ account, debit, credit }))).toEqual([
        { account: 'liability:customer-points', debit: 0, credit: total },
        { account: 'opening:migrated-balances', debit: total, credit: 0 },
      ]);
      // And its drill-down lists the migrated entries, one per balance with points, that add up to it
      let drilled = 0;
      let entries = 0;
      for (let after: string | null = ''; after !== null;) {
        const page: { entries: { postings: { points: number }[] }[]; nextAfter: string | null } = await get(
          http,
          `${roll.rows[1].drillDown.migrated}${after ? `&after=${after}` : ''}`,
        );
        entries += page.entries.length;
        for (const entry of page.entries) drilled += entry.postings.reduce((n, p) => n + p.points, 0);
        after = page.nextAfter;
      }
      expect({ entries, drilled }).toEqual({ entries: balances.filter((b) => b.lots.length > 0).length, drilled: total });
    });

    // And a second run of the file adds nothing: every balance is a duplicate
    const store = new SqliteEventStore({ file: join(dir, 'ledger.sqlite') });
    const before = (await store.readAll(0n, 1_000_000)).length;
    const again = await cli([...args, '--restart']);
    expect(again.summary.total).toMatchObject({ applied: 0, duplicates: CUSTOMERS, rejected: invalid.size });
    expect((await store.readAll(0n, 1_000_000)).length).toBe(before);
    await store.close();
  });

  it('reads a CSV of one lot per row as the same balances, a customer never cut by a checkpoint', async () => {
    // Given three customers' lots as rows, with a chunk of 2 rows (a customer's rows straddle chunks)
    const file = join(dir, 'acme-lots.csv');
    writeFileSync(
      file,
      [
        'member,lotRef,points,earnedAt,availableAt,expiresAt,tier,qualifyingAt,qualifyingSpend',
        `CSV-1,A,100,${at(-40)},,${at(10)},silver,${at(-5)},150000`,
        `CSV-1,B,250,${at(-2)},${at(5)},${at(200)},silver,${at(-5)},150000`,
        `CSV-2,C,40,${at(-9)},,${at(45)},,,`,
        `CSV-3,,,,,,regular,,`,
      ].join('\n'),
    );

    // When it is imported with a column mapping
    const run = await cli([
      'import',
      'opening-balances',
      file,
      '--map',
      'customerId=member',
      '--migration-id',
      'from-acme-csv',
      '--source-program',
      'acme-points',
      '--migrated-at',
      CUTOVER,
      '--chunk-rows',
      '2',
    ]);

    // Then each customer's rows are one balance
    expect(run.code).toBe(0);
    expect(run.summary.total).toMatchObject({ rowsRead: 3, applied: 3, rejected: 0, pointsIssued: 390 });
    await withApp(async (http) => {
      const one = await get(http, `/v1/accounts/CSV-1?asOf=${CUTOVER}`);
      expect(one.points).toMatchObject({ available: 100, pending: 250, expiringWithinDays: { '30': 100, '60': 100, '90': 100 } });
      expect(one.tier.name).toBe('silver');
      expect(one.lots.map((l: { lotId: string; source: unknown }) => [l.lotId, l.source])).toEqual([
        ['migrated:A', { kind: 'migration', migrationId: 'from-acme-csv', ref: 'A' }],
        ['migrated:B', { kind: 'migration', migrationId: 'from-acme-csv', ref: 'B' }],
      ]);
      expect((await get(http, `/v1/accounts/CSV-2?asOf=${CUTOVER}`)).points).toMatchObject({ available: 40, expiringWithinDays: { '30': 0, '60': 40 } });
      expect((await get(http, `/v1/accounts/CSV-3?asOf=${CUTOVER}`)).points).toMatchObject({ available: 0, outstanding: 0 });
    });
  });
});
