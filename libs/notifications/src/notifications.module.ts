import { Global, Inject, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap, type Provider } from '@nestjs/common';
import type { KafkaConfig } from 'kafkajs';
import { Gauge } from 'prom-client';
import type { EventStore } from '@loyalty/event-store';
import { LoyaltyMetrics } from '@loyalty/http-platform';
import { CLOCK, EVENT_STORE, RULE_BOOK_SOURCE, type Clock, type RuleBookSource } from '@loyalty/ledger-application';
import { PROJECTION_STORE, type ProjectionStore } from '@loyalty/projection-runner';
import { DEFAULT_SCAN_SETTINGS, type ScanSettings } from '@loyalty/read-models';
import { NotificationsHttpController } from './http/notifications.http-controller';
import { NotificationFeed } from './notifier/notification-feed';
import { NOTIFICATION_SCAN, NotificationScan, type ScanRunner } from './notifier/notification-scan';
import { NOTIFIER, Notifier, type RunningNotifier } from './notifier/notifier';
import { NOTIFICATION_OUTBOX, StaleNotifierWriterError, type NotificationOutbox } from './outbox/notification-outbox.port';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookEndpoints } from './webhooks/webhook-endpoints';
import { NotificationSinks, openNotificationOutbox, type OutboxLocation, type SinksSetup } from './sinks/notification-sinks';

export interface NotificationsOptions {
  /** The outbox: a SQLite file of the data folder (':memory:' for an in-memory ledger), or PostgreSQL beside the read models when scaled out. */
  outbox: OutboxLocation;
  /**
   * What this process does: `all` (the embedded app: the notifier, the scan and the sinks, and
   * the HTTP API), `runtime` (role notifier: no HTTP API), `http` (an API instance: endpoints,
   * feed and delivery log over the shared outbox; another process notifies).
   */
  parts: 'all' | 'runtime' | 'http';
  allowHttpWebhooks: boolean;
  retryScheduleMs?: readonly number[];
  webhookTimeoutMs: number;
  scan: ScanSettings;
  /** The ledger's SQLite file: the notifier then runs in the notifications thread beside the sinks (null: here, on the app's event store). */
  ledgerFile: string | null;
  /** The read models' SQLite file: with `ledgerFile`, the scan runs in the notifications thread too (null: here, on the app's read store). */
  readModelsFile: string | null;
  /** The Kafka sink: the client's configuration and the topic as the cluster names it; null without Kafka. */
  kafka: { clientConfig: KafkaConfig; topic: string; partitions: number; createTopic: boolean } | null;
}

const OPTIONS = Symbol('NOTIFICATIONS_OPTIONS');

/**
 * Starts the notifier and the sinks with the app, as the outbox's writer (a new epoch: a notifier
 * still running elsewhere is fenced off), and stops them before the stores close.
 */
class NotificationsRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('notifications');
  constructor(
    @Inject(NOTIFIER) private readonly notifier: RunningNotifier,
    private readonly sinks: NotificationSinks,
    @Inject(NOTIFICATION_OUTBOX) private readonly outbox: NotificationOutbox,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const epoch = await this.outbox.claimWriter();
    this.logger.log({ msg: 'notifier started as the outbox writer', writerEpoch: epoch, from: (await this.outbox.checkpoint('notifier')) ?? '0' });
    await this.notifier.start();
    await this.sinks.start(epoch);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.notifier.stop();
    await this.sinks.stop();
  }
}

/** Closes the outbox last (after the runtime has stopped with it). */
class OutboxCloser implements BeforeApplicationShutdown {
  constructor(@Inject(NOTIFICATION_OUTBOX) private readonly outbox: NotificationOutbox) {}
  async beforeApplicationShutdown(): Promise<void> {
    await this.outbox.close();
  }
}

/** Where no sinks run here (an API instance): a change of endpoints is seen by the notifier's next poll. */
const NO_SINKS = { wake: () => undefined };

/**
 * Outbound notifications (issue 21): the notifier following the ledger, the time-driven scan,
 * the outbox, and its sinks (signed webhooks; the Kafka topic when Kafka is configured). Runs
 * in the embedded app (role `all`) beside the projector, whose read models the scan reads.
 */
@Global()
@Module({})
export class NotificationsModule {
  static forConfig(options: NotificationsOptions): DynamicModule {
    const runtime = options.parts !== 'http';
    const http = options.parts !== 'runtime';
    // The notifier beside the sinks in their thread: both stores are files another thread can open.
    const threaded = options.ledgerFile !== null && !(options.outbox.kind === 'sqlite' && options.outbox.file === ':memory:');
    const common: Provider[] = [
      { provide: OPTIONS, useValue: options },
      { provide: NOTIFICATION_OUTBOX, useFactory: () => openNotificationOutbox(options.outbox) },
      OutboxCloser,
      {
        provide: NOTIFICATION_SCAN,
        inject: [PROJECTION_STORE, NOTIFICATION_OUTBOX, RULE_BOOK_SOURCE, { token: NotificationSinks, optional: true }],
        useFactory: (projections: ProjectionStore, outbox: NotificationOutbox, rules: RuleBookSource, sinks: NotificationSinks | undefined): ScanRunner =>
          sinks?.scansInThread ? sinks.threadedScan : new NotificationScan(projections, outbox, rules, options.scan ?? DEFAULT_SCAN_SETTINGS),
      },
    ];
    const runtimeProviders: Provider[] = [
      {
        provide: NotificationSinks,
        inject: [NOTIFICATION_OUTBOX, LoyaltyMetrics, RULE_BOOK_SOURCE],
        useFactory: (outbox: NotificationOutbox, metrics: LoyaltyMetrics, rules: RuleBookSource) => {
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
            outbox: options.outbox,
            ...(threaded && options.ledgerFile ? { notifier: { ledgerFile: options.ledgerFile, rules: [] } } : {}),
            ...(threaded && options.readModelsFile
              ? { scan: { readModelsFile: options.readModelsFile, settings: options.scan ?? DEFAULT_SCAN_SETTINGS } }
              : {}),
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
              if (event.kind === 'attempts') metrics.webhookAttempts.inc({ outcome: event.status }, event.count);
              else if (event.kind === 'published') metrics.notificationsPublished.inc(event.count);
              else if (event.kind === 'derived') {
                metrics.notificationsDerived.inc(event.count);
                metrics.notifierPosition.set(Number(event.position));
              } else if (event.kind === 'fenced')
                logger.error({ msg: 'notification sinks stopped: another notifier took over the outbox', error: event.message });
              else logger.warn({ msg: `notification sink: ${event.sink}`, error: event.message });
            },
            outbox,
            rules,
          );
        },
      },
      {
        provide: NOTIFIER,
        inject: [EVENT_STORE, NOTIFICATION_OUTBOX, RULE_BOOK_SOURCE, NotificationSinks, LoyaltyMetrics],
        useFactory: (events: EventStore, outbox: NotificationOutbox, rules: RuleBookSource, sinks: NotificationSinks, metrics: LoyaltyMetrics) => {
          if (threaded) return sinks.threadedNotifier;
          const logger = new Logger('notifications');
          return new Notifier(events, outbox, rules, {
            onCommitted: (at, count) => {
              metrics.notificationsDerived.inc(count);
              metrics.notifierPosition.set(Number(at));
              if (count > 0) sinks.wake();
            },
            onError: (error) =>
              error instanceof StaleNotifierWriterError
                ? logger.error({ msg: 'the notifier stopped: another notifier took over the outbox', error: error.message })
                : logger.error({ msg: 'the notifier stopped on an error; it resumes from its checkpoint at the next start', error: (error as Error).message }),
          });
        },
      },
      NotificationsRuntime,
    ];
    const httpProviders: Provider[] = [
      {
        // This process's dispatcher: re-sends asked through the API (the sinks' own loops run in their thread or process).
        provide: WebhookDispatcher,
        inject: [NOTIFICATION_OUTBOX],
        useFactory: (outbox: NotificationOutbox) =>
          new WebhookDispatcher(outbox, {
            ...(options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {}),
            timeoutMs: options.webhookTimeoutMs,
          }),
      },
      {
        provide: WebhookEndpoints,
        inject: [NOTIFICATION_OUTBOX, WebhookDispatcher, CLOCK, { token: NotificationSinks, optional: true }],
        useFactory: (outbox: NotificationOutbox, dispatcher: WebhookDispatcher, clock: Clock, sinks: NotificationSinks | undefined) =>
          new WebhookEndpoints(outbox, dispatcher, sinks ?? NO_SINKS, { allowHttp: options.allowHttpWebhooks, now: () => clock.now() }),
      },
      { provide: NotificationFeed, inject: [NOTIFICATION_OUTBOX], useFactory: (outbox: NotificationOutbox) => new NotificationFeed(outbox) },
    ];
    return {
      module: NotificationsModule,
      controllers: http ? [NotificationsHttpController] : [],
      providers: [...common, ...(runtime ? runtimeProviders : []), ...(http ? httpProviders : [])],
      exports: [NOTIFICATION_SCAN, NOTIFICATION_OUTBOX, ...(runtime ? [NOTIFIER] : [])],
    };
  }
}
