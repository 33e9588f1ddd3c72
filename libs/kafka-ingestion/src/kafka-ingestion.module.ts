import { Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { CLOCK, LedgerWriter, LedgerWriterModule, type Clock } from '@loyalty/ledger-application';
import { LoyaltyMetrics } from '@loyalty/http-platform';
import { KafkaIngestionConfig } from './config/kafka-ingestion.config';
import { LedgerIngestionConsumer } from './consumer/ledger-ingestion.consumer';
import { DeadLetterBrowser } from './dead-letters/dead-letter-browser';
import { DeadLettersHttpController } from './dead-letters/dead-letters.http-controller';

/**
 * Starts the consumer with the application, in the background: joining the group can take a
 * session timeout (a killed member's place is given up only then), and HTTP must not wait for
 * it. Readiness says 'joining' meanwhile. A start that fails is retried until shutdown; stop
 * finishes the batch in hand, commits it and leaves the group.
 */
class IngestionLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('kafka');
  private stopping = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly consumer: LedgerIngestionConsumer) {}

  onApplicationBootstrap(): void {
    this.startInBackground();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.retry) clearTimeout(this.retry);
    await this.consumer.stop();
  }

  private startInBackground(): void {
    const started = Date.now();
    this.consumer.start().then(
      () => this.logger.log({ msg: 'kafka consumer joined its group', ms: Date.now() - started }),
      async (error: unknown) => {
        if (this.stopping) return;
        this.logger.error({ msg: `kafka ingestion could not start; retried in ${START_RETRY_MS / 1000} s`, error: (error as Error).message });
        await this.consumer.stop().catch(() => undefined);
        if (this.stopping) return;
        this.retry = setTimeout(() => this.startInBackground(), START_RETRY_MS);
        this.retry.unref();
      },
    );
  }
}

const START_RETRY_MS = 5_000;

/** The kafkajs client of the app, its log lines JSON like the rest. */
function kafkaClient(config: KafkaIngestionConfig): Kafka {
  const logger = new Logger('kafka');
  return new Kafka({
    ...config.clientConfig(),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }) => {
        const { message, ...extra } = log;
        const fields = { msg: message, namespace, ...extra };
        if (level <= logLevel.ERROR) logger.error(fields);
        else logger.warn(fields);
      },
  });
}

/** Kafka ingestion for the app: the consumer group member and its metrics. */
@Module({})
export class KafkaIngestionModule {
  static forConfig(config: KafkaIngestionConfig): DynamicModule {
    const logger = new Logger('kafka');
    const kafka = kafkaClient(config);
    return {
      module: KafkaIngestionModule,
      imports: [LedgerWriterModule],
      providers: [
        { provide: KafkaIngestionConfig, useValue: config },
        { provide: Kafka, useValue: kafka },
        {
          provide: LedgerIngestionConsumer,
          inject: [LedgerWriter, CLOCK, LoyaltyMetrics],
          useFactory: (writer: LedgerWriter, clock: Clock, metrics: LoyaltyMetrics) =>
            new LedgerIngestionConsumer(kafka, writer, config, clock, {
              messages: (topic, outcome, count) => metrics.kafkaMessages.inc({ topic, outcome }, count),
              lag: (topic, partition, lag) => metrics.kafkaLag.set({ topic, partition: String(partition) }, lag),
              lagCleared: (topic, partition) => metrics.kafkaLag.remove({ topic, partition: String(partition) }),
              misrouted: (topic, count) => metrics.kafkaMisrouted.inc({ topic }, count),
              failure: (topic) => metrics.kafkaBatchFailures.inc({ topic }),
              log: (level, msg, fields) =>
                level === 'info' ? logger.log({ msg, ...fields }) : level === 'warn' ? logger.warn({ msg, ...fields }) : logger.error({ msg, ...fields }),
            }),
        },
        { provide: IngestionLifecycle, inject: [LedgerIngestionConsumer], useFactory: (consumer: LedgerIngestionConsumer) => new IngestionLifecycle(consumer) },
      ],
      exports: [LedgerIngestionConsumer],
    };
  }
}

/** Starts the dead-letter index with the application (in the background) and closes it with it. */
class DeadLetterIndexLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly browser: DeadLetterBrowser) {}
  onApplicationBootstrap(): void {
    this.browser.startFollowing();
  }
  beforeApplicationShutdown(): Promise<void> {
    return this.browser.close();
  }
}

/** The dead-letter endpoints, in every process that serves the HTTP API and knows the brokers (not only where the consumer runs). */
@Module({})
export class DeadLettersModule {
  static forConfig(config: KafkaIngestionConfig): DynamicModule {
    const browser = new DeadLetterBrowser(kafkaClient(config), config);
    return {
      module: DeadLettersModule,
      controllers: [DeadLettersHttpController],
      providers: [
        { provide: DeadLetterBrowser, useValue: browser },
        { provide: DeadLetterIndexLifecycle, useFactory: () => new DeadLetterIndexLifecycle(browser) },
      ],
    };
  }
}
