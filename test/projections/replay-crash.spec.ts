// @needs build (left out of npm run test:unit)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { SqliteOperationsStore } from '@loyalty/program-operations';
import { ProjectionRunner, SqliteProjectionStore } from '@loyalty/projection-runner';
import { balancesProjection, customerProfileProjection, projectionKey } from '@loyalty/read-models';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload, SeededRandom } from '@loyalty/workload-generator';
import { spawnCompiled } from '../support/child-process';
import { projectionHash } from '../support/projection-hash';

const KILLS = 3;
const childScript = join('test', 'projections', 'replay-child.js');

describe('replay (shadow rebuild) crash safety', () => {
  let dir: string;
  let ledgerFile: string;
  beforeAll(async () => {
    if (!existsSync(join(__dirname, '..', '..', 'dist', childScript)))
      throw new Error('dist/ is missing the replay child: run `npm run build` first (npm test does)');
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'replay-crash-'));
    ledgerFile = join(dir, 'ledger.sqlite');
    const events = new SqliteEventStore({ file: ledgerFile, synchronous: 'NORMAL' });
    const ruleBook = new RuleBook([defaultProgramRules()]);
    const writer = new LedgerWriter(events, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') });
    const items = [...generateWorkload({ seed: 18, customers: 400, purchases: 5_000, enrolCustomers: true })];
    await writer.executeBatch(items.map((item, index) => ({ command: item.command, provenance: { channel: 'batch', batchId: 'replay-crash', index } })));
    await events.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`a throttled replay SIGKILLed ${KILLS} times resumes from its checkpoints and ends with the tables of an uninterrupted rebuild`, async () => {
    const storeFile = join(dir, 'read-models.sqlite');
    const operationsFile = join(dir, 'operations.sqlite');
    const random = new SeededRandom(77);
    let kills = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = spawnCompiled(childScript, [ledgerFile, storeFile, operationsFile, k === 0 ? 'start' : 'resume']);
      // Late enough for a commit (1,000 events, whole streams: the biggest customer's stream is several pages long), early enough to leave work.
      const target = random.int(12, 24);
      await new Promise<void>((resolve) => {
        child.child.stdout?.on('data', () => {
          if (child.lines.filter((l) => l.startsWith('progress ')).length >= target) child.child.kill('SIGKILL');
        });
        void child.exited.then(() => resolve());
      });
      const exit = await child.exited;
      if (exit.signal === 'SIGKILL') kills++;
      else throw new Error(`the replay child ended on its own (code ${exit.code}) before ${target} progress lines:\n${child.lines.join('\n')}\n${exit.stderr}`);
    }
    expect(kills).toBe(KILLS);
    const operations = new SqliteOperationsStore(operationsFile);
    const [interrupted] = await operations.replays();
    expect(interrupted.status).toBe('running');
    expect(interrupted.progress.eventsDone).toBeGreaterThan(0);
    await operations.close();
    // The shadow tables were being rebuilt stream after stream: their cursors are what the resumed runs continue from.
    const midway = new SqliteProjectionStore(storeFile);
    for (const key of Object.values(interrupted.keys)) expect((await midway.rebuildCursor(key))?.afterStream).toMatch(/^loyaltyAccount-/);
    await midway.close();

    const last = spawnCompiled(childScript, [ledgerFile, storeFile, operationsFile, 'resume']);
    await last.waitForLine(/^ready$/, 120_000);

    const events = new SqliteEventStore({ file: ledgerFile });
    const store = new SqliteProjectionStore(storeFile);
    let customers = 0;
    for (const projection of [balancesProjection, customerProfileProjection]) {
      const reference = new SqliteProjectionStore(':memory:');
      await new ProjectionRunner(events, reference, projection as never).catchUp();
      const key = interrupted.keys[projection.name];
      expect(key).toBe(`${projectionKey(projection)}__${interrupted.id}`);
      expect(await store.checkpoint(key)).toBe(await events.headPosition());
      expect(await projectionHash(store, key)).toBe(await projectionHash(reference, projectionKey(projection)));
      customers = 0;
      for await (const _ of reference.entries(projectionKey(projection))) customers++;
    }
    const finished = new SqliteOperationsStore(operationsFile);
    const [ready] = await finished.replays();
    expect(ready.status).toBe('ready');
    expect(ready.impact?.customers).toBe(customers);
    expect(customers).toBeGreaterThan(300);
    expect((await finished.auditTrail()).map((e) => e.action)).toEqual(['rules.submitted', 'replay.started', 'replay.ready']);
    await Promise.all([finished.close(), store.close(), events.close()]);
  }, 180_000);
});
