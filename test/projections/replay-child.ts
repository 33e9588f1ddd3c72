// Child process of the replay crash test: starts (or resumes) a shadow rebuild of every
// projection under rules version 2, on file stores, printing `replay <id>` and `progress <position>`
// lines, then `ready` once it has caught up and stored its impact report.
// Usage: node -r infra/node/register-paths.js dist/test/projections/replay-child.js <ledger> <read-store> <operations> start|resume
import { SqliteEventStore } from '@loyalty/event-store';
import { OperationsReadView, ReplayService, RulesCatalog, SqliteOperationsStore } from '@loyalty/program-operations';
import { SqliteProjectionStore } from '@loyalty/projection-runner';
import { defaultProgramRules } from '@loyalty/program-rules';

const clock = () => new Date('2026-07-01T00:00:00Z');

async function main(): Promise<void> {
  const [ledgerFile, storeFile, operationsFile, mode] = process.argv.slice(2);
  const ledger = new SqliteEventStore({ file: ledgerFile });
  const projections = new SqliteProjectionStore(storeFile);
  const operations = new SqliteOperationsStore(operationsFile);
  const catalog = new RulesCatalog(operations, [defaultProgramRules()], clock);
  const view = new OperationsReadView(operations, catalog);
  const replays = new ReplayService(ledger, projections, operations, catalog, view, clock, {
    batchSize: 250,
    streamsPerPage: 8,
    commitEveryEvents: 1_000,
    progressEveryMs: 20,
    onProgress: (r) => process.stdout.write(`progress ${r.progress.position}\n`),
    // The killed process's claim lasts this long: the resumed one takes the replay over after it.
    leaseMs: 1_000,
  });
  let id: string;
  if (mode === 'start') {
    const base = defaultProgramRules();
    await catalog.submit(
      { ...base, version: 2, tiers: { ...base.tiers, levels: base.tiers.levels.map((l) => (l.name === 'silver' ? { ...l, threshold: 40_000 } : l)) } },
      'test',
    );
    id = (await replays.start({ candidateVersion: 2, throttleEventsPerSecond: 8_000, actor: 'test' })).id;
  } else {
    id = (await replays.list())[0].id;
    while (!(await replays.resumeAll()).includes(id)) await new Promise((r) => setTimeout(r, 100));
  }
  process.stdout.write(`replay ${id}\n`);
  const settled = await replays.settled(id);
  await replays.stop();
  process.stdout.write(`${settled.status}\n`);
  await Promise.all([ledger.close(), projections.close(), operations.close()]);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
