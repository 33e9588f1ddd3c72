// @needs build (left out of npm run test:unit)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter, type CommandEnvelope } from '@loyalty/ledger-application';
import { customerIdOfStream, ledgerEventRegistry, type LedgerCommand } from '@loyalty/ledger-domain';
import { SqliteOperationsStore } from '@loyalty/program-operations';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { SeededRandom } from '@loyalty/workload-generator';
import { spawnCompiled } from '../support/child-process';

// 10,000 accounts with a lot due, some partly redeemed, some with a lot due one millisecond after the
// cut-off; the job is SIGKILLed mid-run several times, then finishes: every due lot expired exactly once.
const ACCOUNTS = Number(process.env.EXPIRY_CRASH_ACCOUNTS ?? 10_000);
const KILLS = Number(process.env.EXPIRY_CRASH_KILLS ?? 3);
const NOW = '2026-06-01T00:00:00.000Z';
const DAY = 86_400_000;
const childScript = join('test', 'expiry', 'expiry-job-child.js');

describe('the expiry job, killed mid-run', () => {
  let dir: string;
  const dueLot = new Map<string, { lotId: string; points: number; expiresAt: string }>();
  const notDue = new Set<string>();

  beforeAll(async () => {
    if (!existsSync(join(__dirname, '..', '..', 'dist', childScript)))
      throw new Error('dist/ is missing the expiry child: run `npm run build` first (npm test does)');
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'expiry-crash-'));
    const ledger = new SqliteEventStore({ file: join(dir, 'ledger.sqlite'), synchronous: 'NORMAL' });
    const ruleBook = new RuleBook([defaultProgramRules()]);
    const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => new Date(NOW) });
    const commands: LedgerCommand[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const customerId = `X-${String(i).padStart(5, '0')}`;
      const earnedAt = new Date(Date.parse('2025-02-01T00:00:00Z') + (i % 110) * DAY).toISOString(); // expires 2026-02-01 .. 2026-05-21
      commands.push({
        type: 'RecordPurchase',
        customerId,
        orderId: `${customerId}-A`,
        occurredAt: earnedAt,
        currency: 'JPY',
        amount: 10_000 + (i % 7) * 1_000,
      });
      if (i % 7 === 0)
        commands.push({
          type: 'RedeemPoints',
          customerId,
          redemptionId: `${customerId}-R`,
          points: 50,
          reward: 'r',
          occurredAt: new Date(Date.parse(earnedAt) + 20 * DAY).toISOString(),
        });
      if (i % 10 === 0) {
        commands.push({
          type: 'RecordPurchase',
          customerId,
          orderId: `${customerId}-B`,
          occurredAt: '2025-06-01T00:00:00.001Z',
          currency: 'JPY',
          amount: 5_000,
        }); // expires 1 ms after the cut-off
        notDue.add(`${customerId}|purchase:${customerId}-B`);
      }
    }
    const results = await writer.executeBatch(
      commands.map((command, index): CommandEnvelope => ({ command, provenance: { channel: 'batch', batchId: 'given', index } })),
    );
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    for (const result of results) {
      if (result.status !== 'accepted') continue;
      for (const e of result.decided)
        if (e.type === 'PointsEarned' && e.lotId.endsWith('-A')) dueLot.set(e.customerId, { lotId: e.lotId, points: e.points, expiresAt: e.expiresAt });
      for (const e of result.decided) if (e.type === 'PointsRedeemed') dueLot.get(e.customerId)!.points -= e.points;
    }
    await ledger.close();
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`expires every due lot of ${ACCOUNTS} accounts exactly once after ${KILLS} SIGKILLs, dated at each lot's expiry instant, and nothing not yet due`, async () => {
    const random = new SeededRandom(16);
    let kills = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = spawnCompiled(childScript, [dir, NOW]);
      const target = random.int(1 + k * 8, 8 + k * 8); // batches of 250 accounts: 40 in all
      await new Promise<void>((resolve) => {
        child.child.stdout?.on('data', () => {
          if (child.lines.filter((l) => l.startsWith('batch ')).length >= target) setTimeout(() => child.child.kill('SIGKILL'), random.int(0, 10));
        });
        void child.exited.then(() => resolve());
      });
      if ((await child.exited).signal === 'SIGKILL') kills++;
    }
    const last = spawnCompiled(childScript, [dir, NOW]);
    const done = JSON.parse((await last.waitForLine(/^done /, 120_000)).slice(5));
    expect(kills).toBe(KILLS);
    expect(done).toMatchObject({ runId: `expiry-${NOW}`, cutoff: NOW, status: 'completed' });

    const ledger = new SqliteEventStore({ file: join(dir, 'ledger.sqlite') });
    const expired = new Map<string, { points: number; at: string; runId: string }[]>();
    for (let after = 0n; ;) {
      const page = await ledger.readAll(after, 10_000);
      if (page.length === 0) break;
      for (const stored of page) {
        const customerId = customerIdOfStream(stored.stream);
        if (!customerId) continue;
        const e = ledgerEventRegistry.decode(stored.type, stored.schemaVersion, stored.data);
        if (e.type !== 'PointsExpired') continue;
        for (const lot of e.lots) {
          const key = `${customerId}|${lot.lotId}`;
          expired.set(key, [...(expired.get(key) ?? []), { points: lot.points, at: e.asOf, runId: e.expiryRunId }]);
        }
      }
      after = page[page.length - 1].position;
    }
    await ledger.close();

    expect(dueLot.size).toBe(ACCOUNTS);
    for (const [customerId, lot] of dueLot)
      expect(expired.get(`${customerId}|${lot.lotId}`)).toEqual([{ points: lot.points, at: lot.expiresAt, runId: `expiry-${NOW}` }]);
    for (const key of notDue) expect(expired.has(key)).toBe(false);
    expect(expired.size).toBe(ACCOUNTS);
    const operations = new SqliteOperationsStore(join(dir, 'operations.sqlite'));
    expect(await operations.latestExpiryRun()).toMatchObject({ runId: `expiry-${NOW}`, status: 'completed' });
    await operations.close();
    console.info(
      `[expiry crash] ${ACCOUNTS} accounts, ${kills} SIGKILLs mid-run: ${expired.size} lots expired once each, ${notDue.size} lots due 1 ms after the cut-off untouched`,
    );
  }, 300_000);
});
