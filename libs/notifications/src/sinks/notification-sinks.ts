import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { startWorkerModule } from '@loyalty/thread-support';
import { KafkaNotificationPublisher } from '../kafka/kafka-notification-publisher';
import type { NotificationOutbox } from '../outbox/notification-outbox.port';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';

/** How the sinks are set up: plain data, so that a thread can be given it. */
export interface SinksSetup {
  outboxFile: string;
  webhooks: { retryScheduleMs?: readonly number[]; timeoutMs: number; pollMs?: number };
  kafka: { clientConfig: KafkaConfig; topic: string; partitions: number; createTopic: boolean } | null;
}

/** What the sinks tell: each webhook attempt's outcome, each batch published, and errors. */
export type SinkEvent =
  { kind: 'attempt'; status: 'delivered' | 'retrying' | 'failed' } | { kind: 'published'; count: number } | { kind: 'error'; sink: string; message: string };

/**
 * The webhook dispatcher and the Kafka publisher, in a thread of their own when the outbox is a
 * file: deliveries are network round trips that a busy ledger writer on the main thread would
 * otherwise starve (measured: 20 webhook deliveries during 118,000 commands of ingestion). An
 * in-memory outbox (tests) cannot be shared with a thread, so they run here then.
 */
export class NotificationSinks {
  private worker: Worker | null = null;
  private local: { dispatcher: WebhookDispatcher; publisher: KafkaNotificationPublisher | null } | null = null;

  constructor(
    private readonly setup: SinksSetup,
    private readonly onEvent: (event: SinkEvent) => void,
    /** The in-thread case's outbox (the app's own connection). */
    private readonly outbox: NotificationOutbox,
  ) {}

  async start(): Promise<void> {
    if (this.setup.outboxFile === ':memory:') {
      this.local = runSinks(this.outbox, this.setup, this.onEvent);
      this.local.dispatcher.start();
      if (this.local.publisher) void startPublisher(this.local.publisher, this.onEvent);
      return;
    }
    this.worker = startWorkerModule(join(__dirname, 'notification-sinks.worker'), { setup: this.setup });
    this.worker.on('message', (event: SinkEvent) => this.onEvent(event));
    this.worker.on('error', (error) => this.onEvent({ kind: 'error', sink: 'thread', message: error.message }));
  }

  /** New notifications in the outbox: the sinks look now. */
  wake(): void {
    if (this.local) {
      this.local.dispatcher.wake();
      this.local.publisher?.wake();
    }
    this.worker?.postMessage({ kind: 'wake' });
  }

  async stop(): Promise<void> {
    if (this.local) {
      await this.local.dispatcher.stop();
      await this.local.publisher?.stop().catch(() => undefined);
      this.local = null;
    }
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 5000);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage({ kind: 'stop' });
    });
  }
}

/** The two sink loops over an outbox. */
export function runSinks(outbox: NotificationOutbox, setup: SinksSetup, onEvent: (event: SinkEvent) => void) {
  const dispatcher = new WebhookDispatcher(outbox, {
    ...(setup.webhooks.retryScheduleMs ? { retryScheduleMs: setup.webhooks.retryScheduleMs } : {}),
    timeoutMs: setup.webhooks.timeoutMs,
    ...(setup.webhooks.pollMs ? { pollMs: setup.webhooks.pollMs } : {}),
    onAttempt: (record) => onEvent({ kind: 'attempt', status: record.status }),
  });
  const publisher = setup.kafka
    ? new KafkaNotificationPublisher(new Kafka({ ...setup.kafka.clientConfig, logLevel: logLevel.NOTHING }), outbox, {
        topic: setup.kafka.topic,
        partitions: setup.kafka.partitions,
        createTopic: setup.kafka.createTopic,
        onPublished: (count) => onEvent({ kind: 'published', count }),
        onError: (error) => onEvent({ kind: 'error', sink: 'kafka', message: (error as Error).message }),
      })
    : null;
  return { dispatcher, publisher };
}

/** Starts the publisher, again every 5 s while the broker is not reachable: never holds the app's start. */
export async function startPublisher(publisher: KafkaNotificationPublisher, onEvent: (event: SinkEvent) => void): Promise<void> {
  for (;;) {
    try {
      await publisher.start();
      return;
    } catch (error) {
      onEvent({ kind: 'error', sink: 'kafka', message: `the notifications topic is not reachable yet: ${(error as Error).message}` });
      await new Promise((resolve) => setTimeout(resolve, 5000).unref());
    }
  }
}
