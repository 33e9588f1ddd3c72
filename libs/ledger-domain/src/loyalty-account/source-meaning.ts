import { canonicalJson } from '@loyalty/program-rules';
import type { LedgerCommand } from './ledger-commands';
import type { LedgerEvent } from './ledger-events';
import { assertNever } from './source-keys';

/**
 * What a source says, field by field: two commands with one source id are one fact delivered
 * twice only if they say the same. A source id seen again with another meaning (the same order
 * with another amount, the same redemption with other points) is a conflict, never a silent
 * duplicate. The same fields are read off the command and off the entry it recorded, in the same
 * normal form (instants in epoch ms, absent as null), so a state rebuilt from the ledger
 * remembers what each source said. Times a server may fill in (a redemption's, an adjustment's)
 * are not part of the meaning: a retry a second later is the same redemption.
 */
export type SourceMeaning = Record<string, string | number | boolean | null>;

const ms = (iso: string | undefined | null): number | null => (iso === undefined || iso === null ? null : Date.parse(iso));
const orNull = <T>(value: T | undefined | null): T | null => (value === undefined ? null : value);
/** A purchase's lines in one short value: they differ or they do not. */
const linesOf = (lines: readonly unknown[] | undefined): string => canonicalJson(lines ?? []);

/** The meaning of a command, keyed by the command's own field names. Null: the command has no source (an expiry). */
export function meaningOfCommand(command: LedgerCommand): SourceMeaning | null {
  switch (command.type) {
    case 'MigrateOpeningBalance':
      return openingBalanceMeaning(command.migrationId, command.migratedAt, command.lots, command.tier?.name ?? null);
    case 'EnrolCustomer':
      return { enrolledAt: ms(command.enrolledAt), birthDate: orNull(command.birthDate) };
    case 'RecordPurchase':
      return {
        occurredAt: ms(command.occurredAt),
        currency: command.currency,
        amount: command.amount,
        lines: linesOf(command.lines),
        channel: orNull(command.channel),
      };
    case 'RecordRefund':
      return { orderId: command.orderId, occurredAt: ms(command.occurredAt), amount: command.amount };
    case 'RecordSurveyAnswer':
      return {
        surveyId: command.surveyId,
        occurredAt: ms(command.occurredAt),
        score: command.score,
        comment: orNull(command.comment),
        touchpoint: orNull(command.touchpoint),
      };
    case 'RecordSupportContact':
      return {
        channel: command.channel,
        openedAt: ms(command.openedAt),
        resolvedAt: ms(command.resolvedAt),
        resolved: command.resolved,
        satisfaction: orNull(command.satisfaction),
      };
    case 'RedeemPoints':
      return { points: command.points, reward: command.reward };
    case 'CancelRedemption':
      return {};
    case 'AdjustPoints':
      return { points: command.points, reasonCode: command.reasonCode };
    case 'ExpirePoints':
      return null;
    default:
      return assertNever(command);
  }
}

/** The source an entry recorded and what it said (the same fields as meaningOfCommand); null for entries that record no source. */
export function meaningOfEvent(event: LedgerEvent): { sourceKey: string; meaning: SourceMeaning } | null {
  switch (event.type) {
    case 'OpeningBalanceMigrated':
      return { sourceKey: 'opening-balance', meaning: openingBalanceMeaning(event.migrationId, event.migratedAt, event.lots, event.tier?.name ?? null) };
    case 'CustomerEnrolled':
      return { sourceKey: `enrolment:${event.customerId}`, meaning: { enrolledAt: ms(event.enrolledAt), birthDate: event.birthDate } };
    case 'PurchaseRecorded':
      return {
        sourceKey: `purchase:${event.orderId}`,
        meaning: { occurredAt: ms(event.occurredAt), currency: event.currency, amount: event.amount, lines: linesOf(event.lines), channel: event.channel },
      };
    case 'PointsReversed':
      return { sourceKey: `refund:${event.refundId}`, meaning: { orderId: event.orderId, occurredAt: ms(event.occurredAt), amount: event.refundAmount } };
    case 'SurveyAnswered':
      return {
        sourceKey: `survey-response:${event.responseId}`,
        meaning: { surveyId: event.surveyId, occurredAt: ms(event.occurredAt), score: event.score, comment: event.comment, touchpoint: event.touchpoint },
      };
    case 'SupportContactRecorded':
      return {
        sourceKey: `support-contact:${event.contactId}`,
        meaning: {
          channel: event.channel,
          openedAt: ms(event.openedAt),
          resolvedAt: ms(event.resolvedAt),
          resolved: event.resolved,
          satisfaction: event.satisfaction,
        },
      };
    case 'PointsRedeemed':
      return { sourceKey: `redemption:${event.redemptionId}`, meaning: { points: event.points, reward: event.reward } };
    case 'RedemptionCancelled':
      return { sourceKey: `redemption-cancellation:${event.redemptionId}`, meaning: {} };
    case 'PointsAdjusted':
      return { sourceKey: `adjustment:${event.adjustmentId}`, meaning: { points: event.points, reasonCode: event.reasonCode } };
    default:
      return null;
  }
}

/** An opening balance says which migration, when, which lots (points and dates; available at the cutover unless said) and which tier. */
function openingBalanceMeaning(
  migrationId: string,
  migratedAt: string,
  lots: readonly { ref: string; points: number; availableAt?: string; expiresAt: string }[],
  tier: string | null,
): SourceMeaning {
  const lotsSaid = [...lots]
    .map((l) => [l.ref, l.points, ms(l.availableAt ?? migratedAt), ms(l.expiresAt)])
    .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
  return { migrationId, migratedAt: ms(migratedAt), lots: canonicalJson(lotsSaid), tier };
}

/** The meaning as kept in the account state: one short string per source. */
export function encodeMeaning(meaning: SourceMeaning): string {
  return JSON.stringify(meaning);
}

/** The fields whose values differ between what was recorded and what came again, with both values. */
export function differingFields(recorded: string, received: SourceMeaning): { field: string; recorded: unknown; received: unknown }[] {
  const before = JSON.parse(recorded) as SourceMeaning;
  const fields = new Set([...Object.keys(before), ...Object.keys(received)]);
  const differing: { field: string; recorded: unknown; received: unknown }[] = [];
  for (const field of fields) {
    const a = before[field] ?? null;
    const b = received[field] ?? null;
    if (a === b) continue;
    const asInstant = field.endsWith('At') && typeof a === 'number' && typeof b === 'number';
    differing.push({ field, recorded: asInstant ? new Date(a).toISOString() : a, received: asInstant ? new Date(b as number).toISOString() : b });
  }
  return differing;
}
