import { join } from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';
import type { OutboundChannel } from '@loyalty/kafka-contracts';
import type { LedgerEvent } from '@loyalty/ledger-domain';
import { notificationEnvelope, NOTIFICATIONS_TOPIC } from '@loyalty/notifications';
import { defaultProgramRules } from '@loyalty/program-rules';
import {
  balancesProjection,
  deriveFromEvent,
  deriveFromScan,
  DEFAULT_SCAN_SETTINGS,
  initialNotifierState,
  type LoyaltyNotification,
} from '@loyalty/read-models';
import { openApiSchema } from './openapi-schema';
import { repositoryRoot } from './repository-root';

/**
 * The notifications topic in the AsyncAPI document: the envelope's JSON Schema generated from its
 * TypeScript type, and examples that the derivation itself produced from sample ledger events.
 */
export function notificationChannel(): OutboundChannel {
  return {
    topic: NOTIFICATIONS_TOPIC,
    description:
      'What changed for a member, derived from the ledger by the notifier (at least once; the messageId is the notification id, the same for the same fact: deduplicate by it). Keyed by customer id: a customer’s notifications stay in order on one partition. The same envelopes go to webhook endpoints, signed as Standard Webhooks say (to an endpoint with maxBatchSize above 1, several at a time in a `notification.batch` body: { type, messageId, producer, notifications: [envelopes] }).',
    messageName: 'loyalty-notification',
    summary: 'CRM and marketing systems read what happened to members',
    schema: envelopeSchema(),
    examples: sampleNotifications().map((n) => ({ name: n.type, summary: `A ${n.type} notification`, payload: notificationEnvelope(n), key: n.customerId })),
  };
}

function envelopeSchema(): Record<string, unknown> {
  const root = repositoryRoot();
  const generator = createGenerator({
    path: join(root, 'libs', 'notifications', 'src', 'outbox', 'notification-envelope.ts'),
    tsconfig: join(root, 'tsconfig.json'),
    type: 'NotificationEnvelope',
    expose: 'none',
    topRef: false,
    jsDoc: 'extended',
    skipTypeCheck: true,
    additionalProperties: true,
  });
  const { $schema: _schema, ...schema } = generator.createSchema('NotificationEnvelope') as Record<string, unknown>;
  return openApiSchema(schema) as Record<string, unknown>;
}

function sampleNotifications(): LoyaltyNotification[] {
  const rules = defaultProgramRules();
  const customerId = 'CUST-42';
  const events = [
    {
      type: 'PurchaseRecorded',
      customerId,
      orderId: 'ORD-1',
      occurredAt: '2026-11-02T10:00:00.000Z',
      currency: 'JPY',
      amount: 120_000,
      lines: [],
      channel: 'store',
    },
    {
      type: 'PointsEarned',
      customerId,
      lotId: 'LOT-1',
      source: { kind: 'purchase', orderId: 'ORD-1' },
      points: 1200,
      deficitSettled: 0,
      earnedAt: '2026-11-02T10:00:00.000Z',
      availableAt: '2026-11-16T10:00:00.000Z',
      expiresAt: '2027-11-02T10:00:00.000Z',
    },
    { type: 'PointsRedeemed', customerId, redemptionId: 'RED-1', points: 500, reward: 'coupon-500', occurredAt: '2026-11-20T09:00:00.000Z', fromLots: [] },
  ] as unknown as LedgerEvent[];
  let state = initialNotifierState(customerId);
  const out: LoyaltyNotification[] = [];
  events.forEach((event, i) => {
    const result = deriveFromEvent(state, { eventId: `00000000-0000-4000-8000-00000000000${i}`, position: BigInt(i + 1), event }, rules);
    state = result.state;
    out.push(...result.notifications);
  });
  const balance = events.reduce((b, e) => balancesProjection.apply(b, e), balancesProjection.initial(customerId));
  const scanned = deriveFromScan({
    customerId,
    profile: state.profile,
    balance,
    memory: null,
    standing: {
      segment: 'A',
      loyaltyClass: 'one-step-from-loyal',
      lacks: { behavioural: ['3 more purchase(s)'], psychological: 'no NPS answer yet: an answer of 9 or more (a promoter)' },
    },
    rules,
    after: '2026-11-16T00:00:00.000Z',
    asOf: '2026-11-16T12:00:00.000Z',
    position: '3',
    settings: DEFAULT_SCAN_SETTINGS,
    otherSegment: rules.rfm.otherSegment,
  });
  return [...out, ...scanned.notifications];
}
