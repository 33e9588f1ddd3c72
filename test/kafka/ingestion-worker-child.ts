// Child process of the Kafka crash and group tests: one consumer-group member writing to a
// SQLite ledger. Configured by KAFKA_* variables; prints `assigned <json>` after each rebalance;
// SIGTERM stops it gracefully (batch finished, offsets committed, group left).
import { Kafka, logLevel } from 'kafkajs';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { LedgerIngestionConsumer, loadKafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';

async function main(): Promise<void> {
  const config = loadKafkaIngestionConfig();
  if (!config) throw new Error('KAFKA_BROKERS is required');
  const store = new SqliteEventStore({ file: process.argv[2] });
  const ruleBook = new RuleBook([defaultProgramRules()]);
  const clock = { now: () => new Date('2026-06-01T00:00:00Z') };
  const writer = new LedgerWriter(store, { current: () => ruleBook }, clock);
  const kafka = new Kafka({ ...config.clientConfig(), logLevel: logLevel.NOTHING });
  const consumer = new LedgerIngestionConsumer(kafka, writer, config, clock);
  consumer.onAssignment((assignment) => process.stdout.write(`assigned ${JSON.stringify(assignment)}\n`));
  process.on('SIGTERM', () => {
    void consumer.stop().then(async () => {
      await store.close();
      process.stdout.write('stopped\n');
      process.exit(0);
    });
  });
  await consumer.start();
  process.stdout.write('started\n');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
