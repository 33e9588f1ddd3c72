import { Webhook } from 'standardwebhooks';
import type { DeliveryRecord, NotificationOutbox, OutboxEntry, WebhookEndpoint } from '../outbox/notification-outbox.port';
import { notificationEnvelope } from '../outbox/notification-envelope';

/**
 * Delays before each retry, in ms (the first attempt is immediate): 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 10 h, as Standard Webhooks senders commonly do; then the delivery has failed.
 */
export const DEFAULT_RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

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
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly outbox: NotificationOutbox,
    private readonly options: DispatcherOptions = {},
  ) {}

  start(): void {
    this.stopped = false;
    const tick = () => void this.ensureLoops().catch(() => undefined);
    tick();
    this.timer = setInterval(tick, this.options.pollMs ?? 500);
    this.timer.unref();
  }

  /** New notifications or endpoints: look now rather than at the next poll. */
  wake(): void {
    for (const wake of this.wakers.values()) wake();
    void this.ensureLoops().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const end of this.waits) end();
    await Promise.all(this.loops.values());
  }

  private async ensureLoops(): Promise<void> {
    if (this.stopped) return;
    for (const endpoint of await this.outbox.endpoints()) {
      if (!endpoint.enabled || this.loops.has(endpoint.id)) continue;
      const loop = this.run(endpoint.id).finally(() => this.loops.delete(endpoint.id));
      this.loops.set(endpoint.id, loop);
    }
  }

  private async run(endpointId: string): Promise<void> {
    while (!this.stopped) {
      const endpoint = await this.outbox.endpoint(endpointId);
      if (!endpoint || !endpoint.enabled) return;
      const next = await this.outbox.after(endpoint.cursor, 50, endpoint.types);
      if (next.length === 0) {
        await this.wait(this.options.pollMs ?? 500, endpointId);
        continue;
      }
      for (const entry of next) {
        if (this.stopped) return;
        const current = await this.outbox.endpoint(endpointId);
        if (!current || !current.enabled) return;
        await this.deliver(current, entry);
      }
    }
  }

  /** One notification to one endpoint, with its retries; resolves once delivered or failed for good. */
  async deliver(endpoint: WebhookEndpoint, entry: OutboxEntry, { advanceCursor = true } = {}): Promise<DeliveryRecord> {
    const schedule = this.options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    const now = () => (this.options.now ?? (() => new Date()))();
    const body = JSON.stringify(notificationEnvelope(entry.notification));
    const firstAttemptAt = now().toISOString();
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(endpoint, entry.notification.id, body);
      const retryable = outcome.status === null || outcome.status >= 500 || outcome.status === 408 || outcome.status === 429;
      const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
      const more = !delivered && retryable && attempt <= schedule.length && !this.stopped;
      const delay = more ? this.jittered(schedule[attempt - 1]) : 0;
      const record: DeliveryRecord = {
        endpointId: endpoint.id,
        seq: entry.seq,
        notificationId: entry.notification.id,
        type: entry.notification.type,
        status: delivered ? 'delivered' : more ? 'retrying' : 'failed',
        attempts: attempt,
        lastStatus: outcome.status,
        lastError: outcome.error,
        lastResponse: outcome.response,
        lastLatencyMs: outcome.latencyMs,
        firstAttemptAt,
        lastAttemptAt: now().toISOString(),
        nextAttemptAt: more ? new Date(now().getTime() + delay).toISOString() : null,
      };
      await this.outbox.recordDelivery(record, advanceCursor && record.status !== 'retrying');
      this.options.onAttempt?.(record);
      if (!more) return record;
      await this.wait(delay); // a backoff: new notifications do not cut it short
      if (this.stopped) return record;
    }
  }

  private async attempt(
    endpoint: WebhookEndpoint,
    id: string,
    body: string,
  ): Promise<{ status: number | null; error: string | null; response: string | null; latencyMs: number }> {
    const timestamp = new Date();
    const signature = new Webhook(endpoint.secret).sign(id, timestamp, body);
    const started = Date.now();
    try {
      const answer = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const response = (await answer.text().catch(() => '')).slice(0, 1000);
      return { status: answer.status, error: null, response, latencyMs: Date.now() - started };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      const reason =
        e.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs ?? 10_000} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
      return { status: null, error: reason, response: null, latencyMs: Date.now() - started };
    }
  }

  private jittered(delayMs: number): number {
    const spread = this.options.jitter ?? 0.2;
    return Math.max(0, Math.round(delayMs * (1 - spread + 2 * spread * Math.random())));
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
