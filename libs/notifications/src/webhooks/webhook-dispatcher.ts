import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import {
  StaleNotifierWriterError,
  type DeliveryRecord,
  type NotificationOutbox,
  type OutboxEntry,
  type WebhookEndpoint,
} from '../outbox/notification-outbox.port';
import { notificationBatch, notificationEnvelope } from '../outbox/notification-envelope';

/**
 * Delays before each retry, in ms (the first attempt is immediate): 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 10 h, as Standard Webhooks senders commonly do; then the delivery has failed.
 */
export const DEFAULT_RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** How far past the cursor an endpoint's loop reads, at least: the room a slow customer leaves the others. */
const LOOKAHEAD = 500;
/** The most notifications one request may carry (an endpoint's `maxBatchSize`). */
export const MAX_BATCH_SIZE = 500;

/** Enough read ahead to fill every slot's batch twice over. */
function lookaheadOf(endpoint: WebhookEndpoint): number {
  return Math.max(LOOKAHEAD, 2 * Math.max(1, endpoint.maxInFlight) * Math.max(1, endpoint.maxBatchSize));
}

/**
 * Takes from `waiting` (in outbox order) the next request's notifications: up to `size`, none of
 * a customer held by a request under way (nor any later one of that customer, which must wait
 * its turn). The customers taken are held from then on.
 */
export function takeBatch(waiting: OutboxEntry[], held: Set<string>, size: number): OutboxEntry[] {
  const batch: OutboxEntry[] = [];
  const taken = new Set<string>();
  let kept = 0;
  for (let i = 0; i < waiting.length; i++) {
    const entry = waiting[i];
    const customer = entry.notification.customerId;
    if (batch.length < size && !held.has(customer)) {
      batch.push(entry);
      taken.add(customer);
    } else waiting[kept++] = entry;
  }
  waiting.length = kept;
  for (const customer of taken) held.add(customer);
  return batch;
}

/** The request for these notifications: one envelope, or a batch for an endpoint that takes batches. */
function requestOf(endpoint: WebhookEndpoint, entries: readonly OutboxEntry[]): { id: string; body: string } {
  if (endpoint.maxBatchSize > 1) {
    const batch = notificationBatch(entries.map((e) => e.notification));
    return { id: batch.messageId, body: JSON.stringify(batch) };
  }
  const [only] = entries;
  return { id: only.notification.id, body: JSON.stringify(notificationEnvelope(only.notification)) };
}
/** How stale an endpoint's settings may be in its loop (a change also wakes it). */
const ENDPOINT_REREAD_MS = 200;

/** The upper bound of what an endpoint may be given to send at once. */
export const MAX_IN_FLIGHT = 64;

/**
 * One endpoint's deliveries between its cursor and what is being sent: the cursor moves over the
 * finished prefix only, so a restart resumes at the first notification not finished.
 */
export class DeliveryWindow {
  private readonly finished = new Set<number>();
  /** Read and not finished, in seq order (entries are read in order), with their customers. */
  private readonly pending = new Map<number, string>();
  private readonly sending = new Set<number>();

  constructor(
    private cursor: number,
    finishedBeyondCursor: readonly number[],
  ) {
    for (const seq of finishedBeyondCursor) this.finished.add(seq);
  }

  isFinished(seq: number): boolean {
    return seq <= this.cursor || this.finished.has(seq);
  }

  read(entry: OutboxEntry): void {
    this.pending.set(entry.seq, entry.notification.customerId);
  }

  start(entry: OutboxEntry): void {
    this.sending.add(entry.seq);
  }

  *sendingCustomers(): Iterable<string> {
    for (const seq of this.sending) yield this.pending.get(seq) as string;
  }

  /** Marks a seq finished; the cursor to store: the last finished seq with nothing unfinished before it. */
  finish(seq: number): number {
    this.sending.delete(seq);
    this.pending.delete(seq);
    this.finished.add(seq);
    const lowestPending: number = this.pending.keys().next().value ?? Infinity;
    for (const s of this.finished) {
      if (s >= lowestPending) continue;
      if (s > this.cursor) this.cursor = s;
      this.finished.delete(s);
    }
    return this.cursor;
  }
}

/**
 * Delivery records written in small transactions rather than one per attempt (a commit per
 * delivery kept the sinks' thread busy at about 1,000 deliveries a second). A record waits at most
 * FLUSH_MS; one lost in a crash is only a delivery made again (at least once), since the cursor
 * is stored with the records that justify it.
 */
class DeliveryLog {
  private records: DeliveryRecord[] = [];
  private cursors = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly outbox: NotificationOutbox,
    /** A write refused: this process's notifier was replaced (or the store failed); the dispatcher is told. */
    private readonly onWriteError: (error: unknown) => void,
  ) {}

  add(record: DeliveryRecord, cursor: number | null): Promise<void> {
    this.records.push(record);
    if (cursor !== null) this.cursors.set(record.endpointId, Math.max(cursor, this.cursors.get(record.endpointId) ?? 0));
    if (this.records.length >= FLUSH_RECORDS) return this.flush();
    this.timer ??= setTimeout(() => void this.flush().catch(this.onWriteError), FLUSH_MS);
    return Promise.resolve();
  }

  /** Writes what waits, after any write under way (records stay in order). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const records = this.records;
    const cursors = this.cursors;
    this.records = [];
    this.cursors = new Map();
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(() => (records.length > 0 || cursors.size > 0 ? this.outbox.recordDeliveries(records, cursors) : undefined));
    return this.flushing;
  }
}
const FLUSH_MS = 50;
const FLUSH_RECORDS = 500;

export interface DispatcherOptions {
  retryScheduleMs?: readonly number[];
  /** An attempt with no answer within it counts as failed (retried). */
  timeoutMs?: number;
  /** Each retry delay is spread by ± this fraction (jitter), so endpoints recovering together are not hit at once. */
  jitter?: number;
  /** How often an idle endpoint looks for new notifications. */
  pollMs?: number;
  now?: () => Date;
  onAttempt?: (record: DeliveryRecord) => void;
  /** Told once when another notifier has taken over the outbox (this dispatcher then stops). */
  onFenced?: (error: StaleNotifierWriterError) => void;
}

/**
 * Delivers the outbox to each registered endpoint, in outbox order (the ledger's), signed as
 * Standard Webhooks say (`webhook-id` = the notification id, the same on every retry,
 * `webhook-timestamp`, `webhook-signature` by the `standardwebhooks` library). Every endpoint has
 * its own loop: a slow or dead one waits alone. A 2xx is delivered; a 5xx, 408, 429, timeout or
 * connection error is retried on the schedule; any other answer, or the schedule run out, is a
 * failure kept in the delivery log with the last answer, and the endpoint goes on with the next.
 */
export class WebhookDispatcher {
  private readonly loops = new Map<string, Promise<void>>();
  /** Idle endpoint loops, woken by new notifications. */
  private readonly wakers = new Map<string, () => void>();
  /** Every wait (idle or backoff), ended by stop. */
  private readonly waits = new Set<() => void>();
  private stopped = false;
  /** Counts changes of endpoints or notifications: a loop reads its endpoint again after one. */
  private wakes = 0;
  private timer: NodeJS.Timeout | null = null;

  private readonly log: DeliveryLog;
  private readonly signers = new Map<string, Webhook>();
  /** Kept-alive connections, per origin: at most MAX_IN_FLIGHT, the most an endpoint is given at once. */
  private readonly connections = new Agent({ connections: MAX_IN_FLIGHT, keepAliveTimeout: 10_000 });

  constructor(
    private readonly outbox: NotificationOutbox,
    private readonly options: DispatcherOptions = {},
  ) {
    this.log = new DeliveryLog(outbox, (error) => this.writeFailed(error));
  }

  start(): void {
    this.stopped = false;
    const tick = () => void this.ensureLoops().catch(() => undefined);
    tick();
    this.timer = setInterval(tick, this.options.pollMs ?? 500);
    this.timer.unref();
  }

  /** Another notifier took over the outbox: this one sends nothing more. Other write failures are retried by the loops. */
  private writeFailed(error: unknown): void {
    if (!(error instanceof StaleNotifierWriterError) || this.stopped) return;
    this.options.onFenced?.(error);
    void this.stop();
  }

  /** New notifications or endpoints: look now rather than at the next poll. */
  wake(): void {
    this.wakes++;
    for (const wake of this.wakers.values()) wake();
    void this.ensureLoops().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const end of this.waits) end();
    await Promise.all(this.loops.values());
    await this.log.flush();
    await this.connections.close().catch(() => undefined);
  }

  private async ensureLoops(): Promise<void> {
    if (this.stopped) return;
    for (const endpoint of await this.outbox.endpoints()) {
      if (!endpoint.enabled || this.loops.has(endpoint.id)) continue;
      const loop = this.run(endpoint.id)
        .catch((error: unknown) => this.writeFailed(error))
        .finally(() => this.loops.delete(endpoint.id));
      this.loops.set(endpoint.id, loop);
    }
  }

  /**
   * One endpoint's stream: up to `maxInFlight` deliveries at a time, never two of one customer,
   * each customer's in outbox order (with 1, the whole stream in outbox order). The cursor is
   * the end of the finished prefix; what finished beyond it before a restart is not sent again.
   */
  private async run(endpointId: string): Promise<void> {
    const first = await this.outbox.endpoint(endpointId);
    if (!first) return;
    const window = new DeliveryWindow(first.cursor, await this.outbox.finishedAfter(endpointId, first.cursor));
    const inFlight = new Set<Promise<void>>();
    let fetchedTo = first.cursor;
    const waiting: OutboxEntry[] = [];
    try {
      let endpoint: WebhookEndpoint | null = first;
      let readAt = 0;
      let readAtWake = -1;
      while (!this.stopped) {
        // Read again at a wake-up after a pause (an endpoint changed, rotated or disabled), not after each delivery.
        if (Date.now() - readAt > ENDPOINT_REREAD_MS || readAtWake !== this.wakes) {
          readAtWake = this.wakes;
          endpoint = await this.outbox.endpoint(endpointId);
          readAt = Date.now();
        }
        if (!endpoint || !endpoint.enabled) return;
        const lookahead = lookaheadOf(endpoint);
        if (waiting.length < lookahead / 2) {
          const more = await this.outbox.after(fetchedTo, lookahead - waiting.length, endpoint.types);
          if (more.length > 0) fetchedTo = more[more.length - 1].seq;
          for (const entry of more) {
            if (window.isFinished(entry.seq)) continue;
            window.read(entry);
            waiting.push(entry);
          }
        }
        // Start what may start: a free slot, and no entry whose customer has an earlier one sending.
        const held = new Set(window.sendingCustomers());
        const slots = Math.max(1, endpoint.maxInFlight);
        while (inFlight.size < slots && !this.stopped) {
          const batch = takeBatch(waiting, held, Math.max(1, endpoint.maxBatchSize));
          if (batch.length === 0) break;
          for (const entry of batch) window.start(entry);
          const sending: Promise<void> = this.deliver(endpoint, batch, { window })
            .then(() => undefined)
            .finally(() => {
              inFlight.delete(sending);
              this.wakers.get(endpointId)?.();
            });
          inFlight.add(sending);
        }
        if (inFlight.size === 0 && waiting.length === 0) await this.wait(this.options.pollMs ?? 500, endpointId);
        else await Promise.race([...inFlight, this.wakeable(endpointId)]);
      }
    } finally {
      await Promise.all(inFlight);
    }
  }

  /**
   * One request's notifications (one, or a batch for an endpoint that takes them) to one
   * endpoint, with its retries; resolves once delivered or failed for good, with a record per
   * notification.
   */
  async deliver(endpoint: WebhookEndpoint, entries: readonly OutboxEntry[], { window }: { window?: DeliveryWindow } = {}): Promise<DeliveryRecord[]> {
    const schedule = this.options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    const now = () => (this.options.now ?? (() => new Date()))();
    const { id, body } = requestOf(endpoint, entries);
    const firstAttemptAt = now().toISOString();
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(endpoint, id, body);
      const retryable = outcome.status === null || outcome.status >= 500 || outcome.status === 408 || outcome.status === 429;
      const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
      const more = !delivered && retryable && attempt <= schedule.length && !this.stopped;
      const delay = more ? this.jittered(schedule[attempt - 1]) : 0;
      const status = delivered ? 'delivered' : more ? 'retrying' : 'failed';
      const lastAttemptAt = now().toISOString();
      const nextAttemptAt = more ? new Date(now().getTime() + delay).toISOString() : null;
      const records = entries.map((entry): DeliveryRecord => ({
        endpointId: endpoint.id,
        seq: entry.seq,
        notificationId: entry.notification.id,
        type: entry.notification.type,
        status,
        attempts: attempt,
        lastStatus: outcome.status,
        lastError: outcome.error,
        lastResponse: outcome.response,
        lastLatencyMs: outcome.latencyMs,
        firstAttemptAt,
        lastAttemptAt,
        nextAttemptAt,
      }));
      for (const record of records) {
        await this.log.add(record, window && status !== 'retrying' ? window.finish(record.seq) : null);
        this.options.onAttempt?.(record);
      }
      if (!more) return records;
      await this.wait(delay); // a backoff: new notifications do not cut it short
      if (this.stopped) return records;
    }
  }

  private async attempt(
    endpoint: WebhookEndpoint,
    id: string,
    body: string,
  ): Promise<{ status: number | null; error: string | null; response: string | null; latencyMs: number }> {
    const timestamp = new Date();
    const signature = this.signer(endpoint.secret).sign(id, timestamp, body);
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const started = Date.now();
    try {
      // undici's request rather than fetch: a third of the CPU per delivery (no web streams, no
      // abort signal), and connections kept per origin. It follows no redirect.
      const answer = await request(endpoint.url, {
        method: 'POST',
        dispatcher: this.connections,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const response = (await answer.body.text().catch(() => '')).slice(0, 1000);
      return { status: answer.statusCode, error: null, response, latencyMs: Date.now() - started };
    } catch (error) {
      const e = error as Error & { code?: string };
      const timedOut = e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT';
      const reason = timedOut ? `no answer within ${timeoutMs} ms` : `${e.message}${e.code ? ` (${e.code})` : ''}`;
      return { status: null, error: reason, response: null, latencyMs: Date.now() - started };
    }
  }

  /** One signer per secret (it decodes the secret once). */
  private signer(secret: string): Webhook {
    let signer = this.signers.get(secret);
    if (!signer) {
      if (this.signers.size > 1000) this.signers.clear();
      signer = new Webhook(secret);
      this.signers.set(secret, signer);
    }
    return signer;
  }

  private jittered(delayMs: number): number {
    const spread = this.options.jitter ?? 0.2;
    return Math.max(0, Math.round(delayMs * (1 - spread + 2 * spread * Math.random())));
  }

  /** Resolves at the next wake of this endpoint (a delivery finished, new notifications) or stop. */
  private wakeable(endpointId: string): Promise<void> {
    return this.wait(this.options.pollMs ?? 500, endpointId);
  }

  private wait(ms: number, wakeableFor?: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waits.delete(done);
        if (wakeableFor && this.wakers.get(wakeableFor) === done) this.wakers.delete(wakeableFor);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waits.add(done);
      if (wakeableFor) this.wakers.set(wakeableFor, done);
    });
  }
}
