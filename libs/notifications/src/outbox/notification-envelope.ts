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
