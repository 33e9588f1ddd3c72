// @needs build (left out of npm run test:unit)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { ProjectionRunner, SqliteProjectionStore } from '@loyalty/projection-runner';
import { balancesProjection, customerProfileProjection, type CustomerProjection } from '@loyalty/read-models';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload, SeededRandom } from '@loyalty/workload-generator';
import { spawnCompiled } from '../support/child-process';
import { projectionHash } from '../support/projection-hash';

const KILLS = Number(process.env.PROJECTOR_CRASH_KILLS ?? 5);
const childScript = join('test', 'projections', 'projector-child.js');

describe('projector crash safety', () => {
  let dir: string;
  let ledgerFile: string;
  beforeAll(async () => {
    if (!existsSync(join(__dirname, '..', '..', 'dist', childScript)))
      throw new Error('dist/ is missing the projector child: run `npm run build` first (npm test does)');
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'projector-crash-'));
    ledgerFile = join(dir, 'ledger.sqlite');
    const events = new SqliteEventStore({ file: ledgerFile, synchronous: 'NORMAL' });
    const ruleBook = new RuleBook([defaultProgramRules()]);
    const writer = new LedgerWriter(events, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') });
    const items = [...generateWorkload({ seed: 8, customers: 300, purchases: 6_000, enrolCustomers: true, duplicateRate: 0.02 })];
    await writer.executeBatch(items.map((item, index) => ({ command: item.command, provenance: { channel: 'batch', batchId: 'crash', index } })));
    await events.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['balances', 'position', balancesProjection],
    ['profiles', 'position', customerProfileProjection],
    ['balances', 'stream', balancesProjection],
    ['profiles', 'stream', customerProfileProjection],
  ] as [string, 'stream' | 'position', CustomerProjection<unknown>][])(
    `%s, rebuilt in %s order: SIGKILLed ${KILLS} times mid-run, ends with the same tables as an uninterrupted run`,
    async (name, order, projection) => {
      const storeFile = join(dir, `${name}-${order}.sqlite`);
      const random = new SeededRandom(name.length * 1000 + order.length);
      let kills = 0;
      for (let k = 0; k < KILLS; k++) {
        const child = spawnCompiled(childScript, [ledgerFile, storeFile, name, order]);
        // About 45 commits in all (every 300 events): five kills after at most 8 each leave work for the last run.
        const target = random.int(1, 8);
        let batches = 0;
        await new Promise<void>((resolve) => {
          child.child.stdout?.on('data', () => {
            batches = child.lines.filter((l) => l.startsWith('batch ')).length;
            if (batches >= target) setTimeout(() => child.child.kill('SIGKILL'), random.int(0, 5));
          });
          void child.exited.then(() => resolve());
        });
        if ((await child.exited).signal === 'SIGKILL') kills++;
      }
      const last = spawnCompiled(childScript, [ledgerFile, storeFile, name, order]);
      await last.waitForLine(/^done$/, 120_000);
      expect(kills).toBeGreaterThanOrEqual(KILLS - 1);

      const events = new SqliteEventStore({ file: ledgerFile });
      const reference = new SqliteProjectionStore(':memory:');
      // The reference is an uninterrupted rebuild in the other order: both orders give the same tables.
      await new ProjectionRunner(events, reference, projection, { batchSize: 1000, rebuildOrder: order === 'stream' ? 'position' : 'stream' }).catchUp();
      const crashed = new SqliteProjectionStore(storeFile);
      const key = `${projection.name}_v${projection.version}`;
      expect(await crashed.checkpoint(key)).toBe(await events.headPosition());
      expect(await projectionHash(crashed, key)).toBe(await projectionHash(reference, key));
      await crashed.close();
      await events.close();
      console.info(`[projector crash] ${name} (${order} order): ${kills} SIGKILLs, tables identical to an uninterrupted rebuild`);
    },
    180_000,
  );
});
