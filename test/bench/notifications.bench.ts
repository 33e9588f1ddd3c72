// Notifications keep up with ingestion: purchases written through the ledger writer at full speed
// (the ingestion benchmark's path) while the notifier derives their notifications and both sinks
// send them (webhooks to a loopback receiver, the Kafka topic of infra/kafka/kafka.sh). Prints
// the rates, the lag when ingestion ends, and the age of the oldest undelivered notification.
import { fork, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter, type CommandEnvelope } from '@loyalty/ledger-application';
import { NotificationSinks, Notifier, SqliteNotificationOutbox, type RunningNotifier } from '@loyalty/notifications';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload } from '@loyalty/workload-generator';
import { benchDir, numberArg, peakRssMiB, rate, report } from './bench-support';

export async function benchNotifications(): Promise<void> {
  const purchases = numberArg('purchases', 100_000);
  const customers = Math.max(1000, Math.round(purchases / 10));
  const batchSize = numberArg('batch-size', 1);
  // --rate=N: ingestion paced at N commands/s (0: as fast as the writer goes), in batches of a tenth of a second.
  const pacedRate = numberArg('rate', 0, { zeroAllowed: true });
  const commandBatch = pacedRate > 0 ? Math.max(1, Math.round(pacedRate / 10)) : numberArg('batch', 2_000);
  const root = join(__dirname, '..', '..', '..'); // dist/test/bench -> the repository
  const started = spawnSync(join(root, 'infra', 'kafka', 'kafka.sh'), ['start'], { stdio: 'inherit' });
  if (started.status !== 0) throw new Error('could not start Kafka (infra/kafka/kafka.sh start)');
  const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const { dir, cleanup } = benchDir('notifications');
  const receiver = fork(join(__dirname, 'webhook-receiver.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => receiver.once('message', (m: { port: number }) => resolve(m.port)));
  const receivedCount = () =>
    new Promise<{ received: number; notifications: number }>((resolve) => {
      receiver.once('message', (m: { received: number; notifications: number }) => resolve(m));
      receiver.send({ kind: 'count' });
    });
  try {
    const envelopes: CommandEnvelope[] = [];
    let index = 0;
    for (const { command } of generateWorkload({ seed: 11, customers, purchases, duplicateRate: 0 }))
      envelopes.push({ command, provenance: { channel: 'batch', batchId: 'bench', index: index++ } });

    const ledger = new SqliteEventStore({ file: join(dir, 'ledger.sqlite'), synchronous: 'FULL' });
    const outbox = new SqliteNotificationOutbox(join(dir, 'notifications.sqlite'));
    const now = new Date().toISOString();
    await outbox.saveEndpoint({
      id: 'wh_bench',
      url: `http://127.0.0.1:${port}/hooks`,
      types: [],
      secret: `whsec_${Buffer.alloc(24, 3).toString('base64')}`,
      enabled: true,
      maxInFlight: numberArg('in-flight', 16),
      maxBatchSize: batchSize,
      createdAt: now,
      updatedAt: now,
      cursor: 0,
    });
    const ruleBook = new RuleBook([defaultProgramRules()]);
    const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') }, { cacheCapacity: customers });
    // The notifier and the sinks as the app runs them with a SQLite ledger: in the notifications
    // thread (the writer keeps the main one busy). --notifier-on-main-thread: the notifier in this
    // thread instead, as before, for comparison.
    const notifierHere = process.argv.includes('--notifier-on-main-thread');
    let derived = 0;
    const sinks = new NotificationSinks(
      {
        outbox: { kind: 'sqlite', file: join(dir, 'notifications.sqlite') },
        ...(notifierHere ? {} : { notifier: { ledgerFile: join(dir, 'ledger.sqlite'), rules: [], batchSize: numberArg('notifier-page', 5000) } }),
        webhooks: { timeoutMs: 10_000, pollMs: 50 },
        kafka: {
          clientConfig: { clientId: 'bench-notifications', brokers: brokers.split(',') },
          topic: `bench-${Date.now()}.loyalty.notifications.v1`,
          partitions: 4,
          createTopic: true,
        },
      },
      (event) => {
        if (event.kind === 'derived') derived += event.count;
      },
      outbox,
      { current: () => ruleBook },
    );
    const notifier: RunningNotifier = notifierHere
      ? new Notifier(
          ledger,
          outbox,
          { current: () => ruleBook },
          {
            batchSize: 5000,
            onCommitted: (_position, count) => {
              derived += count;
              sinks.wake();
            },
          },
        )
      : sinks.threadedNotifier;
    // --without-notifications: the same ingestion alone, the baseline the cost of notifying is read against.
    const baseline = process.argv.includes('--without-notifications');
    if (!baseline) {
      await sinks.start(await outbox.claimWriter());
      await notifier.start();
    }

    const start = performance.now();
    // While ingesting: the oldest undelivered notification's age, once a second (the worst is printed).
    let worstAgeSeconds = 0;
    const sampling = setInterval(() => {
      void ledger.headPosition().then(async (at) => {
        worstAgeSeconds = Math.max(worstAgeSeconds, (await sinkState(outbox, notifier.checkpoint, at)).oldestAgeSeconds);
      });
    }, 1000);
    for (let i = 0; i < envelopes.length; i += commandBatch) {
      const due = start + (i / pacedRate) * 1000;
      if (pacedRate > 0 && performance.now() < due) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
      await writer.executeBatch(envelopes.slice(i, i + commandBatch));
      // A consumer or an HTTP server yields to the event loop between batches (network reads); so does this loop.
      await new Promise((resolve) => setImmediate(resolve));
      if ((i / commandBatch) % (pacedRate > 0 ? 50 : 5) === 0)
        process.stderr.write(`\r  ingesting ${i.toLocaleString()} / ${envelopes.length.toLocaleString()} commands, ${derived.toLocaleString()} notifications`);
    }
    const ingestMs = performance.now() - start;
    clearInterval(sampling);
    const head = await ledger.headPosition();
    if (baseline) {
      report(`notifications baseline: the same ingestion without notifications (${purchases.toLocaleString()} purchases)`, {
        'commands ingested': envelopes.length,
        'ingestion alone, commands/s': rate(envelopes.length, ingestMs),
      });
      await Promise.all([outbox.close(), ledger.close()]);
      return;
    }
    const atEnd = await sinkState(outbox, notifier.checkpoint, head);

    // Drain: the notifier to the ledger's head, both sinks to the outbox's end.
    let drained = atEnd;
    while (!(drained.notifierLag === 0n && drained.undeliveredWebhook === 0 && drained.unpublishedKafka === 0) && performance.now() - start < 600_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      drained = await sinkState(outbox, notifier.checkpoint, head);
    }
    const totalMs = performance.now() - start;
    process.stderr.write('\n');
    const notifications = await outbox.headSeq();
    await notifier.stop();
    await sinks.stop();

    const received = await receivedCount();
    report(
      `notifications (${purchases.toLocaleString()} purchases, ${customers.toLocaleString()} customers, ${pacedRate > 0 ? `ingestion paced at ${pacedRate.toLocaleString()} commands/s` : 'ingestion at full speed'}, SQLite ledger, webhook (${batchSize === 1 ? 'one notification a request' : `batches of up to ${batchSize}`}) + Kafka sinks, notifier ${notifierHere ? 'on the main thread' : 'in the notifications thread'})`,
      {
        'commands ingested': envelopes.length,
        'ingestion with notifications, commands/s': rate(envelopes.length, ingestMs),
        'notifications derived': notifications,
        'notifications/s (derived, during ingestion)': rate(atEnd.derivedSoFar, ingestMs),
        'notifications/s (delivered to both sinks, end to end)': rate(notifications, totalMs),
        'at ingestion end: notifier lag, events': Number(atEnd.notifierLag),
        'at ingestion end: undelivered (webhook / Kafka)': `${atEnd.undeliveredWebhook} / ${atEnd.unpublishedKafka}`,
        'at ingestion end: oldest undelivered, s': atEnd.oldestAgeSeconds.toFixed(2),
        'while ingesting: oldest undelivered at worst (sampled each second), s': worstAgeSeconds.toFixed(2),
        'drained after ingestion end, s': ((totalMs - ingestMs) / 1000).toFixed(2),
        'at the end: oldest undelivered, s': drained.oldestAgeSeconds.toFixed(2),
        'webhook requests received': received.received,
        'webhook notifications received (at least once)': received.notifications,
        'peak RSS MiB': peakRssMiB(),
      },
    );
    await Promise.all([outbox.close(), ledger.close()]);
  } finally {
    receiver.send({ kind: 'stop' });
    cleanup();
  }
}

async function sinkState(outbox: SqliteNotificationOutbox, notifierAt: bigint, head: bigint) {
  const [outboxHead, kafka, endpoint] = await Promise.all([outbox.headSeq(), outbox.checkpoint('kafka'), outbox.endpoint('wh_bench')]);
  const webhookCursor = endpoint?.cursor ?? 0;
  const kafkaCursor = Number(kafka ?? 0);
  const oldestSeq = Math.min(webhookCursor, kafkaCursor);
  const [oldest] = await outbox.after(oldestSeq, 1);
  return {
    derivedSoFar: outboxHead,
    notifierLag: head - notifierAt,
    undeliveredWebhook: outboxHead - webhookCursor,
    unpublishedKafka: outboxHead - kafkaCursor,
    oldestAgeSeconds: oldest ? (Date.now() - Date.parse(oldest.recordedAt)) / 1000 : 0,
  };
}

if (require.main === module) {
  benchNotifications().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
