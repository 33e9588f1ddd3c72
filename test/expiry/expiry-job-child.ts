// Child process of the expiry crash test: catches the balances read model up, then runs the expiry
// job (resuming an unfinished run), printing `batch <accounts>` after each batch and `done <run>` at the end.
// Usage: node -r infra/node/register-paths.js dist/test/expiry/expiry-job-child.js <data folder> <now>
import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { ExpiryJob, SqliteOperationsStore } from '@loyalty/program-operations';
import { ProjectionRunner, SqliteProjectionStore } from '@loyalty/projection-runner';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { balancesProjection } from '@loyalty/read-models';

async function main(): Promise<void> {
  const [dir, now] = process.argv.slice(2);
  const ledger = new SqliteEventStore({ file: join(dir, 'ledger.sqlite') });
  const projections = new SqliteProjectionStore(join(dir, 'read-models.sqlite'));
  const operations = new SqliteOperationsStore(join(dir, 'operations.sqlite'));
  const clock = { now: () => new Date(now) };
  const ruleBook = new RuleBook([defaultProgramRules()]);
  await new ProjectionRunner(ledger, projections, balancesProjection).catchUp();
  const writer = new LedgerWriter(ledger, { current: () => ruleBook }, clock);
  const job = new ExpiryJob(writer, projections, operations, () => clock.now(), {
    batchSize: 250,
    onBatch: (run) => process.stdout.write(`batch ${run.accounts}\n`),
  });
  const run = await job.runOnce();
  process.stdout.write(`done ${JSON.stringify(run)}\n`);
  await operations.close();
  await projections.close();
  await ledger.close();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
