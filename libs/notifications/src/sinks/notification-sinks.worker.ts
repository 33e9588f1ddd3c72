// The sinks' thread (see NotificationSinks): webhook deliveries and Kafka publishing from the
// outbox file, on a connection of their own, whatever the main thread is busy with.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteNotificationOutbox } from '../outbox/sqlite-notification-outbox';
import { runSinks, startPublisher, type SinkEvent, type SinksSetup } from './notification-sinks';

const port = parentPort;
if (!port) throw new Error('the sinks run in a worker thread');
const { setup } = workerData as { setup: SinksSetup };
const outbox = new SqliteNotificationOutbox(setup.outboxFile);
const tell = (event: SinkEvent) => port.postMessage(event);
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
    process.exit(0);
  })();
});
