import { Global, Inject, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import type { KafkaConfig } from 'kafkajs';
import { Gauge } from 'prom-client';
import type { EventStore } from '@loyalty/event-store';
import { LoyaltyMetrics } from '@loyalty/http-platform';
import { CLOCK, EVENT_STORE, RULE_BOOK_SOURCE, type Clock, type RuleBookSource } from '@loyalty/ledger-application';
import { PROJECTION_PROGRESS, PROJECTION_STORE, type ProjectionProgress, type ProjectionStore } from '@loyalty/projection-runner';
import { DEFAULT_SCAN_SETTINGS, type ScanSettings } from '@loyalty/read-models';
import { NotificationsHttpController } from './http/notifications.http-controller';
import { NotificationFeed } from './notifier/notification-feed';
import { NotificationScan } from './notifier/notification-scan';
import { Notifier } from './notifier/notifier';
import { NOTIFICATION_OUTBOX, type NotificationOutbox } from './outbox/notification-outbox.port';
import { SqliteNotificationOutbox } from './outbox/sqlite-notification-outbox';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookEndpoints } from './webhooks/webhook-endpoints';
import { NotificationSinks, type SinksSetup } from './sinks/notification-sinks';

export interface NotificationsOptions {
  /** The outbox's SQLite file (':memory:' for an in-memory ledger). */
  outboxFile: string;
  allowHttpWebhooks: boolean;
  retryScheduleMs?: readonly number[];
  webhookTimeoutMs: number;
  scan: ScanSettings;
  /** The Kafka sink: the client's configuration and the topic as the cluster names it; null without Kafka. */
  kafka: { clientConfig: KafkaConfig; topic: string; partitions: number; createTopic: boolean } | null;
}

const OPTIONS = Symbol('NOTIFICATIONS_OPTIONS');

/** Starts the notifier and the sinks with the app, and stops them before the stores close. */
class NotificationsRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly notifier: Notifier,
    private readonly sinks: NotificationSinks,
    @Inject(NOTIFICATION_OUTBOX) private readonly outbox: NotificationOutbox,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.notifier.start();
    await this.sinks.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.notifier.stop();
    await this.sinks.stop();
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
          // The main thread's dispatcher: re-sends asked through the API (the sinks' own loops run in their thread).
          provide: WebhookDispatcher,
          inject: [NOTIFICATION_OUTBOX],
          useFactory: (outbox: NotificationOutbox) =>
            new WebhookDispatcher(outbox, {
              ...(options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {}),
              timeoutMs: options.webhookTimeoutMs,
            }),
        },
        {
          provide: NotificationSinks,
          inject: [NOTIFICATION_OUTBOX, LoyaltyMetrics],
          useFactory: (outbox: NotificationOutbox, metrics: LoyaltyMetrics) => {
            // Measured at each scrape from the outbox (the other notification metrics are LoyaltyMetrics').
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
            const logger = new Logger('notifications');
            const setup: SinksSetup = {
              outboxFile: options.outboxFile,
              webhooks: { ...(options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {}), timeoutMs: options.webhookTimeoutMs },
              kafka: options.kafka
                ? {
                    clientConfig: options.kafka.clientConfig,
                    topic: options.kafka.topic,
                    partitions: options.kafka.partitions,
                    createTopic: options.kafka.createTopic,
                  }
                : null,
            };
            return new NotificationSinks(
              setup,
              (event) => {
                if (event.kind === 'attempt') metrics.webhookAttempts.inc({ outcome: event.status });
                else if (event.kind === 'published') metrics.notificationsPublished.inc(event.count);
                else logger.warn({ msg: `notification sink: ${event.sink}`, error: event.message });
              },
              outbox,
            );
          },
        },
        {
          provide: WebhookEndpoints,
          inject: [NOTIFICATION_OUTBOX, WebhookDispatcher, NotificationSinks, CLOCK],
          useFactory: (outbox: NotificationOutbox, dispatcher: WebhookDispatcher, sinks: NotificationSinks, clock: Clock) =>
            new WebhookEndpoints(outbox, dispatcher, sinks, { allowHttp: options.allowHttpWebhooks, now: () => clock.now() }),
        },
        { provide: NotificationFeed, inject: [NOTIFICATION_OUTBOX], useFactory: (outbox: NotificationOutbox) => new NotificationFeed(outbox) },
        {
          provide: Notifier,
          inject: [EVENT_STORE, NOTIFICATION_OUTBOX, RULE_BOOK_SOURCE, NotificationSinks, LoyaltyMetrics],
          useFactory: (events: EventStore, outbox: NotificationOutbox, rules: RuleBookSource, sinks: NotificationSinks, metrics: LoyaltyMetrics) => {
            const logger = new Logger('notifications');
            return new Notifier(events, outbox, rules, {
              onCommitted: (at, count) => {
                metrics.notificationsDerived.inc(count);
                metrics.notifierPosition.set(Number(at));
                if (count > 0) sinks.wake();
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
      exports: [Notifier, NotificationScan, NOTIFICATION_OUTBOX],
    };
  }
}
