import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type KafkaMessage } from 'kafkajs';
import { LOYALTY_TOPICS } from '@loyalty/kafka-contracts';
import type { KafkaIngestionConfig } from '../config/kafka-ingestion.config';
import { DLQ_HEADERS, headerText } from './dead-letter';

/** One dead letter as an operator sees it. */
export interface DeadLetterView {
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
  detail: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  failedAt: string;
  messageId: string | null;
  /** The original value as text (UTF-8), exactly as it arrived. */
  value: string | null;
}

/** Reads the dead-letter topic and re-drives chosen letters to the topic they came from. */
export class DeadLetterBrowser {
  constructor(
    private readonly kafka: Kafka,
    private readonly config: KafkaIngestionConfig,
  ) {}

  get topic(): string {
    return this.config.topic(LOYALTY_TOPICS.deadLetters);
  }

  /**
   * Every dead letter up to the topic's current end (at most `limit`), oldest first. A letter
   * written twice (a crash between the dead letter and the offset commit) is listed once.
   */
  async list(limit = 1000): Promise<DeadLetterView[]> {
    const raw = await this.readAll(limit);
    const seen = new Set<string>();
    const views: DeadLetterView[] = [];
    for (const { partition, message } of raw) {
      const view = toView(partition, message);
      const source = `${view.sourceTopic}/${view.sourcePartition}/${view.sourceOffset}`;
      if (seen.has(source)) continue;
      seen.add(source);
      views.push(view);
    }
    return views;
  }

  /** Publishes the chosen letters' original key, value and headers to their source topic again. */
  async redrive(selection: { partition: number; offset: string }[]): Promise<{ redriven: number; notFound: { partition: number; offset: string }[] }> {
    const wanted = new Set(selection.map((s) => `${s.partition}:${s.offset}`));
    const found = (await this.readAll(Number.MAX_SAFE_INTEGER)).filter(({ partition, message }) => wanted.has(`${partition}:${message.offset}`));
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      for (const { partition, message } of found) {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).filter(([k]) => !k.startsWith('dlq-')));
        const topic = headerText(message.headers, DLQ_HEADERS.sourceTopic);
        if (!topic) continue;
        await producer.send({ topic, acks: -1, messages: [{ key: message.key, value: message.value, headers: { ...headers, 'redriven-from': `${this.topic}/${partition}/${message.offset}` } }] });
      }
    } finally {
      await producer.disconnect();
    }
    const redriven = new Set(found.map(({ partition, message }) => `${partition}:${message.offset}`));
    return { redriven: redriven.size, notFound: selection.filter((s) => !redriven.has(`${s.partition}:${s.offset}`)) };
  }

  /** Reads from the start to the end offsets as they are now, with a throwaway group (no commits). */
  private async readAll(limit: number): Promise<{ partition: number; message: KafkaMessage }[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string; low: string }[];
    try {
      if (!(await admin.listTopics()).includes(this.topic)) return [];
      ends = (await admin.fetchTopicOffsets(this.topic)).map((o) => ({ partition: o.partition, high: o.high, low: o.low }));
    } finally {
      await admin.disconnect();
    }
    const pending = new Set(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => e.partition));
    if (pending.size === 0) return [];
    const highOf = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
    const out: { partition: number; message: KafkaMessage }[] = [];
    const consumer = this.kafka.consumer({ groupId: `loyalty-dlq-browser-${randomUUID()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out reading the dead-letter topic')), 60_000);
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) {
                if (BigInt(message.offset) >= (highOf.get(batch.partition) ?? 0n)) continue;
                if (out.length < limit) out.push({ partition: batch.partition, message });
                if (BigInt(message.offset) + 1n >= (highOf.get(batch.partition) ?? 0n)) pending.delete(batch.partition);
              }
              if (pending.size === 0 || out.length >= limit) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)));
  }
}

function toView(partition: number, message: KafkaMessage): DeadLetterView {
  const h = message.headers;
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    reason: headerText(h, DLQ_HEADERS.reason) ?? 'UNKNOWN',
    detail: headerText(h, DLQ_HEADERS.detail) ?? '',
    sourceTopic: headerText(h, DLQ_HEADERS.sourceTopic) ?? '',
    sourcePartition: Number(headerText(h, DLQ_HEADERS.sourcePartition) ?? -1),
    sourceOffset: headerText(h, DLQ_HEADERS.sourceOffset) ?? '',
    failedAt: headerText(h, DLQ_HEADERS.failedAt) ?? '',
    messageId: headerText(h, DLQ_HEADERS.messageId) ?? null,
    value: message.value?.toString('utf8') ?? null,
  };
}
