// Test support (type:test-support): only tests may import it (lint refuses it in production code).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type Message } from 'kafkajs';
import { LoyaltyProducer, type MessageType, type PayloadOf } from '@loyalty/kafka-contracts';
import { KafkaIngestionConfig, loadKafkaIngestionConfig, whileRetriable } from '@loyalty/kafka-ingestion';
import type { LedgerCommand } from '@loyalty/ledger-domain';

/** The broker the global setup started (infra/kafka/kafka.sh). */
export function testBrokers(): string {
  return process.env.KAFKA_TEST_BROKERS ?? '127.0.0.1:9092';
}

export function testKafka(clientId = 'loyalty-test'): Kafka {
  return new Kafka({ clientId, brokers: testBrokers().split(','), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
}

/** A configuration on topics and a group of its own, so that test files never share state. */
export function isolatedKafkaConfig(overrides: Record<string, string> = {}): KafkaIngestionConfig {
  const id = randomUUID().slice(0, 8);
  const config = loadKafkaIngestionConfig({
    KAFKA_BROKERS: testBrokers(),
    KAFKA_TOPIC_PREFIX: `t${id}.`,
    KAFKA_GROUP_ID: `g${id}`,
    KAFKA_TOPIC_PARTITIONS: '4',
    ...overrides,
  });
  if (!config) throw new Error('unreachable');
  return config;
}

const COMMAND_TO_MESSAGE: Record<string, MessageType> = {
  RecordPurchase: 'purchase.recorded',
  RecordRefund: 'refund.recorded',
  RecordSurveyAnswer: 'survey.answered',
  RecordSupportContact: 'support-contact.recorded',
  EnrolCustomer: 'customer.enrolled',
};

/** The Kafka message an order system would send for a command (inverse of messageToCommand). */
export function commandMessage(command: LedgerCommand, messageId: string, config: KafkaIngestionConfig): { topic: string; message: Message } {
  const type = COMMAND_TO_MESSAGE[command.type];
  if (!type) throw new Error(`no message type for ${command.type}`);
  const { type: _type, ...payload } = command;
  const occurredAt = 'occurredAt' in command ? command.occurredAt : 'openedAt' in command ? command.openedAt : (command as { enrolledAt: string }).enrolledAt;
  const built = LoyaltyProducer.buildMessage(type, payload as unknown as PayloadOf[typeof type], 'test-producer', { messageId, occurredAt });
  return { topic: config.topic(built.topic), message: built.message };
}

/** Sends messages in order, grouped by topic, in chunks. */
export async function produceAll(kafka: Kafka, records: { topic: string; message: Message }[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 1000) {
      const byTopic = new Map<string, Message[]>();
      for (const r of records.slice(i, i + 1000)) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r.message]);
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * Retries an admin call on errors Kafka marks retriable: on a fresh broker the group
 * coordinator is still loading (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS) for a moment.
 */
export const retrying = whileRetriable;

/** Waits until the group has committed every partition of the topics up to their end. */
export async function waitForGroupToCatchUp(admin: Admin, groupId: string, topics: string[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let behind = 0;
    for (const topic of topics) {
      const ends = await retrying(() => admin.fetchTopicOffsets(topic));
      const [committed] = await retrying(() => admin.fetchOffsets({ groupId, topics: [topic] }));
      for (const end of ends) {
        const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const done = c === '-1' ? BigInt(end.low) : BigInt(c);
        behind += Number(BigInt(end.high) - done);
      }
    }
    if (behind === 0) return;
    if (Date.now() > deadline) throw new Error(`group ${groupId} still ${behind} messages behind after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** A workload as Kafka messages: duplicate deliveries repeat their original's message id. */
export function workloadMessages(
  items: { command: LedgerCommand; duplicate: boolean }[],
  config: KafkaIngestionConfig,
): { records: { topic: string; message: Message }[]; unique: LedgerCommand[] } {
  const ids = new Map<LedgerCommand, string>();
  const records: { topic: string; message: Message }[] = [];
  const unique: LedgerCommand[] = [];
  items.forEach((item, i) => {
    const messageId = ids.get(item.command) ?? `m-${i}`;
    ids.set(item.command, messageId);
    records.push(commandMessage(item.command, messageId, config));
    if (!item.duplicate) unique.push(item.command);
  });
  return { records, unique };
}

/** Creates the catalog's topics for a configuration (what the consumer would do at start). */
export async function createTopics(admin: Admin, config: KafkaIngestionConfig, topics: string[]): Promise<void> {
  await retrying(() =>
    admin.createTopics({ waitForLeaders: true, topics: topics.map((t) => ({ topic: config.topic(t), numPartitions: config.KAFKA_TOPIC_PARTITIONS })) }),
  );
}

/** Sum over partitions of the group's committed offsets (progress, for choosing kill points). */
export async function committedTotal(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  let total = 0;
  for (const topic of topics) {
    const [committed] = await retrying(() => admin.fetchOffsets({ groupId, topics: [topic] }));
    for (const p of committed?.partitions ?? []) if (p.offset !== '-1') total += Number(p.offset);
  }
  return total;
}
