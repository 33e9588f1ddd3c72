import type { Kafka, Producer } from 'kafkajs';
import { StaleNotifierWriterError, type NotificationOutbox } from '../outbox/notification-outbox.port';
import { notificationEnvelope, NOTIFICATIONS_TOPIC } from '../outbox/notification-envelope';

export interface KafkaPublisherOptions {
  /** The topic as the cluster names it (the deployment's prefix applied). */
  topic?: string;
  partitions?: number;
  createTopic?: boolean;
  batchSize?: number;
  pollMs?: number;
  onPublished?: (count: number, lastSeq: number) => void;
  onError?: (error: unknown) => void;
}

/**
 * Publishes the outbox to `loyalty.notifications.v1`, in outbox order, keyed by customer id (so a
 * customer's notifications keep their order on one partition), with the ingestion topics'
 * envelope. Its cursor moves only after the broker acknowledged the batch (acks from all
 * in-sync replicas, idempotent producer): a crash re-sends at most the last batch, which a
 * consumer recognises by the message id (the notification id).
 */
export class KafkaNotificationPublisher {
  private producer: Producer | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly outbox: NotificationOutbox,
    private readonly options: KafkaPublisherOptions = {},
  ) {}

  get topic(): string {
    return this.options.topic ?? NOTIFICATIONS_TOPIC;
  }

  async start(): Promise<void> {
    if (this.options.createTopic ?? true) {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic: this.topic, numPartitions: this.options.partitions ?? 4 }], waitForLeaders: true });
      } finally {
        await admin.disconnect();
      }
    }
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.stopped = false;
    this.loop = this.run();
  }

  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    await this.producer?.disconnect();
    this.producer = null;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const cursor = Number((await this.outbox.checkpoint('kafka')) ?? '0');
        const entries = await this.outbox.after(cursor, this.options.batchSize ?? 500);
        if (entries.length === 0) {
          await this.idle(this.options.pollMs ?? 200);
          continue;
        }
        await this.producer?.send({
          topic: this.topic,
          acks: -1,
          messages: entries.map(({ notification }) => ({
            key: notification.customerId,
            value: JSON.stringify(notificationEnvelope(notification)),
            headers: { 'content-type': 'application/json', 'message-type': notification.type, 'schema-version': String(notification.version) },
          })),
        });
        const last = entries[entries.length - 1].seq;
        await this.outbox.setCheckpoint('kafka', String(last));
        this.options.onPublished?.(entries.length, last);
      } catch (error) {
        this.options.onError?.(error);
        if (error instanceof StaleNotifierWriterError) return; // another notifier publishes now
        await this.idle(1000);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
