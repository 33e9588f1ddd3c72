import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { MESSAGE_CATALOG, MESSAGE_TYPES, type DecodeResult } from '@loyalty/kafka-contracts';
import type { CommandEnvelope, LedgerWriter } from '@loyalty/ledger-application';
import type { Clock } from '@loyalty/ledger-application';
import type { KafkaIngestionConfig } from '../config/kafka-ingestion.config';
import { deadLetterOf, deadLetterRecord, type DeadLetter } from '../dead-letters/dead-letter';
import { messageToCommand } from '../mapping/message-to-command';
import { MessageDecoder } from './message-decoder';
import { LOYALTY_TOPICS } from '@loyalty/kafka-contracts';

/** What the consumer reports; the app binds it to Prometheus and the JSON log. */
export interface IngestionObserver {
  messages?(topic: string, outcome: 'applied' | 'duplicate' | 'dead-lettered', count: number): void;
  lag?(topic: string, partition: number, lag: number): void;
  log?(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Kafka → ledger, with the effect of exactly once:
 *  - a fetched batch is cut into chunks; each chunk's valid messages go to the ledger in one
 *    executeBatch (grouped by customer, in partition order, so each customer stays in order);
 *  - invalid messages and ledger rejections go to the dead-letter topic, original bytes and all;
 *  - only then, once the ledger append and the dead letters are durable, the offsets are
 *    committed. A crash before the commit redelivers the chunk; the ledger recognises every
 *    source it already holds (duplicate), so nothing is applied twice.
 */
export class LedgerIngestionConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  /** In the calling thread until started; then as configured. */
  private decoder = MessageDecoder.start({ inThread: false });
  private started = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly writer: LedgerWriter,
    private readonly config: KafkaIngestionConfig,
    private readonly clock: Clock,
    private readonly observer: IngestionObserver = {},
  ) {
    this.consumer = kafka.consumer({
      groupId: config.KAFKA_GROUP_ID,
      sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
      rebalanceTimeout: config.KAFKA_REBALANCE_TIMEOUT_MS,
      heartbeatInterval: Math.min(3_000, Math.floor(config.KAFKA_SESSION_TIMEOUT_MS / 3)),
      allowAutoTopicCreation: false,
    });
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  topics(): string[] {
    return [...new Set(MESSAGE_TYPES.map((t) => this.config.topic(MESSAGE_CATALOG[t].topic)))];
  }

  async start(): Promise<void> {
    if (this.config.KAFKA_CREATE_TOPICS === 'true') await this.ensureTopics();
    this.decoder = MessageDecoder.start({
      inThread: this.config.KAFKA_DECODE_THREAD === 'true',
      onThreadFailure: (error) => this.observer.log?.('error', 'the decoder thread failed: decoding in the consumer thread from now on', { error: error.message }),
    });
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics(), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.KAFKA_PARTITIONS_CONCURRENTLY,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.started = true;
    this.observer.log?.('info', 'kafka ingestion started', { topics: this.topics(), group: this.config.KAFKA_GROUP_ID, decoderThread: this.decoder.threaded });
  }

  /** Finishes the batch in hand, commits it and leaves the group (kafkajs waits for eachBatch). */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.decoder.close();
    this.decoder = MessageDecoder.start({ inThread: false });
    this.observer.log?.('info', 'kafka ingestion stopped', {});
  }

  /** Calls back with this member's partitions after every rebalance. */
  onAssignment(listener: (assignment: Record<string, number[]>) => void): () => void {
    return this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => listener(event.payload.memberAssignment));
  }

  /** Resolves once the group has assigned this member its partitions (for tests and readiness). */
  waitForAssignment(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no partition assignment within ${timeoutMs} ms`)), timeoutMs);
      const remove = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        remove();
        resolve();
      });
    });
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const logicalTopic = this.config.logicalTopic(topic);
    const chunkSize = this.config.KAFKA_CHUNK_SIZE;
    const chunks: KafkaMessage[][] = [];
    for (let start = 0; start < batch.messages.length; start += chunkSize) chunks.push(batch.messages.slice(start, start + chunkSize));
    const decode = (chunk: KafkaMessage[]) => {
      const decoding = this.decoder.decode(logicalTopic, chunk);
      decoding.catch(() => undefined); // awaited below; a prefetch left unused must not count as unhandled
      return decoding;
    };
    // The next chunk is decoded (in the decoder thread) while the ledger takes this one.
    let next = chunks.length > 0 ? decode(chunks[0]) : null;
    for (let i = 0; i < chunks.length && next !== null; i++) {
      const decoded = await next;
      next = i + 1 < chunks.length ? decode(chunks[i + 1]) : null;
      if (!isRunning() || isStale()) return; // a rebalance took the partition: the new owner redoes the rest
      const chunk = chunks[i];
      await this.applyChunk(topic, partition, chunk, decoded);
      const last = chunk[chunk.length - 1].offset;
      resolveOffset(last);
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
      await heartbeat();
      const lag = Number(BigInt(batch.highWatermark) - BigInt(last) - 1n);
      this.observer.lag?.(topic, partition, Math.max(0, lag));
    }
  }

  private async applyChunk(topic: string, partition: number, messages: KafkaMessage[], decodedMessages: DecodeResult[]): Promise<void> {
    const envelopes: CommandEnvelope[] = [];
    const sources: KafkaMessage[] = [];
    const deadLetters: DeadLetter[] = [];
    messages.forEach((message, i) => {
      const decoded = decodedMessages[i];
      if (!decoded.ok) {
        deadLetters.push(deadLetterOf(topic, partition, message, decoded.reason, decoded.detail, decoded.messageId));
        return;
      }
      envelopes.push({
        command: messageToCommand(decoded.envelope),
        provenance: { channel: 'kafka', topic, partition, offset: message.offset, messageId: decoded.envelope.messageId },
        correlationId: decoded.envelope.messageId,
      });
      sources.push(message);
    });
    const results = envelopes.length > 0 ? await this.writer.executeBatch(envelopes) : [];
    let applied = 0;
    let duplicates = 0;
    results.forEach((result, i) => {
      if (result.status === 'accepted') applied++;
      else if (result.status === 'duplicate' || result.status === 'no-op') duplicates++;
      else {
        const messageId = envelopes[i].correlationId;
        deadLetters.push(deadLetterOf(topic, partition, sources[i], result.rejection.code, result.rejection.message, messageId));
      }
    });
    if (deadLetters.length > 0) {
      const failedAt = this.clock.now().toISOString();
      await this.producer.send({ topic: this.config.topic(LOYALTY_TOPICS.deadLetters), acks: -1, messages: deadLetters.map((d) => deadLetterRecord(d, failedAt)) });
      this.observer.log?.('warn', 'messages dead-lettered', { topic, partition, count: deadLetters.length, reasons: [...new Set(deadLetters.map((d) => d.reason))] });
    }
    this.observer.messages?.(topic, 'applied', applied);
    this.observer.messages?.(topic, 'duplicate', duplicates);
    this.observer.messages?.(topic, 'dead-lettered', deadLetters.length);
  }

  private async ensureTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const wanted = [...this.topics(), this.config.topic(LOYALTY_TOPICS.deadLetters)].filter((t) => !existing.has(t));
      if (wanted.length > 0) {
        await admin.createTopics({ waitForLeaders: true, topics: wanted.map((topic) => ({ topic, numPartitions: this.config.KAFKA_TOPIC_PARTITIONS, replicationFactor: -1 })) });
        this.observer.log?.('info', 'kafka topics created', { topics: wanted });
      }
    } finally {
      await admin.disconnect();
    }
  }
}
