import { Global, Inject, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Counter, Gauge } from 'prom-client';
import type { EventStore } from '@loyalty/event-store';
import { LoyaltyMetrics } from '@loyalty/http-platform';
import { CLOCK, EVENT_STORE, RULE_BOOK_SOURCE, type Clock, type RuleBookSource } from '@loyalty/ledger-application';
import { PROJECTION_PROGRESS, PROJECTION_STORE, type ProjectionProgress, type ProjectionStore } from '@loyalty/projection-runner';
import { DEFAULT_SCAN_SETTINGS, type ScanSettings } from '@loyalty/read-models';
import { NotificationsHttpController } from './http/notifications.http-controller';
import { KafkaNotificationPublisher } from './kafka/kafka-notification-publisher';
import { NotificationFeed } from './notifier/notification-feed';
import { NotificationScan } from './notifier/notification-scan';
import { Notifier } from './notifier/notifier';
import { NOTIFICATION_OUTBOX, type NotificationOutbox } from './outbox/notification-outbox.port';
import { SqliteNotificationOutbox } from './outbox/sqlite-notification-outbox';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookEndpoints } from './webhooks/webhook-endpoints';

export interface NotificationsOptions {
  /** The outbox's SQLite file (':memory:' for an in-memory ledger). */
  outboxFile: string;
  allowHttpWebhooks: boolean;
  retryScheduleMs?: readonly number[];
  webhookTimeoutMs: number;
  scan: ScanSettings;
  /** The Kafka sink: a client and the topic as the cluster names it; null without Kafka. */
  kafka: { client: () => Kafka; topic: string; partitions: number; createTopic: boolean } | null;
}

const OPTIONS = Symbol('NOTIFICATIONS_OPTIONS');

/** Starts the notifier and the sinks with the app, and stops them before the stores close. */
class NotificationsRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('notifications');
  private publisherStart: Promise<void> | null = null;

  constructor(
    private readonly notifier: Notifier,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(NOTIFICATION_OUTBOX) private readonly outbox: NotificationOutbox,
    @Inject(KafkaNotificationPublisher) private readonly publisher: KafkaNotificationPublisher | null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.notifier.start();
    this.dispatcher.start();
    if (this.publisher) {
      const publisher = this.publisher;
      // In the background: a broker that is not there yet never holds the app's start.
      const attempt = async (): Promise<void> => {
        try {
          await publisher.start();
        } catch (error) {
          this.logger.warn({ msg: 'the notifications topic is not reachable yet; retrying', error: (error as Error).message });
          await new Promise((resolve) => setTimeout(resolve, 5000).unref());
          return attempt();
        }
      };
      this.publisherStart = attempt();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.notifier.stop();
    await this.dispatcher.stop();
    if (this.publisher) await Promise.race([this.publisherStart, new Promise((resolve) => setTimeout(resolve, 1000))]).then(() => this.publisher?.stop());
    await this.outbox.close();
  }
}

/**
 * Outbound notifications (issue 21): the notifier following the ledger, the time-driven scan,
 * the outbox, and its sinks (signed webhooks; the Kafka topic when Kafka is configured). Runs
 * in the embedded app (role `all`) beside the projector, whose read models the scan reads.
 */
@Global()
@Module({})
export class NotificationsModule {
  static forConfig(options: NotificationsOptions): DynamicModule {
    return {
      module: NotificationsModule,
      controllers: [NotificationsHttpController],
      providers: [
        { provide: OPTIONS, useValue: options },
        { provide: NOTIFICATION_OUTBOX, useFactory: () => new SqliteNotificationOutbox(options.outboxFile) },
        {
          provide: WebhookDispatcher,
          inject: [NOTIFICATION_OUTBOX, LoyaltyMetrics],
          useFactory: (outbox: NotificationOutbox, metrics: LoyaltyMetrics) => {
            const deliveries = new Counter({
              name: 'webhook_delivery_attempts_total',
              help: 'Webhook delivery attempts by outcome (delivered, retrying, failed)',
              labelNames: ['outcome'] as const,
              registers: [metrics.registry],
            });
            const dispatcher = new WebhookDispatcher(outbox, {
              ...(options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {}),
              timeoutMs: options.webhookTimeoutMs,
              onAttempt: (record) => deliveries.inc({ outcome: record.status }),
            });
            new Gauge({
              name: 'webhook_oldest_undelivered_age_seconds',
              help: 'Per endpoint: the age of the oldest notification it has not received yet',
              labelNames: ['endpoint'] as const,
              registers: [metrics.registry],
              async collect() {
                this.reset();
                for (const endpoint of await outbox.endpoints()) {
                  if (!endpoint.enabled) continue;
                  const [oldest] = await outbox.after(endpoint.cursor, 1, endpoint.types);
                  this.set({ endpoint: endpoint.id }, oldest ? (Date.now() - Date.parse(oldest.recordedAt)) / 1000 : 0);
                }
              },
            });
            return dispatcher;
          },
        },
        {
          provide: WebhookEndpoints,
          inject: [NOTIFICATION_OUTBOX, WebhookDispatcher, CLOCK],
          useFactory: (outbox: NotificationOutbox, dispatcher: WebhookDispatcher, clock: Clock) =>
            new WebhookEndpoints(outbox, dispatcher, { allowHttp: options.allowHttpWebhooks, now: () => clock.now() }),
        },
        { provide: NotificationFeed, inject: [NOTIFICATION_OUTBOX], useFactory: (outbox: NotificationOutbox) => new NotificationFeed(outbox) },
        {
          provide: KafkaNotificationPublisher,
          inject: [NOTIFICATION_OUTBOX, LoyaltyMetrics],
          useFactory: (outbox: NotificationOutbox, metrics: LoyaltyMetrics) => {
            if (!options.kafka) return null;
            const published = new Counter({
              name: 'notifications_published_total',
              help: 'Notifications published to the Kafka topic',
              registers: [metrics.registry],
            });
            const logger = new Logger('notifications');
            return new KafkaNotificationPublisher(options.kafka.client(), outbox, {
              topic: options.kafka.topic,
              partitions: options.kafka.partitions,
              createTopic: options.kafka.createTopic,
              onPublished: (count) => published.inc(count),
              onError: (error) => logger.warn({ msg: 'publishing notifications failed; retrying', error: (error as Error).message }),
            });
          },
        },
        {
          provide: Notifier,
          inject: [EVENT_STORE, NOTIFICATION_OUTBOX, RULE_BOOK_SOURCE, WebhookDispatcher, KafkaNotificationPublisher, LoyaltyMetrics],
          useFactory: (
            events: EventStore,
            outbox: NotificationOutbox,
            rules: RuleBookSource,
            dispatcher: WebhookDispatcher,
            publisher: KafkaNotificationPublisher | null,
            metrics: LoyaltyMetrics,
          ) => {
            const derived = new Counter({ name: 'notifications_derived_total', help: 'Notifications derived from the ledger', registers: [metrics.registry] });
            const position = new Gauge({ name: 'notifier_position', help: 'The ledger position the notifier has committed', registers: [metrics.registry] });
            const logger = new Logger('notifications');
            return new Notifier(events, outbox, rules, {
              onCommitted: (at, count) => {
                derived.inc(count);
                position.set(Number(at));
                if (count > 0) {
                  dispatcher.wake();
                  publisher?.wake();
                }
              },
              onError: (error) =>
                logger.error({ msg: 'the notifier stopped on an error; it resumes from its checkpoint at the next start', error: (error as Error).message }),
            });
          },
        },
        {
          provide: NotificationScan,
          inject: [PROJECTION_STORE, PROJECTION_PROGRESS, NOTIFICATION_OUTBOX, RULE_BOOK_SOURCE],
          useFactory: (projections: ProjectionStore, progress: ProjectionProgress, outbox: NotificationOutbox, rules: RuleBookSource) =>
            new NotificationScan(projections, progress, outbox, rules, options.scan ?? DEFAULT_SCAN_SETTINGS),
        },
        NotificationsRuntime,
      ],
      exports: [Notifier, NotificationScan, WebhookDispatcher, NOTIFICATION_OUTBOX],
    };
  }
}
