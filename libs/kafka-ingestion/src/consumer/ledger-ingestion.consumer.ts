import { KafkaJSError, Partitioners, type Admin, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { MESSAGE_CATALOG, MESSAGE_TYPES, type DecodeResult } from '@loyalty/kafka-contracts';
import type { CommandEnvelope, LedgerWriter } from '@loyalty/ledger-application';
import type { Clock } from '@loyalty/ledger-application';
import { whileRetriable } from '../broker/while-retriable';
import type { KafkaIngestionConfig } from '../config/kafka-ingestion.config';
import { deadLetterOf, deadLetterRecord, type DeadLetter } from '../dead-letters/dead-letter';
import { messageToCommand } from '../mapping/message-to-command';
import { MessageDecoder } from './message-decoder';
import { LOYALTY_TOPICS } from '@loyalty/kafka-contracts';

/** What the consumer reports; the app binds it to Prometheus and the JSON log. */
export interface IngestionObserver {
  messages?(topic: string, outcome: 'applied' | 'duplicate' | 'dead-lettered', count: number): void;
  lag?(topic: string, partition: number, lag: number): void;
  /** A partition no longer this member's: its lag is someone else's to report. */
  lagCleared?(topic: string, partition: number): void;
  /** Messages whose key does not hash (Java murmur2) to the partition they are on. */
  misrouted?(topic: string, count: number): void;
  /** A batch could not be applied (the ledger or the broker failed): it is retried. */
  failure?(topic: string): void;
  log?(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
}

/** Where the consumer stands, for readiness and operators. */
export interface ConsumerHealth {
  state: 'stopped' | 'joining' | 'consuming' | 'failing' | 'crashed';
  /** This member's partitions, by topic. */
  assignment: Record<string, number[]>;
  /** Messages behind, per topic and partition (committed offset to the end), as last measured. */
  lag: Record<string, Record<string, number>>;
  /** Attempts in a row that failed (a batch the ledger or the broker could not take), since the last success. */
  consecutiveFailures: number;
  lastFailure: { at: string; error: string } | null;
  /** Restarts after a crash, in all. */
  restarts: number;
  lastBatchAt: string | null;
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
  private admin: Admin | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private readonly partitionCounts = new Map<string, number>();
  private readonly partitionOf = Partitioners.DefaultPartitioner();
  private readonly status: ConsumerHealth = {
    state: 'stopped',
    assignment: {},
    lag: {},
    consecutiveFailures: 0,
    lastFailure: null,
    restarts: 0,
    lastBatchAt: null,
  };

  constructor(
    private readonly kafka: Kafka,
    private readonly writer: LedgerWriter,
    private readonly config: KafkaIngestionConfig,
    private readonly clock: Clock,
    private readonly observer: IngestionObserver = {},
  ) {
    this.consumer = kafka.consumer({
      groupId: config.groupId(),
      sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
      rebalanceTimeout: config.KAFKA_REBALANCE_TIMEOUT_MS,
      heartbeatInterval: Math.min(3_000, Math.floor(config.KAFKA_SESSION_TIMEOUT_MS / 3)),
      allowAutoTopicCreation: false,
      // A batch that fails is retried with backoff (a failure of the ledger or the broker: a message's
      // own failures are dead-lettered, never thrown); after the retries the consumer restarts, always.
      retry: {
        initialRetryTime: 500,
        maxRetryTime: 30_000,
        retries: 8,
        restartOnFailure: async (error) => {
          this.status.restarts++;
          this.observer.log?.('error', 'kafka consumer crashed: restarting it', { error: error.message, restarts: this.status.restarts });
          return true;
        },
      },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.status.assignment = event.payload.memberAssignment;
      if (this.status.state === 'joining' || this.status.state === 'crashed') this.status.state = 'consuming';
      void this.measureLag();
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.status.state = event.payload.restart ? 'failing' : 'crashed';
      this.status.lastFailure = { at: this.clock.now().toISOString(), error: event.payload.error.message };
    });
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  topics(): string[] {
    return [...new Set(MESSAGE_TYPES.map((t) => this.config.topic(MESSAGE_CATALOG[t].topic)))];
  }

  /** Where the consumer stands (state, assignment, lag, failures): what readiness reports. */
  health(): ConsumerHealth {
    return structuredClone(this.status);
  }

  async start(): Promise<void> {
    this.status.state = 'joining';
    // Started from here on: a stop (at shutdown, or after a failed start) undoes whatever part of this was done.
    this.started = true;
    if (this.config.KAFKA_CREATE_TOPICS === 'true') await this.ensureTopics();
    // Lag from the first second: measured from the group's committed offsets and the partitions' ends,
    // for this member's partitions, whether or not a batch has been processed yet.
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.lagTimer = setInterval(() => void this.measureLag(), this.config.KAFKA_LAG_INTERVAL_MS);
    this.lagTimer.unref();
    this.decoder = MessageDecoder.start({
      inThread: this.config.KAFKA_DECODE_THREAD === 'true',
      onThreadFailure: (error) =>
        this.observer.log?.('error', 'the decoder thread failed: decoding in the consumer thread from now on', { error: error.message }),
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
    this.observer.log?.('info', 'kafka ingestion started', { topics: this.topics(), group: this.config.groupId(), decoderThread: this.decoder.threaded });
  }

  /** Finishes the batch in hand, commits it and leaves the group (kafkajs waits for eachBatch). */
  async stop(): Promise<void> {
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.lagTimer = null;
    await this.admin?.disconnect();
    this.admin = null;
    if (!this.started) return;
    this.started = false;
    this.status.state = 'stopped';
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

  /**
   * A batch, applied; a failure of the ledger or the broker is thrown as retriable (kafkajs
   * retries it with backoff, then restarts the consumer) and shows in health() and the metrics.
   */
  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    try {
      await this.applyBatch(payload);
      this.status.consecutiveFailures = 0;
      this.status.lastBatchAt = this.clock.now().toISOString();
      if (this.status.state !== 'stopped') this.status.state = 'consuming';
    } catch (error) {
      this.status.consecutiveFailures++;
      this.status.state = 'failing';
      this.status.lastFailure = { at: this.clock.now().toISOString(), error: (error as Error)?.message ?? String(error) };
      this.observer.failure?.(payload.batch.topic);
      this.observer.log?.('error', 'a batch could not be applied; it is retried', {
        topic: payload.batch.topic,
        partition: payload.batch.partition,
        error: this.status.lastFailure.error,
        consecutiveFailures: this.status.consecutiveFailures,
      });
      throw error instanceof KafkaJSError ? error : new KafkaJSError(error as Error, { retriable: true });
    }
  }

  private async applyBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    await this.countMisrouted(topic, partition, batch.messages);
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
      this.reportLag(topic, partition, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n)));
    }
  }

  private reportLag(topic: string, partition: number, lag: number): void {
    (this.status.lag[topic] ??= {})[String(partition)] = lag;
    this.observer.lag?.(topic, partition, lag);
  }

  /** The lag of every partition assigned to this member, from the group's committed offsets and the partitions' ends. */
  private async measureLag(): Promise<void> {
    const admin = this.admin;
    if (!admin) return;
    try {
      const assigned = this.status.assignment;
      for (const topic of Object.keys(this.status.lag)) {
        for (const partition of Object.keys(this.status.lag[topic])) {
          if (!(assigned[topic] ?? []).includes(Number(partition))) {
            delete this.status.lag[topic][partition];
            this.observer.lagCleared?.(topic, Number(partition));
          }
        }
      }
      const topics = Object.keys(assigned).filter((t) => assigned[t].length > 0);
      if (topics.length === 0) return;
      const committed = await admin.fetchOffsets({ groupId: this.config.groupId(), topics });
      for (const topic of topics) {
        const ends = await whileRetriable(() => admin.fetchTopicOffsets(topic), 4);
        this.partitionCounts.set(topic, ends.length);
        const offsets = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const partition of assigned[topic]) {
          const end = ends.find((e) => e.partition === partition);
          if (!end) continue;
          const at = offsets.find((o) => o.partition === partition)?.offset ?? '-1';
          const from = at === '-1' ? BigInt(end.low) : BigInt(at);
          this.reportLag(topic, partition, Math.max(0, Number(BigInt(end.high) - from)));
        }
      }
    } catch (error) {
      this.observer.log?.('warn', 'could not measure the consumer lag; trying again at the next interval', { error: (error as Error).message });
    }
  }

  /**
   * Producers must key by customer id with the Java client's partitioner (murmur2), or one
   * customer's messages spread over partitions and lose their order. A message whose key hashes
   * to another partition is counted (metric and a warning), and applied all the same.
   */
  private async countMisrouted(topic: string, partition: number, messages: KafkaMessage[]): Promise<void> {
    let partitions = this.partitionCounts.get(topic);
    if (partitions === undefined && this.admin) {
      const admin = this.admin;
      partitions = (await whileRetriable(() => admin.fetchTopicOffsets(topic))).length;
      this.partitionCounts.set(topic, partitions);
    }
    if (!partitions) return;
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    let misrouted = 0;
    let example: string | null = null;
    for (const message of messages) {
      if (message.key === null) continue;
      if (this.partitionOf({ topic, partitionMetadata, message: { key: message.key, value: null } }) !== partition) {
        misrouted++;
        example ??= message.key.toString('utf8');
      }
    }
    if (misrouted === 0) return;
    this.observer.misrouted?.(topic, misrouted);
    this.observer.log?.(
      'warn',
      'messages keyed to another partition than murmur2 of their key gives: set the producer to the Java-compatible partitioner (kcat: -X partitioner=murmur2_random)',
      {
        topic,
        partition,
        count: misrouted,
        exampleKey: example,
      },
    );
  }

  private async applyChunk(topic: string, partition: number, messages: KafkaMessage[], decodedMessages: DecodeResult[]): Promise<void> {
    const envelopes: CommandEnvelope[] = [];
    const sources: KafkaMessage[] = [];
    const deadLetters: DeadLetter[] = [];
    messages.forEach((message, i) => {
      const decoded = decodedMessages[i];
      if (!decoded.ok) {
        deadLetters.push(deadLetterOf(topic, partition, message, decoded.reason, decoded.detail, decoded.messageId, decoded.field));
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
        const field = result.rejection.details?.field;
        deadLetters.push(
          deadLetterOf(
            topic,
            partition,
            sources[i],
            result.rejection.code,
            result.rejection.message,
            messageId,
            typeof field === 'string' ? `payload.${field}` : undefined,
          ),
        );
      }
    });
    if (deadLetters.length > 0) {
      const failedAt = this.clock.now().toISOString();
      await this.producer.send({
        topic: this.config.topic(LOYALTY_TOPICS.deadLetters),
        acks: -1,
        messages: deadLetters.map((d) => deadLetterRecord(d, failedAt)),
      });
      this.observer.log?.('warn', 'messages dead-lettered', {
        topic,
        partition,
        count: deadLetters.length,
        reasons: [...new Set(deadLetters.map((d) => d.reason))],
      });
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
        await admin.createTopics({
          waitForLeaders: true,
          topics: wanted.map((topic) => ({ topic, numPartitions: this.config.KAFKA_TOPIC_PARTITIONS, replicationFactor: -1 })),
        });
        this.observer.log?.('info', 'kafka topics created', { topics: wanted });
      }
    } finally {
      await admin.disconnect();
    }
  }
}
