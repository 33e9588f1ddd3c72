// The sinks' thread (see NotificationSinks): webhook deliveries and Kafka publishing from the
// outbox file, on a connection of their own, whatever the main thread is busy with.
import { parentPort, workerData } from 'node:worker_threads';
import { openNotificationOutbox, runSinks, startPublisher, type SinkEvent, type SinksSetup } from './notification-sinks';

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

port.on('message', (message: { kind: 'wake' | 'stop' }) => {
  if (message.kind === 'wake') {
    dispatcher.wake();
    publisher?.wake();
    return;
  }
  void (async () => {
    await dispatcher.stop();
    await Promise.race([publishing, new Promise((resolve) => setTimeout(resolve, 1000))]);
    await publisher?.stop().catch(() => undefined);
    await outbox.close();
    clearInterval(flushing);
    flushAttempts();
    process.exit(0);
  })();
});
