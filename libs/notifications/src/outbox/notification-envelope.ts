import { createHash } from 'node:crypto';
import type { LoyaltyNotification } from '@loyalty/read-models';

export const NOTIFICATIONS_TOPIC = 'loyalty.notifications.v1';

/** The envelope every sink sends, the same shape as the ingestion topics': the notification's id is the message id. */
export interface NotificationEnvelope {
  type: LoyaltyNotification['type'];
  schemaVersion: number;
  messageId: string;
  occurredAt: string;
  producer: 'loyalty-ledger';
  payload: { customerId: string; position: string } & LoyaltyNotification['data'];
}

export function notificationEnvelope(n: LoyaltyNotification): NotificationEnvelope {
  return {
    type: n.type,
    schemaVersion: n.version,
    messageId: n.id,
    occurredAt: n.occurredAt,
    producer: 'loyalty-ledger',
    payload: { customerId: n.customerId, position: n.position, ...n.data },
  };
}

/**
 * A webhook request's body for an endpoint that takes batches (`maxBatchSize` above 1): its
 * notifications in outbox order. The id is the same on every retry of the batch (a receiver that
 * has it may skip it whole) and each notification keeps its own `messageId` to deduplicate by.
 */
export interface NotificationBatch {
  type: 'notification.batch';
  messageId: string;
  producer: 'loyalty-ledger';
  notifications: NotificationEnvelope[];
}

export function notificationBatch(notifications: readonly LoyaltyNotification[]): NotificationBatch {
  const ids = notifications.map((n) => n.id).join('\n');
  return {
    type: 'notification.batch',
    messageId: `nbt_${createHash('sha256').update(ids).digest('hex').slice(0, 32)}`,
    producer: 'loyalty-ledger',
    notifications: notifications.map(notificationEnvelope),
  };
}
