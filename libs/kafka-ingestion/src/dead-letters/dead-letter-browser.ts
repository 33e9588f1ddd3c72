import { randomUUID } from 'node:crypto';
import { Partitioners, type Consumer, type Kafka, type KafkaMessage } from 'kafkajs';
import { LOYALTY_TOPICS } from '@loyalty/kafka-contracts';
import { whileRetriable } from '../broker/while-retriable';
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
  /** The field to blame, when one is (payload.amount, key, ...). */
  field: string | null;
  /** The original value as text (UTF-8), exactly as it arrived. */
  value: string | null;
  /** Set once the letter was published to its source topic again. */
  redriven: { at: string; by: string } | null;
}

export interface DeadLetterQuery {
  /** The `nextAfter` of the previous page. */
  after?: string;
  limit: number;
  reason?: string;
  sourceTopic?: string;
  status?: 'pending' | 'redriven';
}

export interface DeadLetterPage {
  topic: string;
  items: DeadLetterView[];
  /** Pass as `after` for the next page; null on the last. */
  nextAfter: string | null;
  /** Letters matching the filters, in all. */
  total: number;
}

/** What a re-drive did: letters published again, and those not found. */
export interface RedriveResponse {
  redriven: number;
  notFound: { partition: number; offset: string }[];
}

/** Where a letter sits in the one order of the list: when it failed, then its place in the topic. */
function cursorOf(letter: DeadLetterView): string {
  return `${letter.failedAt}|${String(letter.partition).padStart(6, '0')}|${letter.offset.padStart(20, '0')}`;
}

/**
 * The dead letters, every one of them reachable: this follows the dead-letter topic from its
 * start (a group of its own, no commits) and the re-drive marks beside it, and keeps an index in
 * memory, ordered by failure time then place. Pages by cursor, filters by reason, source topic
 * and status; a letter written twice (a crash between the dead letter and the offset commit) is
 * listed once. Re-driving publishes the originals to their source topics and marks each letter
 * (on the marks topic, so every instance sees it).
 */
export class DeadLetterBrowser {
  private consumer: Consumer | null = null;
  private starting: Promise<void> | null = null;
  private readonly letters: DeadLetterView[] = [];
  private readonly byPlace = new Map<string, DeadLetterView>();
  private readonly seenSources = new Set<string>();
  private readonly marks = new Map<string, { at: string; by: string }>();
  /** How far this index has read, per topic and partition (the next offset). */
  private readonly readUpTo = new Map<string, bigint>();

  constructor(
    private readonly kafka: Kafka,
    private readonly config: KafkaIngestionConfig,
  ) {}

  get topic(): string {
    return this.config.topic(LOYALTY_TOPICS.deadLetters);
  }

  get marksTopic(): string {
    return this.config.topic(LOYALTY_TOPICS.deadLetterRedrives);
  }

  /** A page of letters, once the index has read both topics up to their ends as they are now. */
  async page(query: DeadLetterQuery): Promise<DeadLetterPage> {
    await this.caughtUp();
    const matching = this.letters.filter(
      (l) =>
        (query.reason === undefined || l.reason === query.reason) &&
        (query.sourceTopic === undefined || l.sourceTopic === query.sourceTopic) &&
        (query.status === undefined || (query.status === 'redriven') === (l.redriven !== null)),
    );
    const start = query.after === undefined ? 0 : matching.findIndex((l) => cursorOf(l) > (query.after as string));
    const items = start < 0 ? [] : matching.slice(start, start + query.limit);
    const more = start >= 0 && start + query.limit < matching.length;
    return { topic: this.topic, items, nextAfter: more ? cursorOf(items[items.length - 1]) : null, total: matching.length };
  }

  /** Every letter (for tests and small topics); pages through them. */
  async list(): Promise<DeadLetterView[]> {
    const all: DeadLetterView[] = [];
    for (let after: string | undefined; ;) {
      const page = await this.page({ after, limit: 10_000 });
      all.push(...page.items);
      if (page.nextAfter === null) return all;
      after = page.nextAfter;
    }
  }

  /** Publishes the chosen letters' original key, value and headers to their source topic again, and marks them. */
  async redrive(selection: { partition: number; offset: string }[], by = 'unknown'): Promise<RedriveResponse> {
    await this.caughtUp();
    const found = selection.map((s) => this.byPlace.get(`${s.partition}:${s.offset}`)).filter((l): l is DeadLetterView => l !== undefined);
    const originals = await this.originals(found);
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const at = new Date().toISOString();
    try {
      for (const letter of found) {
        const message = originals.get(`${letter.partition}:${letter.offset}`);
        if (!message || !letter.sourceTopic) continue;
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).filter(([k]) => !k.startsWith('dlq-')));
        await producer.send({
          topic: letter.sourceTopic,
          acks: -1,
          messages: [
            { key: message.key, value: message.value, headers: { ...headers, 'redriven-from': `${this.topic}/${letter.partition}/${letter.offset}` } },
          ],
        });
        await producer.send({
          topic: this.marksTopic,
          acks: -1,
          messages: [{ key: `${letter.partition}:${letter.offset}`, value: JSON.stringify({ at, by }) }],
        });
        this.mark(`${letter.partition}:${letter.offset}`, { at, by });
      }
    } finally {
      await producer.disconnect();
    }
    const redriven = new Set(found.map((l) => `${l.partition}:${l.offset}`));
    return { redriven: redriven.size, notFound: selection.filter((s) => !redriven.has(`${s.partition}:${s.offset}`)) };
  }

  /** Begins reading both topics in the background (a first page then answers sooner). */
  startFollowing(): void {
    this.starting ??= this.follow();
    this.starting.catch(() => (this.starting = null)); // tried again at the next page
  }

  async close(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.consumer?.disconnect();
    this.consumer = null;
    this.starting = null;
  }

  /** Starts following both topics (once), then waits until the index has read them up to their ends as they are now. */
  private async caughtUp(timeoutMs = 30_000): Promise<void> {
    this.startFollowing();
    await this.starting;
    const ends = await whileRetriable(() => this.topicEnds());
    const deadline = Date.now() + timeoutMs;
    while (ends.some((e) => (this.readUpTo.get(`${e.topic}/${e.partition}`) ?? 0n) < e.high)) {
      if (Date.now() > deadline) throw new Error(`the dead-letter index did not catch up with ${this.topic} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async topicEnds(): Promise<{ topic: string; partition: number; high: bigint }[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const ends: { topic: string; partition: number; high: bigint }[] = [];
      for (const topic of [this.topic, this.marksTopic].filter((t) => existing.has(t))) {
        for (const o of await admin.fetchTopicOffsets(topic)) ends.push({ topic, partition: o.partition, high: BigInt(o.high) });
      }
      return ends;
    } finally {
      await admin.disconnect();
    }
  }

  private async follow(): Promise<void> {
    await this.ensureTopics();
    const consumer = this.kafka.consumer({ groupId: `${this.config.KAFKA_TOPIC_PREFIX}loyalty-dead-letter-index-${randomUUID()}` });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic, this.marksTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (batch.topic === this.marksTopic) {
            const mark = JSON.parse(message.value?.toString('utf8') ?? '{}') as { at?: string; by?: string };
            this.mark(message.key?.toString('utf8') ?? '', { at: mark.at ?? '', by: mark.by ?? '' });
          } else this.add(batch.partition, message);
          this.readUpTo.set(`${batch.topic}/${batch.partition}`, BigInt(message.offset) + 1n);
        }
      },
    });
  }

  private add(partition: number, message: KafkaMessage): void {
    const letter = toView(partition, message);
    const source = `${letter.sourceTopic}/${letter.sourcePartition}/${letter.sourceOffset}`;
    if (this.seenSources.has(source)) return;
    this.seenSources.add(source);
    const place = `${partition}:${message.offset}`;
    letter.redriven = this.marks.get(place) ?? null;
    this.byPlace.set(place, letter);
    // In cursor order; letters mostly come in it, so the search stops at once.
    const cursor = cursorOf(letter);
    let at = this.letters.length;
    while (at > 0 && cursorOf(this.letters[at - 1]) > cursor) at--;
    this.letters.splice(at, 0, letter);
  }

  private mark(place: string, mark: { at: string; by: string }): void {
    this.marks.set(place, mark);
    const letter = this.byPlace.get(place);
    if (letter) letter.redriven = mark;
  }

  /** The letters' original messages (key, value and headers as they were), read from the topic. */
  private async originals(letters: DeadLetterView[]): Promise<Map<string, KafkaMessage>> {
    const wanted = new Set(letters.map((l) => `${l.partition}:${l.offset}`));
    const found = new Map<string, KafkaMessage>();
    if (wanted.size === 0) return found;
    const consumer = this.kafka.consumer({ groupId: `${this.config.KAFKA_TOPIC_PREFIX}loyalty-dead-letter-redrive-${randomUUID()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out reading the dead letters to re-drive')), 60_000);
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages)
                if (wanted.has(`${batch.partition}:${message.offset}`)) found.set(`${batch.partition}:${message.offset}`, message);
              if (found.size === wanted.size) {
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
    return found;
  }

  private async ensureTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [this.topic, this.marksTopic].filter((t) => !existing.has(t));
      if (missing.length > 0)
        await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: this.config.KAFKA_TOPIC_PARTITIONS })) });
    } finally {
      await admin.disconnect();
    }
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
    field: headerText(h, DLQ_HEADERS.field) ?? null,
    value: message.value?.toString('utf8') ?? null,
    redriven: null,
  };
}
