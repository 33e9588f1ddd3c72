import { Inject, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { CLOCK, type Clock } from '@loyalty/ledger-application';
import type { KafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import {
  NOTIFICATION_SCAN,
  NotificationsModule,
  NOTIFICATIONS_TOPIC,
  type NotificationsOptions,
  type OutboxLocation,
  type ScanRunner,
} from '@loyalty/notifications';
import { dataFile, type AppConfig } from '../config/app-config';
import { PeriodicTask } from './periodic-task';

const SCAN_INTERVAL_MS = Symbol('SCAN_INTERVAL_MS');

/** The time-driven scan, every interval and once at start (a scan that was killed is redone over its window). */
class NotificationScanSchedule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('notifications');
  private readonly schedule: PeriodicTask;

  constructor(
    @Inject(NOTIFICATION_SCAN) private readonly scan: ScanRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SCAN_INTERVAL_MS) intervalMs: number,
  ) {
    this.schedule = new PeriodicTask(intervalMs, () => this.runOnce());
  }

  onApplicationBootstrap(): void {
    this.schedule.start({ runAtOnce: true });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }

  private async runOnce(): Promise<void> {
    try {
      const report = await this.scan.run(this.clock.now().toISOString());
      if (report.customers > 0) this.logger.log({ msg: 'notification scan', ...report });
    } catch (error) {
      this.logger.error({ msg: 'notification scan failed; it is redone at the next interval', error: (error as Error).message });
    }
  }
}

@Module({})
class NotificationScanScheduleModule {}

/**
 * Notifications as this deployment configures them: the outbox beside the other data files
 * (embedded) or beside the read models in PostgreSQL (scaled out), the Kafka sink when Kafka is there.
 */
export function notificationsFor(config: AppConfig, kafka: KafkaIngestionConfig | null, parts: NotificationsOptions['parts']): DynamicModule[] {
  const production = config.NODE_ENV === 'production';
  const outbox: OutboxLocation =
    config.READ_MODEL_STORE === 'postgres'
      ? { kind: 'postgres', url: config.READ_MODEL_POSTGRES_URL ?? '', schema: config.READ_MODEL_POSTGRES_SCHEMA }
      : { kind: 'sqlite', file: config.LEDGER_STORE === 'memory' ? ':memory:' : dataFile(config, 'notifications.sqlite') };
  return [
    NotificationsModule.forConfig({
      outbox,
      parts,
      ledgerFile: config.LEDGER_STORE === 'sqlite' ? dataFile(config, 'ledger.sqlite') : null,
      readModelsFile: config.LEDGER_STORE === 'sqlite' && config.READ_MODEL_STORE === 'sqlite' ? dataFile(config, 'read-models.sqlite') : null,
      allowHttpWebhooks: config.LOYALTY_WEBHOOKS_ALLOW_HTTP === undefined ? !production : config.LOYALTY_WEBHOOKS_ALLOW_HTTP === 'true',
      ...(config.LOYALTY_WEBHOOK_RETRY_SCHEDULE_MS ? { retryScheduleMs: config.LOYALTY_WEBHOOK_RETRY_SCHEDULE_MS.split(',').map(Number) } : {}),
      webhookTimeoutMs: config.LOYALTY_WEBHOOK_TIMEOUT_MS,
      scan: {
        expiringDaysBefore: config.LOYALTY_NOTIFY_EXPIRING_DAYS.split(',').map(Number),
        downgradeWarningDaysBefore: config.LOYALTY_NOTIFY_DOWNGRADE_WARNING_DAYS,
      },
      kafka: kafka
        ? {
            clientConfig: { ...kafka.clientConfig(), clientId: `${kafka.KAFKA_CLIENT_ID}-notifications` },
            topic: kafka.topic(NOTIFICATIONS_TOPIC),
            partitions: kafka.KAFKA_TOPIC_PARTITIONS,
            createTopic: kafka.KAFKA_CREATE_TOPICS === 'true',
          }
        : null,
    }),
    ...(parts === 'http'
      ? []
      : [
          {
            module: NotificationScanScheduleModule,
            providers: [{ provide: SCAN_INTERVAL_MS, useValue: config.LOYALTY_NOTIFICATION_SCAN_INTERVAL_SECONDS * 1000 }, NotificationScanSchedule],
          },
        ]),
  ];
}
