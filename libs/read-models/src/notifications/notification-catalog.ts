import { createHash } from 'node:crypto';

/** The catalog's version: the `version` of every notification and the topic's `.v1` suffix. A field removed or changed in meaning is a new version. */
export const NOTIFICATION_CATALOG_VERSION = 1;

export const NOTIFICATION_TYPES = [
  'points.earned',
  'points.available',
  'points.expiring',
  'points.expired',
  'points.redeemed',
  'tier.upgraded',
  'tier.downgraded',
  'tier.downgrade-warning',
  'segment.entered',
  'segment.left',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** What a member would be told, and what a CRM needs to tell them: one fact of the ledger or of time passing. */
export interface LoyaltyNotification {
  /** Deterministic: the same fact always has the same id (a hash of the type and the fact's own key). */
  id: string;
  type: NotificationType;
  version: typeof NOTIFICATION_CATALOG_VERSION;
  customerId: string;
  /** The business time of the fact (UTC, ISO-8601). */
  occurredAt: string;
  /** The ledger position the fact derives from (for a scan: the read models' position it read). */
  position: string;
  data: NotificationData;
}

export type NotificationData =
  | { points: number; lotId: string; reason: 'purchase' | 'survey-answer'; orderId: string | null; availableAt: string; expiresAt: string } // points.earned
  | { points: number; lotId: string; availableAt: string; expiresAt: string } // points.available
  | { points: number; lotId: string; expiresAt: string; daysBefore: number } // points.expiring
  | { points: number; expiryRunId: string } // points.expired
  | { points: number; redemptionId: string; reward: string } // points.redeemed
  | { from: string; to: string; qualifyingTotal: number; basis: 'spend' | 'points'; next: { tier: string; missing: number } | null } // tier.upgraded / tier.downgraded
  | { tier: string; dropsTo: string; at: string; qualifyingTotal: number; missing: number; basis: 'spend' | 'points' } // tier.downgrade-warning
  | { kind: 'rfm-segment' | 'loyalty-class'; name: string; lacks?: { behavioural: string[]; psychological: string | null } }; // segment.entered / left

/** The id of a fact: `ntf_` and 32 hex digits of sha256 over the type and the fact's key parts. */
export function notificationId(type: NotificationType, ...key: string[]): string {
  return `ntf_${createHash('sha256')
    .update([type, ...key].join('\u0000'))
    .digest('hex')
    .slice(0, 32)}`;
}
