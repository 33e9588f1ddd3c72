import type { LoyaltyNotification, StandingMemory } from '@loyalty/read-models';

/** A notification as the outbox holds it: in the order it was derived (seq), the one order every sink follows. */
export interface OutboxEntry {
  seq: number;
  recordedAt: string;
  notification: LoyaltyNotification;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** The notification types it receives; empty: every type. */
  types: string[];
  /** The signing secret (`whsec_` + base64), shown once at creation and rotation. */
  secret: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** The last outbox seq handled for this endpoint (delivered, or failed for good), every earlier one handled too. */
  cursor: number;
  /**
   * Deliveries under way at once (1 to 64). With 1, the endpoint receives the outbox in order;
   * above, each customer's notifications still arrive in order, one at a time, and different
   * customers' in parallel (a receiver that answers in 5 ms takes at most 200 a second one by one).
   */
  maxInFlight: number;
  /**
   * Notifications per request, at most (1 to 500). 1: each request's body is one notification's
   * envelope. Above 1: every request's body is a batch (`notification.batch`) of up to this many,
   * in outbox order, signed as one message; a batch holds what is waiting when a slot frees, so a
   * quiet stream still goes out one at a time, without waiting to fill a batch.
   */
  maxBatchSize: number;
}

export type DeliveryStatus = 'delivered' | 'retrying' | 'failed';

export interface DeliveryRecord {
  endpointId: string;
  seq: number;
  notificationId: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  /** The last answer: HTTP status, or null for a timeout or connection error (then `lastError`). */
  lastStatus: number | null;
  lastError: string | null;
  lastResponse: string | null;
  lastLatencyMs: number | null;
  firstAttemptAt: string;
  lastAttemptAt: string;
  nextAttemptAt: string | null;
}

/**
 * Where notifications wait for their sinks, with what derived them: the notifier's checkpoint
 * and per-customer states, the scan's standing memory, and each sink's progress. A page of
 * derived notifications and the checkpoint that produced it are committed together, and a
 * notification id is stored once: at least once out, never twice in.
 */
export interface NotificationOutbox {
  /**
   * Makes this connection the outbox's writer (the notifier, the scan and the sinks of one
   * process): a new epoch, greater than every earlier one. From then on, the derived and sent
   * progress written through a connection fenced at an older epoch is refused
   * (StaleNotifierWriterError) and writes nothing, as the projector's commits are.
   */
  claimWriter(): Promise<number>;
  /** Fences this connection's writes at an epoch claimed by another connection of the same writer (the sinks' thread). */
  fenceAt(epoch: number): void;
  checkpoint(name: string): Promise<string | null>;
  setCheckpoint(name: string, value: string): Promise<void>;
  /**
   * A page of ledger events' notifications and the notifier checkpoint, in one transaction. The
   * customers' states are not stored: they are a fold of the ledger up to the checkpoint, which
   * the notifier keeps in memory and reads back from the ledger when it does not have one.
   */
  commitFollowed(notifications: readonly LoyaltyNotification[], position: bigint): Promise<void>;
  standingMemories(customerIds: readonly string[]): Promise<Map<string, StandingMemory>>;
  /** A chunk of a scan: memories and notifications together. */
  commitScanned(memories: ReadonlyMap<string, StandingMemory>, notifications: readonly LoyaltyNotification[]): Promise<void>;
  /** Outbox entries after a seq, in order, optionally of some types only. */
  after(seq: number, limit: number, types?: readonly string[]): Promise<OutboxEntry[]>;
  /** The last seq (0 when empty). */
  headSeq(): Promise<number>;
  endpoints(): Promise<WebhookEndpoint[]>;
  endpoint(id: string): Promise<WebhookEndpoint | null>;
  /** Creates or changes an endpoint; its cursor is set at creation only (then it moves with deliveries). */
  saveEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  /** Records attempts' outcomes (the last per endpoint and seq is kept) and moves endpoints' cursors (never back), in one transaction. */
  recordDeliveries(records: readonly DeliveryRecord[], cursors: ReadonlyMap<string, number>): Promise<void>;
  /** The seqs after `cursor` whose delivery to the endpoint is finished (delivered or failed): not sent again at a restart. */
  finishedAfter(endpointId: string, cursor: number): Promise<number[]>;
  deliveries(endpointId: string, options: { afterSeq?: number; limit: number; status?: DeliveryStatus }): Promise<DeliveryRecord[]>;
  /** Counts of the last record per (endpoint, seq) by status. */
  deliveryCounts(): Promise<Record<DeliveryStatus, number>>;
  close(): Promise<void>;
}

export const NOTIFICATION_OUTBOX = Symbol('NOTIFICATION_OUTBOX');

/** A write of a notifier that another one has replaced (a newer writer epoch): it stops. */
export class StaleNotifierWriterError extends Error {
  constructor(
    readonly writerEpoch: number,
    readonly latestEpoch: number | null,
  ) {
    super(`notifier writer epoch ${writerEpoch} is no longer the latest (${latestEpoch ?? 'none'}): another notifier took over`);
  }
}
