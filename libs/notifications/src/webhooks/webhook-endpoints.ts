import { randomBytes, randomUUID } from 'node:crypto';
import { NOTIFICATION_TYPES } from '@loyalty/read-models';
import type { DeliveryRecord, NotificationOutbox, WebhookEndpoint } from '../outbox/notification-outbox.port';
import type { WebhookDispatcher } from './webhook-dispatcher';

export class WebhookEndpointError extends Error {
  constructor(
    readonly code: 'WEBHOOK.NOT_FOUND' | 'WEBHOOK.URL_REFUSED' | 'WEBHOOK.UNKNOWN_TYPE' | 'WEBHOOK.NOTHING_TO_RESEND',
    message: string,
  ) {
    super(message);
  }
}

/** An endpoint as listed: everything but its secret. */
export type PublicEndpoint = Omit<WebhookEndpoint, 'secret'>;

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * The webhook endpoints and their delivery log. URLs must be https, or http where the deployment
 * allows it (development, tests: loopback receivers); credentials in a URL are refused. A new
 * endpoint starts at the outbox's end: it receives what happens from its registration on.
 */
export class WebhookEndpoints {
  constructor(
    private readonly outbox: NotificationOutbox,
    /** Sends a re-send, here (outside the sinks' ordered streams). */
    private readonly dispatcher: WebhookDispatcher,
    /** The sinks, told of a new or changed endpoint. */
    private readonly sinks: { wake(): void },
    private readonly options: { allowHttp: boolean; now: () => Date },
  ) {}

  async register(request: { url: string; types?: string[]; enabled?: boolean; maxInFlight?: number; maxBatchSize?: number }): Promise<WebhookEndpoint> {
    const now = this.options.now().toISOString();
    const endpoint: WebhookEndpoint = {
      id: `wh_${randomUUID()}`,
      url: this.checkedUrl(request.url),
      types: this.checkedTypes(request.types ?? []),
      secret: newSecret(),
      enabled: request.enabled ?? true,
      maxInFlight: request.maxInFlight ?? 1,
      maxBatchSize: request.maxBatchSize ?? 1,
      createdAt: now,
      updatedAt: now,
      cursor: await this.outbox.headSeq(),
    };
    await this.outbox.saveEndpoint(endpoint);
    this.sinks.wake();
    return endpoint;
  }

  async list(): Promise<PublicEndpoint[]> {
    return (await this.outbox.endpoints()).map(withoutSecret);
  }

  async get(id: string): Promise<PublicEndpoint> {
    return withoutSecret(await this.required(id));
  }

  async update(
    id: string,
    change: { url?: string; types?: string[]; enabled?: boolean; maxInFlight?: number; maxBatchSize?: number },
  ): Promise<PublicEndpoint> {
    const endpoint = await this.required(id);
    const updated: WebhookEndpoint = {
      ...endpoint,
      ...(change.url !== undefined ? { url: this.checkedUrl(change.url) } : {}),
      ...(change.types !== undefined ? { types: this.checkedTypes(change.types) } : {}),
      ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
      ...(change.maxInFlight !== undefined ? { maxInFlight: change.maxInFlight } : {}),
      ...(change.maxBatchSize !== undefined ? { maxBatchSize: change.maxBatchSize } : {}),
      updatedAt: this.options.now().toISOString(),
    };
    await this.outbox.saveEndpoint(updated);
    this.sinks.wake();
    return withoutSecret(updated);
  }

  /** A new secret, shown once; deliveries from now on are signed with it. */
  async rotateSecret(id: string): Promise<{ id: string; secret: string }> {
    const endpoint = await this.required(id);
    const secret = newSecret();
    await this.outbox.saveEndpoint({ ...endpoint, secret, updatedAt: this.options.now().toISOString() });
    return { id, secret };
  }

  async deliveries(id: string, options: { afterSeq?: number; limit: number; status?: DeliveryRecord['status'] }): Promise<DeliveryRecord[]> {
    await this.required(id);
    return this.outbox.deliveries(id, options);
  }

  /**
   * Sends again the notifications of outbox seqs [fromSeq, toSeq] this endpoint takes (its types),
   * outside its ordered stream (the cursor stays), each with its usual retries; resolves with how
   * many are queued, delivering in the background.
   */
  async resend(id: string, fromSeq: number, toSeq: number): Promise<{ queued: number }> {
    const endpoint = await this.required(id);
    const entries = (await this.outbox.after(fromSeq - 1, Math.min(10_000, toSeq - fromSeq + 1), endpoint.types)).filter((e) => e.seq <= toSeq);
    if (entries.length === 0)
      throw new WebhookEndpointError('WEBHOOK.NOTHING_TO_RESEND', `no notification of this endpoint's types between seq ${fromSeq} and ${toSeq}`);
    const size = Math.max(1, endpoint.maxBatchSize);
    void (async () => {
      for (let i = 0; i < entries.length; i += size) await this.dispatcher.deliver(endpoint, entries.slice(i, i + size));
    })().catch(() => undefined);
    return { queued: entries.length };
  }

  private async required(id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.outbox.endpoint(id);
    if (!endpoint) throw new WebhookEndpointError('WEBHOOK.NOT_FOUND', `no webhook endpoint ${id}`);
    return endpoint;
  }

  private checkedUrl(url: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new WebhookEndpointError('WEBHOOK.URL_REFUSED', `${JSON.stringify(url)} is not a URL`);
    }
    if (parsed.username || parsed.password) throw new WebhookEndpointError('WEBHOOK.URL_REFUSED', 'a webhook URL must not carry credentials');
    if (parsed.protocol === 'https:') return parsed.toString();
    if (parsed.protocol === 'http:' && this.options.allowHttp) return parsed.toString();
    throw new WebhookEndpointError(
      'WEBHOOK.URL_REFUSED',
      parsed.protocol === 'http:'
        ? 'webhook URLs must be https (LOYALTY_WEBHOOKS_ALLOW_HTTP=true allows http, for development)'
        : `unsupported scheme ${parsed.protocol}`,
    );
  }

  private checkedTypes(types: string[]): string[] {
    const unknown = types.filter((t) => !(NOTIFICATION_TYPES as readonly string[]).includes(t));
    if (unknown.length > 0)
      throw new WebhookEndpointError(
        'WEBHOOK.UNKNOWN_TYPE',
        `unknown notification types: ${unknown.join(', ')} (the catalog: ${NOTIFICATION_TYPES.join(', ')})`,
      );
    return [...new Set(types)].sort();
  }
}

function withoutSecret({ secret: _secret, ...rest }: WebhookEndpoint): PublicEndpoint {
  return rest;
}
