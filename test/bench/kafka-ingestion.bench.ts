// Kafka → durable embedded ledger, next to a raw kafkajs consume of the same topic, in one run.
// Target (2 cores): pipeline >= 0.7 of the raw consume rate and >= 50k events/s.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { LOYALTY_TOPICS, LoyaltyProducer } from '@loyalty/kafka-contracts';
import { LedgerIngestionConsumer, loadKafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload } from '@loyalty/workload-generator';
import { retrying } from '@loyalty/kafka-test-kit';
import { benchDir, numberArg, peakRssMiB, rate, report } from './bench-support';

// Compiled to dist/test/bench: the workspace root is three levels up.
const root = join(__dirname, '..', '..', '..');

export async function benchKafkaIngestion(): Promise<void> {
  const messages = numberArg('messages', 200_000);
  const customers = numberArg('customers', 20_000);
  const chunkSize = numberArg('chunk', 5000);
  // 0: the consumer's configured default.
  const partitionsConcurrently = numberArg('partitions-concurrently', 0, { zeroAllowed: true });
  const started = spawnSync(join(root, 'infra', 'kafka', 'kafka.sh'), ['start'], { stdio: 'inherit' });
  if (started.status !== 0) throw new Error('could not start Kafka (infra/kafka/kafka.sh start)');
  const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const prefix = `bench${randomUUID().slice(0, 8)}.`;
  const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const topic = `${prefix}${LOYALTY_TOPICS.purchases}`;
  const admin = kafka.admin();
  await admin.connect();
  // A broker that has just started may not know its new partitions' leaders yet (a retriable error): retry as the tests do.
  await retrying(() =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [topic, `${prefix}${LOYALTY_TOPICS.surveyAnswers}`, `${prefix}${LOYALTY_TOPICS.supportContacts}`, `${prefix}${LOYALTY_TOPICS.deadLetters}`].map(
        (t) => ({ topic: t, numPartitions: 4 }),
      ),
    }),
  );

  // Produce the purchases.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const produceStart = performance.now();
  let batch: { key: string; value: string }[] = [];
  let n = 0;
  for (const { command } of generateWorkload({ seed: 3, customers, purchases: messages, refundRate: 0, surveyRate: 0, supportRate: 0, duplicateRate: 0 })) {
    if (command.type !== 'RecordPurchase') continue;
    const { type: _t, ...payload } = command;
    const built = LoyaltyProducer.buildMessage('purchase.recorded', payload, 'bench', { messageId: `b-${n++}`, occurredAt: command.occurredAt });
    batch.push({ key: built.message.key as string, value: built.message.value as string });
    if (batch.length === 5000) {
      await producer.send({ topic, acks: -1, messages: batch });
      batch = [];
    }
  }
  if (batch.length) await producer.send({ topic, acks: -1, messages: batch });
  await producer.disconnect();
  const produceMs = performance.now() - produceStart;

  // (a) Raw consume: no processing, same topic, its own group.
  const rawMs = await timeToDrain(kafka, topic, messages, async () => undefined);

  // (b) The ingestion pipeline into the durable SQLite ledger.
  const { dir, cleanup } = benchDir('kafka');
  const store = new SqliteEventStore({ file: join(dir, 'ledger.sqlite'), synchronous: 'FULL' });
  const ruleBook = new RuleBook([defaultProgramRules()]);
  const clock = { now: () => new Date('2026-06-01T00:00:00Z') };
  const writer = new LedgerWriter(store, { current: () => ruleBook }, clock, { cacheCapacity: customers });
  const config = loadKafkaIngestionConfig({
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_GROUP_ID: `${prefix}pipeline`,
    KAFKA_CREATE_TOPICS: 'false',
    KAFKA_CHUNK_SIZE: String(chunkSize),
    ...(partitionsConcurrently ? { KAFKA_PARTITIONS_CONCURRENTLY: String(partitionsConcurrently) } : {}),
  })!;
  let applied = 0;
  const consumer = new LedgerIngestionConsumer(kafka, writer, config, clock, {
    messages: (_t, outcome, count) => void (outcome === 'applied' && (applied += count)),
  });
  const pipelineStart = performance.now();
  await consumer.start();
  while (applied < messages) await new Promise((r) => setTimeout(r, 20));
  const pipelineMs = performance.now() - pipelineStart;
  await consumer.stop();
  const events = Number(await store.headPosition());
  await store.close();
  cleanup();
  await admin
    .deleteTopics({
      topics: [topic, `${prefix}${LOYALTY_TOPICS.surveyAnswers}`, `${prefix}${LOYALTY_TOPICS.supportContacts}`, `${prefix}${LOYALTY_TOPICS.deadLetters}`],
    })
    .catch(() => undefined);
  await admin.disconnect();

  const rawRate = rate(messages, rawMs);
  const pipelineRate = rate(messages, pipelineMs);
  report('kafka ingestion (real broker → durable SQLite ledger)', {
    'purchases produced': messages,
    'produce rate (msg/s)': rate(messages, produceMs),
    'raw kafkajs consume (msg/s)': rawRate,
    'partitions consumed concurrently': config.KAFKA_PARTITIONS_CONCURRENTLY,
    'commands per chunk': config.KAFKA_CHUNK_SIZE,
    'pipeline (purchases/s)': pipelineRate,
    'pipeline (ledger events/s)': rate(events, pipelineMs),
    'pipeline / raw consume': (pipelineRate / rawRate).toFixed(2),
    'peak RSS (MiB)': peakRssMiB(),
    target: 'ratio >= 0.70 and >= 50,000 events/s',
    verdict: pipelineRate / rawRate >= 0.7 && rate(events, pipelineMs) >= 50_000 ? 'MET' : 'NOT MET',
  });
}

/** Consumes the topic from the start with a fresh group until `expected` messages were seen. */
async function timeToDrain(kafka: Kafka, topic: string, expected: number, handle: () => Promise<void>): Promise<number> {
  const consumer = kafka.consumer({ groupId: `raw-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        await handle();
        if (seen >= expected) resolve();
      },
    });
  });
  const ms = performance.now() - start;
  await consumer.disconnect();
  return ms;
}

if (require.main === module) {
  benchKafkaIngestion().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
