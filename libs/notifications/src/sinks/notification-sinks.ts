import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { ProgramRules, RuleBook } from '@loyalty/program-rules';
import type { ScanSettings } from '@loyalty/read-models';
import { startWorkerModule } from '@loyalty/thread-support';
import { KafkaNotificationPublisher } from '../kafka/kafka-notification-publisher';
import { StaleNotifierWriterError, type NotificationOutbox } from '../outbox/notification-outbox.port';
import { PostgresNotificationOutbox } from '../outbox/postgres-notification-outbox';
import { SqliteNotificationOutbox } from '../outbox/sqlite-notification-outbox';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { waitForCheckpoint, type RunningNotifier } from '../notifier/notifier';
import type { ScanReport, ScanRunner } from '../notifier/notification-scan';

/** Where the outbox is: plain data, so that a thread can open it. */
export type OutboxLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };

export function openNotificationOutbox(location: OutboxLocation): NotificationOutbox {
  return location.kind === 'sqlite' ? new SqliteNotificationOutbox(location.file) : new PostgresNotificationOutbox(location.url, location.schema);
}

/**
 * The notifier's part when it runs in the notifications thread: the ledger's SQLite file (read
 * on a connection of the thread's own) and the rules versions it derives with (sent again when
 * they change: a version is scheduled well ahead of its effect, see MIN_SCHEDULE_LEAD_MS).
 */
export interface ThreadedNotifierSetup {
  ledgerFile: string;
  rules: ProgramRules[];
  batchSize?: number;
}

/** How the sinks are set up: plain data, so that a thread can be given it. */
export interface SinksSetup {
  outbox: OutboxLocation;
  /** The notifier too, in the same thread (a SQLite ledger); absent: it runs in the caller's thread. */
  notifier?: ThreadedNotifierSetup;
  /**
   * With `notifier`: the time-driven scan too, over the read models' SQLite file (on a connection
   * of the thread's own), so that its pass over every customer never holds the app's thread.
   */
  scan?: { readModelsFile: string; settings: ScanSettings };
  webhooks: { retryScheduleMs?: readonly number[]; timeoutMs: number; pollMs?: number };
  kafka: { clientConfig: KafkaConfig; topic: string; partitions: number; createTopic: boolean } | null;
}

/** What the sinks tell: webhook attempts by outcome, notifications published and derived (in the thread), and errors. */
export type SinkEvent =
  | { kind: 'attempts'; status: 'delivered' | 'retrying' | 'failed'; count: number }
  | { kind: 'derived'; position: string; count: number }
  | { kind: 'published'; count: number }
  | { kind: 'error'; sink: string; message: string }
  | { kind: 'fenced'; message: string };

/** The thread's answer to a scan asked of it (setup.scan). */
export type ScanReply = { kind: 'scanned'; id: number; report: ScanReport } | { kind: 'scan-failed'; id: number; message: string };

/**
 * The webhook dispatcher and the Kafka publisher, in a thread of their own when the outbox is a
 * file: deliveries are network round trips that a busy ledger writer on the main thread would
 * otherwise starve (measured: 20 webhook deliveries during 118,000 commands of ingestion). With
 * a SQLite ledger the notifier runs there too (`setup.notifier`): deriving on the main thread
 * took as much of it as deciding the purchases, and halved ingestion. An in-memory outbox
 * (tests) cannot be shared with a thread, so the sinks run here then.
 */
export class NotificationSinks {
  private worker: Worker | null = null;
  private local: { dispatcher: WebhookDispatcher; publisher: KafkaNotificationPublisher | null } | null = null;
  private rulesTimer: NodeJS.Timeout | null = null;
  /** The threaded notifier's checkpoint, as it last told. */
  private derived = 0n;
  /** Scans asked of the thread and not answered yet; asked before the thread started, they wait for it. */
  private readonly scans = new Map<number, { resolve: (report: ScanReport) => void; reject: (error: Error) => void }>();
  private lastScanId = 0;
  private threadStarted!: (worker: Worker | null) => void;
  /** The thread once start() has started it (null: stopped first). */
  private readonly thread = new Promise<Worker | null>((resolve) => (this.threadStarted = resolve));

  constructor(
    private readonly setup: SinksSetup,
    private readonly onEvent: (event: SinkEvent) => void,
    /** The in-thread case's outbox (the app's own connection). */
    private readonly outbox: NotificationOutbox,
    /** With `setup.notifier`: the rules of this process, sent to the thread whenever they change. */
    private readonly rules?: { current(): RuleBook },
  ) {}

  /** Starts sending (and deriving, with `setup.notifier`), as the writer of `writerEpoch` (claimed by this process). */
  async start(writerEpoch: number): Promise<void> {
    if (this.setup.outbox.kind === 'sqlite' && this.setup.outbox.file === ':memory:') {
      if (this.setup.notifier) throw new Error('the notifier runs in the notifications thread only with outbox and ledger files');
      this.local = runSinks(this.outbox, this.setup, this.onEvent);
      this.local.dispatcher.start();
      if (this.local.publisher) void startPublisher(this.local.publisher, this.onEvent);
      return;
    }
    if (this.setup.notifier) this.derived = BigInt((await this.outbox.checkpoint('notifier')) ?? '0');
    let book = this.rules?.current();
    const setup: SinksSetup = this.setup.notifier && book ? { ...this.setup, notifier: { ...this.setup.notifier, rules: rulesOf(book) } } : this.setup;
    const worker = startWorkerModule(join(__dirname, 'notification-sinks.worker'), { setup, writerEpoch });
    this.worker = worker;
    this.threadStarted(worker);
    worker.on('message', (event: SinkEvent | ScanReply) => {
      if (event.kind === 'scanned' || event.kind === 'scan-failed') return this.answerScan(event);
      if (event.kind === 'derived') this.derived = BigInt(event.position);
      this.onEvent(event);
    });
    worker.on('error', (error) => {
      this.onEvent({ kind: 'error', sink: 'thread', message: error.message });
      this.failScans(`the notifications thread failed: ${error.message}`);
    });
    worker.on('exit', () => this.failScans('the notifications thread stopped'));
    if (this.setup.notifier && this.rules) {
      const rules = this.rules;
      this.rulesTimer = setInterval(() => {
        const now = rules.current();
        if (now === book) return;
        book = now;
        worker.postMessage({ kind: 'rules', rules: rulesOf(now) });
      }, 1000);
      this.rulesTimer.unref();
    }
  }

  /** The notifier in the thread, as the app sees it (started and stopped with the sinks). */
  readonly threadedNotifier: RunningNotifier = ((sinks: NotificationSinks): RunningNotifier => ({
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    get checkpoint() {
      return sinks.derived;
    },
    waitFor(position, timeoutMs) {
      return waitForCheckpoint(this, position, timeoutMs);
    },
  }))(this);

  /** Whether the scan runs in the thread: setup.scan, with the notifier there (the rules it scans with). */
  get scansInThread(): boolean {
    return this.setup.scan !== undefined && this.setup.notifier !== undefined;
  }

  /** The scan in the thread (setup.scan), as the app runs it. */
  readonly threadedScan: ScanRunner = {
    run: async (asOf) => {
      const worker = this.scansInThread ? await this.thread : null;
      if (!worker || this.worker !== worker) throw new Error('the notifications thread is not running: the scan runs with it');
      const id = ++this.lastScanId;
      return new Promise<ScanReport>((resolve, reject) => {
        this.scans.set(id, { resolve, reject });
        worker.postMessage({ kind: 'scan', id, asOf });
      });
    },
  };

  private answerScan(reply: ScanReply): void {
    const waiting = this.scans.get(reply.id);
    this.scans.delete(reply.id);
    if (reply.kind === 'scanned') waiting?.resolve(reply.report);
    else waiting?.reject(new Error(reply.message));
  }

  private failScans(reason: string): void {
    for (const waiting of this.scans.values()) waiting.reject(new Error(reason));
    this.scans.clear();
  }

  /** New notifications in the outbox: the sinks look now. */
  wake(): void {
    if (this.local) {
      this.local.dispatcher.wake();
      this.local.publisher?.wake();
    }
    this.worker?.postMessage({ kind: 'wake' });
  }

  async stop(): Promise<void> {
    this.threadStarted(null);
    if (this.rulesTimer) clearInterval(this.rulesTimer);
    this.rulesTimer = null;
    if (this.local) {
      await this.local.dispatcher.stop();
      await this.local.publisher?.stop().catch(() => undefined);
      this.local = null;
    }
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 5000);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage({ kind: 'stop' });
    });
  }
}

/** The two sink loops over an outbox. */
export function runSinks(outbox: NotificationOutbox, setup: SinksSetup, onEvent: (event: SinkEvent) => void) {
  const dispatcher = new WebhookDispatcher(outbox, {
    ...(setup.webhooks.retryScheduleMs ? { retryScheduleMs: setup.webhooks.retryScheduleMs } : {}),
    timeoutMs: setup.webhooks.timeoutMs,
    ...(setup.webhooks.pollMs ? { pollMs: setup.webhooks.pollMs } : {}),
    onAttempt: (record) => onEvent({ kind: 'attempts', status: record.status, count: 1 }),
    onFenced: (error) => onEvent({ kind: 'fenced', message: error.message }),
  });
  const publisher = setup.kafka
    ? new KafkaNotificationPublisher(new Kafka({ ...setup.kafka.clientConfig, logLevel: logLevel.NOTHING }), outbox, {
        topic: setup.kafka.topic,
        partitions: setup.kafka.partitions,
        createTopic: setup.kafka.createTopic,
        onPublished: (count) => onEvent({ kind: 'published', count }),
        onError: (error) =>
          onEvent(
            error instanceof StaleNotifierWriterError
              ? { kind: 'fenced', message: error.message }
              : { kind: 'error', sink: 'kafka', message: (error as Error).message },
          ),
      })
    : null;
  return { dispatcher, publisher };
}

/** Starts the publisher, again every 5 s while the broker is not reachable: never holds the app's start. */
export async function startPublisher(publisher: KafkaNotificationPublisher, onEvent: (event: SinkEvent) => void): Promise<void> {
  for (;;) {
    try {
      await publisher.start();
      return;
    } catch (error) {
      onEvent({ kind: 'error', sink: 'kafka', message: `the notifications topic is not reachable yet: ${(error as Error).message}` });
      await new Promise((resolve) => setTimeout(resolve, 5000).unref());
    }
  }
}

function rulesOf(book: RuleBook): ProgramRules[] {
  return book.all().map((version) => version.rules);
}
