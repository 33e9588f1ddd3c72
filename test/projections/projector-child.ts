// Child process of the projector crash test: catches a projection up from a SQLite ledger into a
// SQLite read store in small batches, committing every 300 events, printing `batch <position>` after each commit.
// Usage: node -r infra/node/register-paths.js dist/test/projections/projector-child.js <ledger> <read-store> <projection> <stream|position>
import { SqliteEventStore } from '@loyalty/event-store';
import { ProjectionRunner, SqliteProjectionStore } from '@loyalty/projection-runner';
import { balancesProjection, customerProfileProjection, type CustomerProjection } from '@loyalty/read-models';

async function main(): Promise<void> {
  const [ledgerFile, storeFile, name, order] = process.argv.slice(2);
  if (order !== 'stream' && order !== 'position') throw new Error(`rebuild order must be stream or position, not ${order}`);
  const projection = (name === 'balances' ? balancesProjection : customerProfileProjection) as CustomerProjection<unknown>;
  const events = new SqliteEventStore({ file: ledgerFile });
  const store = new SqliteProjectionStore(storeFile);
  const runner = new ProjectionRunner(events, store, projection, {
    batchSize: 100,
    streamsPerPage: 5,
    commitEveryEvents: 300,
    rebuildOrder: order,
    onBatch: (_k, _n, position) => process.stdout.write(`batch ${position}\n`),
  });
  await runner.catchUp();
  await store.close();
  await events.close();
  process.stdout.write('done\n');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
