// Child process of the notifier crash test: the notifier and both sinks over a SQLite ledger
// that another process writes, with their SQLite outbox. Killed and restarted by the test.
// Usage: node -r infra/node/register-paths.js dist/test/crash/notifier-runner.js <ledger> <outbox> <brokers> <topic> <webhook-url>
import { SqliteEventStore } from '@loyalty/event-store';
import { NotificationSinks, Notifier, SqliteNotificationOutbox } from '@loyalty/notifications';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';

async function main(): Promise<void> {
  const [ledgerFile, outboxFile, brokers, topic, webhookUrl] = process.argv.slice(2);
  const ledger = new SqliteEventStore({ file: ledgerFile, synchronous: 'FULL' });
  const outbox = new SqliteNotificationOutbox(outboxFile);
  if ((await outbox.endpoints()).length === 0) {
    const now = new Date().toISOString();
    // A fixed secret: the test only counts what arrives.
    await outbox.saveEndpoint({
      id: 'wh_crash',
      url: webhookUrl,
      types: [],
      secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
      enabled: true,
      maxInFlight: 1,
      maxBatchSize: 1,
      createdAt: now,
      updatedAt: now,
      cursor: 0,
    });
  }
  const ruleBook = new RuleBook([defaultProgramRules()]);
  // The sinks as the app runs them: in their own thread, on their own connection to the outbox.
  const sinks = new NotificationSinks(
    {
      outbox: { kind: 'sqlite', file: outboxFile },
      webhooks: { retryScheduleMs: [50, 100, 200, 400, 800], timeoutMs: 2000, pollMs: 100 },
      kafka: { clientConfig: { clientId: 'notifier-crash', brokers: [brokers] }, topic, partitions: 3, createTopic: true },
    },
    (event) => {
      if (event.kind === 'error') process.stderr.write(`sink ${event.sink}: ${event.message}\n`);
    },
    outbox,
  );
  const notifier = new Notifier(
    ledger,
    outbox,
    { current: () => ruleBook },
    {
      batchSize: 500,
      onCommitted: (position, count) => {
        process.stdout.write(`committed ${position} ${count}\n`);
        sinks.wake();
      },
      onError: (error) => process.stderr.write(`notifier: ${(error as Error).stack}\n`),
    },
  );
  await sinks.start(await outbox.claimWriter());
  await notifier.start();
  // Report how far each sink is, for the test to know when everything has been sent.
  setInterval(() => {
    void (async () => {
      const [head, kafka, endpoint] = await Promise.all([outbox.headSeq(), outbox.checkpoint('kafka'), outbox.endpoint('wh_crash')]);
      process.stdout.write(`sinks ${notifier.checkpoint} ${head} ${kafka ?? 0} ${endpoint?.cursor ?? 0}\n`);
    })();
  }, 100);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
