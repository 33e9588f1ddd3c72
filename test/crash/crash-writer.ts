// Child process of the crash test: appends a generated workload to a SQLite ledger through the
// batch path, from the start every time (an at-least-once source replaying after a crash).
// Usage: node -r infra/node/register-paths.js dist/test/crash/crash-writer.js <db> <seed> <purchases> <customers>
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter, type CommandEnvelope } from '@loyalty/ledger-application';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { crashWorkload } from './crash-workload';

async function main(): Promise<void> {
  const [file, seed, purchases, customers] = process.argv.slice(2);
  const store = new SqliteEventStore({ file, synchronous: 'FULL' });
  const ruleBook = new RuleBook([defaultProgramRules()]);
  const writer = new LedgerWriter(store, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') });
  const envelopes: CommandEnvelope[] = crashWorkload(Number(seed), Number(purchases), Number(customers));
  const batchSize = 250;
  // CRASH_WRITER_PAUSE_MS: a pause between batches, so that the workload flows in over a while (the notifier crash test).
  const pauseMs = Number(process.env.CRASH_WRITER_PAUSE_MS ?? 0);
  for (let i = 0, batch = 0; i < envelopes.length; i += batchSize, batch++) {
    await writer.executeBatch(envelopes.slice(i, i + batchSize));
    process.stdout.write(`batch ${batch}\n`);
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  await store.close();
  process.stdout.write('done\n');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
