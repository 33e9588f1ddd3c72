import { Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { CLOCK, LedgerWriter, LedgerWriterModule, type Clock } from '@loyalty/ledger-application';
import { LoyaltyMetrics } from '@loyalty/http-platform';
import { KafkaIngestionConfig } from './config/kafka-ingestion.config';
import { LedgerIngestionConsumer } from './consumer/ledger-ingestion.consumer';
import { DeadLetterBrowser } from './dead-letters/dead-letter-browser';
import { DeadLettersHttpController } from './dead-letters/dead-letters.http-controller';

/** Starts the consumer with the application and stops it (batch finished, offsets committed) with it. */
class IngestionLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly consumer: LedgerIngestionConsumer) {}
  onApplicationBootstrap(): Promise<void> {
    return this.consumer.start();
  }
  beforeApplicationShutdown(): Promise<void> {
    return this.consumer.stop();
  }
}

/** The kafkajs client of the app, its log lines JSON like the rest. */
function kafkaClient(config: KafkaIngestionConfig): Kafka {
  const logger = new Logger('kafka');
  return new Kafka({
    ...config.clientConfig(),
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, level, log }) => {
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
              log: (level, msg, fields) => (level === 'info' ? logger.log({ msg, ...fields }) : level === 'warn' ? logger.warn({ msg, ...fields }) : logger.error({ msg, ...fields })),
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
