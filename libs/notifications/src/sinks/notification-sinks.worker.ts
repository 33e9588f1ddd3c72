// The notifications thread (see NotificationSinks): webhook deliveries and Kafka publishing from
// the outbox file, on a connection of their own, whatever the main thread is busy with; with a
// SQLite ledger, the notifier too, reading the ledger on its own connection, and the scan,
// reading the read models on another.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '@loyalty/event-store';
import { SqliteProjectionStore } from '@loyalty/projection-runner';
import { RuleBook, type ProgramRules } from '@loyalty/program-rules';
import { NotificationScan } from '../notifier/notification-scan';
import { Notifier } from '../notifier/notifier';
import { StaleNotifierWriterError } from '../outbox/notification-outbox.port';
import { openNotificationOutbox, runSinks, startPublisher, type ScanReply, type SinkEvent, type SinksSetup } from './notification-sinks';

const port = parentPort;
if (!port) throw new Error('the sinks run in a worker thread');
const { setup, writerEpoch } = workerData as { setup: SinksSetup; writerEpoch: number };
const outbox = openNotificationOutbox(setup.outbox);
outbox.fenceAt(writerEpoch);
// Attempts are counted here and told in sums: a message per delivery cost the thread a fifth of its time.
const attempts = { delivered: 0, retrying: 0, failed: 0 };
const flushAttempts = () => {
  for (const status of ['delivered', 'retrying', 'failed'] as const) {
    if (attempts[status] > 0) port.postMessage({ kind: 'attempts', status, count: attempts[status] } satisfies SinkEvent);
    attempts[status] = 0;
  }
};
const flushing = setInterval(flushAttempts, 200);
const tell = (event: SinkEvent) => {
  if (event.kind === 'attempts') attempts[event.status] += event.count;
  else port.postMessage(event);
};
const { dispatcher, publisher } = runSinks(outbox, setup, tell);
dispatcher.start();
const publishing = publisher ? startPublisher(publisher, tell) : Promise.resolve();

// The notifier: derived pages wake the sinks here; the main thread is told the position (metrics, waitFor) in sums.
let book = setup.notifier ? new RuleBook(setup.notifier.rules) : null;
const ledger = setup.notifier ? new SqliteEventStore({ file: setup.notifier.ledgerFile, writerThread: false, readAheadThread: false }) : null;
const derived = { position: null as string | null, count: 0 };
const flushDerived = () => {
  if (derived.position !== null) port.postMessage({ kind: 'derived', position: derived.position, count: derived.count } satisfies SinkEvent);
  derived.position = null;
  derived.count = 0;
};
const flushingDerived = setInterval(flushDerived, 100);
const notifier =
  ledger && book
    ? new Notifier(
        ledger,
        outbox,
        { current: () => book as RuleBook },
        {
          ...(setup.notifier?.batchSize ? { batchSize: setup.notifier.batchSize } : {}),
          onCommitted: (position, count) => {
            derived.position = position.toString();
            derived.count += count;
            if (count > 0) {
              dispatcher.wake();
              publisher?.wake();
            }
          },
          onError: (error) =>
            tell(
              error instanceof StaleNotifierWriterError
                ? { kind: 'fenced', message: error.message }
                : { kind: 'error', sink: 'notifier', message: `the notifier stopped: ${(error as Error).message}` },
            ),
        },
      )
    : null;
const notifying = notifier ? notifier.start() : Promise.resolve();
notifying.catch((error: unknown) => tell({ kind: 'error', sink: 'notifier', message: `the notifier did not start: ${(error as Error).message}` }));

// The scan: read models read here, never written (the projector is their writer).
const readModels = setup.scan && book ? new SqliteProjectionStore(setup.scan.readModelsFile, { writerThread: false }) : null;
const scan = readModels && setup.scan ? new NotificationScan(readModels, outbox, { current: () => book as RuleBook }, setup.scan.settings) : null;
const runScan = (id: number, asOf: string) => {
  const answer = (reply: ScanReply) => port.postMessage(reply);
  if (!scan) return answer({ kind: 'scan-failed', id, message: 'this notifications thread runs no scan' });
  scan.run(asOf).then(
    (report) => answer({ kind: 'scanned', id, report }),
    (error: unknown) => answer({ kind: 'scan-failed', id, message: (error as Error).message }),
  );
};

port.on('message', (message: { kind: 'wake' | 'stop' } | { kind: 'rules'; rules: ProgramRules[] } | { kind: 'scan'; id: number; asOf: string }) => {
  if (message.kind === 'rules') {
    book = new RuleBook(message.rules);
    return;
  }
  if (message.kind === 'scan') return runScan(message.id, message.asOf);
  if (message.kind === 'wake') {
    dispatcher.wake();
    publisher?.wake();
    return;
  }
  void (async () => {
    await notifying.catch(() => undefined);
    await notifier?.stop();
    clearInterval(flushingDerived);
    flushDerived();
    await ledger?.close();
    await readModels?.close();
    await dispatcher.stop();
    await Promise.race([publishing, new Promise((resolve) => setTimeout(resolve, 1000))]);
    await publisher?.stop().catch(() => undefined);
    await outbox.close();
    clearInterval(flushing);
    flushAttempts();
    process.exit(0);
  })();
});
