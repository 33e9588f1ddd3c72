import {
  addDays,
  addMonths,
  evaluateTier,
  formatInstant,
  isCalendarDate,
  limitsOf,
  QualifyingActivityLog,
  startOfMonth,
  startOfYear,
  utcDayNumber,
  utcMonthOfYear,
  type ExpiryPolicy,
  type ProgramRules,
  type RuleBook,
  type RulesReference,
} from '@loyalty/program-rules';
import { computePurchasePoints } from '../earning/compute-purchase-points';
import type {
  AdjustPoints,
  CancelRedemption,
  EnrolCustomer,
  ExpirePoints,
  LedgerCommand,
  MigrateOpeningBalance,
  RecordPurchase,
  RecordRefund,
  RecordSupportContact,
  RecordSurveyAnswer,
  RedeemPoints,
} from './ledger-commands';
import type { LedgerEvent, LotMovement, MigratedLot, OpeningBalanceMigrated } from './ledger-events';
import { LedgerRejectionCode, type LedgerRejection } from './ledger-rejections';
import type { Lot, LoyaltyAccountState } from './loyalty-account.state';
import { bySpendingOrder, deficitAt, dueExpiry, settleableDeficitFrom, spendableFrom, statusWithPoints } from '../lots/lot-model';
import { assertNever, sourceKeyOf } from './source-keys';
import { differingFields, meaningOfCommand } from './source-meaning';

/** How far ahead of the clock a business time may be (clock skew between systems), by default. */
export const DEFAULT_FUTURE_TOLERANCE_MS = 5 * 60_000;

/** What decide needs besides the account: the rules and the time. */
export interface DecisionContext {
  ruleBook: RuleBook;
  /** Processing time, from the injected clock; business times come from the commands. */
  nowMs: number;
  /** Business times later than nowMs plus this are refused (LEDGER.FUTURE_TIME). Default DEFAULT_FUTURE_TOLERANCE_MS. */
  futureToleranceMs?: number;
}

export type Decision =
  | { outcome: 'accepted'; events: LedgerEvent[]; rules: RulesReference }
  | { outcome: 'duplicate'; sourceKey: string }
  | { outcome: 'rejected'; rejection: LedgerRejection };

/** decide(command, state) -> events | duplicate | rejection. Pure: reads, never changes, the state. */
export function decide(command: LedgerCommand, state: LoyaltyAccountState, context: DecisionContext): Decision {
  const sourceKey = sourceKeyOf(command);
  const recorded = sourceKey === null ? undefined : state.sources.get(sourceKey);
  if (sourceKey !== null && recorded !== undefined) {
    const differing = differingFields(recorded, meaningOfCommand(command) ?? {});
    if (differing.length === 0) return { outcome: 'duplicate', sourceKey };
    return reject(
      LedgerRejectionCode.SourceConflict,
      `${sourceKey} was recorded with another ${differing.map((d) => d.field).join(', ')}: a source id names one fact; send a new id for a new one`,
      {
        sourceKey,
        field: differing[0].field,
        differing,
      },
    );
  }

  const atIso = businessTimeOf(command);
  const atMs = Date.parse(atIso);
  if (Number.isNaN(atMs)) return reject(LedgerRejectionCode.InvalidTime, `not an ISO-8601 instant: ${atIso}`);
  const outOfRange = outsideTheProgramsTime(command, context);
  if (outOfRange) return { outcome: 'rejected', rejection: outOfRange };
  const version = context.ruleBook.inForceAt(atMs);
  const rules = version.rules;

  const result = decideWithRules(command, state, rules, atMs);
  if ('rejection' in result) return { outcome: 'rejected', rejection: result.rejection };
  const events = result.events;
  if (state.customerId === null && events.length > 0) {
    events.unshift({ type: 'AccountOpened', customerId: command.customerId, openedAt: formatInstant(atMs) });
  }
  return { outcome: 'accepted', events, rules: version.reference };
}

type Outcome = { events: LedgerEvent[] } | { rejection: LedgerRejection };

function decideWithRules(command: LedgerCommand, state: LoyaltyAccountState, rules: ProgramRules, atMs: number): Outcome {
  switch (command.type) {
    case 'MigrateOpeningBalance':
      return migrateOpeningBalance(command, state, rules, atMs);
    case 'EnrolCustomer':
      return enrol(command, atMs);
    case 'RecordPurchase':
      return recordPurchase(command, state, rules, atMs);
    case 'RecordRefund':
      return recordRefund(command, state, rules, atMs);
    case 'RecordSurveyAnswer':
      return recordSurveyAnswer(command, state, rules, atMs);
    case 'RecordSupportContact':
      return recordSupportContact(command);
    case 'RedeemPoints':
      return redeem(command, state, rules, atMs);
    case 'CancelRedemption':
      return cancelRedemption(command, state, atMs);
    case 'AdjustPoints':
      return adjust(command, state, rules, atMs);
    case 'ExpirePoints':
      return expire(command, state, atMs);
    default:
      return assertNever(command);
  }
}

/** Birth dates before this are typing errors, not customers. */
const EARLIEST_BIRTH_DATE = '1900-01-01';

function enrol(command: EnrolCustomer, atMs: number): Outcome {
  const badBirthDate = birthDateOutOfBounds(command.birthDate, atMs);
  if (badBirthDate) return badBirthDate;
  return {
    events: [{ type: 'CustomerEnrolled', customerId: command.customerId, enrolledAt: formatInstant(atMs), birthDate: command.birthDate ?? null }],
  };
}

function birthDateOutOfBounds(birthDate: string | undefined, atMs: number): { rejection: LedgerRejection } | null {
  if (birthDate === undefined) return null;
  if (!isCalendarDate(birthDate))
    return rejection(LedgerRejectionCode.InvalidTime, `birthDate must be a date YYYY-MM-DD that exists, got ${birthDate}`, { field: 'birthDate' });
  if (birthDate < EARLIEST_BIRTH_DATE || birthDate > formatInstant(atMs).slice(0, 10)) {
    return rejection(LedgerRejectionCode.InvalidValue, `birthDate ${birthDate} must be from ${EARLIEST_BIRTH_DATE} to the enrolment date`, {
      field: 'birthDate',
    });
  }
  return null;
}

/**
 * Takes over a balance from another program at the cutover (atMs): each lot keeps its points,
 * pending date and expiry; the tier must be the one the rules find from the carried-over
 * qualifying figures, so that this ledger goes on from the same tier for the same reasons.
 */
function migrateOpeningBalance(command: MigrateOpeningBalance, state: LoyaltyAccountState, rules: ProgramRules, atMs: number): Outcome {
  if (state.lots.length > 0 || state.purchases.size > 0 || state.deficitMoves.length > 0) {
    return rejection(
      LedgerRejectionCode.OpeningBalanceNotFirst,
      `customer ${command.customerId} already has points entries: an opening balance opens an account (adjust an existing one instead)`,
      { field: 'customerId' },
    );
  }
  const badBirthDate = birthDateOutOfBounds(command.birthDate, atMs);
  if (badBirthDate) return badBirthDate;
  if (command.memberSince !== undefined) {
    const since = Date.parse(command.memberSince);
    if (Number.isNaN(since))
      return rejection(LedgerRejectionCode.InvalidTime, `memberSince is not an ISO-8601 instant: ${command.memberSince}`, { field: 'memberSince' });
    if (since > atMs) return rejection(LedgerRejectionCode.InvalidTime, 'memberSince is after the cutover (migratedAt)', { field: 'memberSince' });
  }
  const maxPoints = limitsOf(rules).maxPoints;
  const refs = new Set<string>();
  const lots: MigratedLot[] = [];
  let total = 0;
  for (const [i, lot] of command.lots.entries()) {
    const field = `lots[${i}]`;
    if (lot.ref === '' || refs.has(lot.ref))
      return rejection(LedgerRejectionCode.InvalidValue, `${field}.ref must be a non-empty id, unique in the balance (got ${JSON.stringify(lot.ref)})`, {
        field: `${field}.ref`,
      });
    refs.add(lot.ref);
    if (!isPositiveInteger(lot.points) || lot.points > maxPoints)
      return rejection(LedgerRejectionCode.InvalidPoints, `${field}.points must be a positive integer of at most ${maxPoints}`, {
        field: `${field}.points`,
        points: lot.points,
      });
    const earnedAtMs = Date.parse(lot.earnedAt);
    const availableAtMs = lot.availableAt === undefined ? atMs : Date.parse(lot.availableAt);
    const expiresAtMs = Date.parse(lot.expiresAt);
    for (const [name, value] of [
      ['earnedAt', earnedAtMs],
      ['availableAt', availableAtMs],
      ['expiresAt', expiresAtMs],
    ] as const) {
      if (Number.isNaN(value)) return rejection(LedgerRejectionCode.InvalidTime, `${field}.${name} is not an ISO-8601 instant`, { field: `${field}.${name}` });
    }
    if (earnedAtMs > atMs)
      return rejection(LedgerRejectionCode.InvalidTime, `${field}.earnedAt is after the cutover (migratedAt)`, { field: `${field}.earnedAt` });
    if (expiresAtMs <= atMs) {
      return rejection(
        LedgerRejectionCode.InvalidTime,
        `${field} expired at ${formatInstant(expiresAtMs)}, before the cutover: expired points are not part of an opening balance`,
        { field: `${field}.expiresAt` },
      );
    }
    if (availableAtMs >= expiresAtMs)
      return rejection(LedgerRejectionCode.InvalidTime, `${field}.availableAt must be before its expiresAt`, { field: `${field}.availableAt` });
    total += lot.points;
    lots.push({
      lotId: `migrated:${lot.ref}`,
      ref: lot.ref,
      points: lot.points,
      earnedAt: formatInstant(earnedAtMs),
      availableAt: formatInstant(availableAtMs),
      expiresAt: formatInstant(expiresAtMs),
    });
  }
  const tier = command.tier ? openingTier(command.tier, rules, atMs) : null;
  if (tier && 'rejection' in tier) return tier;
  return {
    events: [
      {
        type: 'OpeningBalanceMigrated',
        customerId: command.customerId,
        migrationId: command.migrationId,
        sourceProgram: command.sourceProgram,
        migratedAt: formatInstant(atMs),
        memberSince: command.memberSince === undefined ? null : formatInstant(Date.parse(command.memberSince)),
        birthDate: command.birthDate ?? null,
        points: total,
        lots,
        tier: tier ? tier.tier : null,
      },
    ],
  };
}

/** The stated tier, checked against what the rules find at the cutover from the carried-over figures. */
function openingTier(
  stated: NonNullable<MigrateOpeningBalance['tier']>,
  rules: ProgramRules,
  atMs: number,
): { tier: NonNullable<OpeningBalanceMigrated['tier']> } | { rejection: LedgerRejection } {
  if (!rules.tiers.levels.some((l) => l.name === stated.name)) {
    return rejection(
      LedgerRejectionCode.InvalidValue,
      `tier ${stated.name} is not a level of the rules (${rules.tiers.levels.map((l) => l.name).join(', ')})`,
      {
        field: 'tier.name',
      },
    );
  }
  const qualifying: { at: string; spend: number; points: number }[] = [];
  for (const [i, figure] of stated.qualifying.entries()) {
    const field = `tier.qualifying[${i}]`;
    const at = Date.parse(figure.at);
    if (Number.isNaN(at) || at >= atMs)
      return rejection(LedgerRejectionCode.InvalidTime, `${field}.at must be an ISO-8601 instant before the cutover`, { field: `${field}.at` });
    if (!Number.isSafeInteger(figure.spend) || figure.spend < 0 || !Number.isSafeInteger(figure.points) || figure.points < 0)
      return rejection(LedgerRejectionCode.InvalidValue, `${field}: spend and points must be non-negative integers`, { field });
    qualifying.push({ at: formatInstant(at), spend: figure.spend, points: figure.points });
  }
  const found = evaluateTier(
    QualifyingActivityLog.of(qualifying.map((q) => ({ atMs: Date.parse(q.at), spendMinor: q.spend, points: q.points }))),
    rules.tiers,
    atMs,
  );
  if (found.level.name !== stated.name) {
    return rejection(
      LedgerRejectionCode.OpeningTierMismatch,
      `the file says ${stated.name}; the rules find ${found.level.name} at the cutover from the qualifying figures (${found.qualifyingTotal} qualifying ${rules.tiers.basis} in the current window)`,
      { field: 'tier', stated: stated.name, found: found.level.name, basis: found.basis, qualifyingTotal: found.qualifyingTotal },
    );
  }
  return { tier: { name: stated.name, qualifying } };
}

function recordPurchase(command: RecordPurchase, state: LoyaltyAccountState, rules: ProgramRules, atMs: number): Outcome {
  const badAmount = amountOutOfBounds(command.amount, rules, 'amount');
  if (badAmount) return badAmount;
  for (const [i, line] of (command.lines ?? []).entries()) {
    const badLine = amountOutOfBounds(line.unitPrice * line.quantity, rules, `lines[${i}]`, true);
    if (badLine) return badLine;
  }
  if (command.currency !== rules.currency) {
    return rejection(LedgerRejectionCode.CurrencyMismatch, `the program earns on ${rules.currency}, not ${command.currency}`, {
      field: 'currency',
      expected: rules.currency,
      got: command.currency,
    });
  }
  const lines = command.lines ?? [];
  const tier = evaluateTier(state.qualifying, rules.tiers, atMs);
  const day = utcDayNumber(atMs);
  const { points, breakdown } = computePurchasePoints(rules, {
    amount: command.amount,
    lines,
    tier,
    isFirstPurchase: state.purchases.size === 0 && state.migratedAtMs === null,
    inBirthMonth: state.birthMonth !== null && state.birthMonth === utcMonthOfYear(atMs),
    pointsEarnedThatDay: state.purchasePointsByDay.get(day) ?? 0,
  });
  const occurredAt = formatInstant(atMs);
  const events: LedgerEvent[] = [
    {
      type: 'PurchaseRecorded',
      customerId: command.customerId,
      orderId: command.orderId,
      occurredAt,
      currency: command.currency,
      amount: command.amount,
      lines,
      channel: command.channel ?? null,
    },
    {
      type: 'PointsEarned',
      customerId: command.customerId,
      lotId: `purchase:${command.orderId}`,
      source: { kind: 'purchase', orderId: command.orderId },
      points,
      deficitSettled: Math.min(settleableDeficitFrom(state.deficitMoves, atMs), points),
      earnedAt: occurredAt,
      availableAt: formatInstant(addDays(atMs, rules.pending.days)),
      expiresAt: formatInstant(expiresAt(rules.expiry, atMs)),
      breakdown,
    },
  ];
  return { events };
}

function recordRefund(command: RecordRefund, state: LoyaltyAccountState, rules: ProgramRules, atMs: number): Outcome {
  const badAmount = amountOutOfBounds(command.amount, rules, 'amount');
  if (badAmount) return badAmount;
  const purchase = state.purchases.get(command.orderId);
  if (!purchase)
    return rejection(LedgerRejectionCode.UnknownOrder, `no purchase ${command.orderId} on this account`, { field: 'orderId', orderId: command.orderId });
  const refundable = purchase.amount - purchase.refundedAmount;
  if (command.amount > refundable) {
    return rejection(
      LedgerRejectionCode.RefundExceedsPurchase,
      `refund of ${command.amount} exceeds the ${refundable} still refundable on order ${command.orderId}`,
      {
        field: 'amount',
        orderId: command.orderId,
        refundable,
        requested: command.amount,
      },
    );
  }
  if (atMs < purchase.atMs) {
    return rejection(LedgerRejectionCode.InvalidTime, `the refund (${formatInstant(atMs)}) cannot precede its purchase (${formatInstant(purchase.atMs)})`, {
      field: 'occurredAt',
      orderId: command.orderId,
    });
  }
  // Pro rata on the cumulative refund, so partial refunds that add up to the whole take back exactly all.
  const cumulativeTarget = Number((BigInt(purchase.pointsEarned) * BigInt(purchase.refundedAmount + command.amount)) / BigInt(purchase.amount));
  let toTakeBack = cumulativeTarget - purchase.pointsReversed;
  const points = toTakeBack;
  const fromLots: LotMovement[] = [];

  // The purchase's own lot first (whether pending or available), unless already expired.
  const own = state.lotsById.get(purchase.lotId);
  if (own && toTakeBack > 0 && holdsAt(own, atMs)) {
    const take = Math.min(spendableFrom(own, atMs), toTakeBack);
    if (take > 0) fromLots.push({ lotId: own.lotId, points: take });
    toTakeBack -= take;
  }
  if (toTakeBack > 0 && rules.refunds.deductFromOtherLots) {
    const others = state.lots.filter((l) => l !== own && holdsAt(l, atMs)).sort(byPendingFirstThenSpendingOrder(atMs));
    for (const lot of others) {
      if (toTakeBack === 0) break;
      const take = Math.min(spendableFrom(lot, atMs), toTakeBack);
      if (take === 0) continue;
      fromLots.push({ lotId: lot.lotId, points: take });
      toTakeBack -= take;
    }
  }
  const addedToDeficit = rules.refunds.allowNegativeBalance ? toTakeBack : 0;
  const writtenOff = toTakeBack - addedToDeficit;
  return {
    events: [
      {
        type: 'PointsReversed',
        customerId: command.customerId,
        refundId: command.refundId,
        orderId: command.orderId,
        refundAmount: command.amount,
        occurredAt: formatInstant(atMs),
        points,
        fromLots,
        addedToDeficit,
        writtenOff,
      },
    ],
  };
}

/** The lot exists at the instant and is not past its expiry (pending or available). */
function holdsAt(lot: Lot, atMs: number): boolean {
  return lot.earnedAtMs <= atMs && atMs < lot.expiresAtMs && lot.remaining > 0;
}

function byPendingFirstThenSpendingOrder(atMs: number) {
  return (a: Lot, b: Lot): number => {
    const aPending = a.availableAtMs > atMs ? 0 : 1;
    const bPending = b.availableAtMs > atMs ? 0 : 1;
    return aPending - bPending || bySpendingOrder(a, b);
  };
}

function recordSurveyAnswer(command: RecordSurveyAnswer, state: LoyaltyAccountState, rules: ProgramRules, atMs: number): Outcome {
  if (!Number.isInteger(command.score) || command.score < 0 || command.score > 10) {
    return rejection(LedgerRejectionCode.InvalidValue, 'score must be an integer from 0 to 10', { field: 'score', score: command.score });
  }
  const occurredAt = formatInstant(atMs);
  const events: LedgerEvent[] = [
    {
      type: 'SurveyAnswered',
      customerId: command.customerId,
      responseId: command.responseId,
      surveyId: command.surveyId,
      occurredAt,
      score: command.score,
      comment: command.comment ?? null,
      touchpoint: command.touchpoint ?? null,
    },
  ];
  const bonus = rules.earning.surveyAnswerBonusPoints;
  if (bonus > 0 && !state.surveysWithBonus.has(command.surveyId)) {
    events.push({
      type: 'BonusAwarded',
      customerId: command.customerId,
      lotId: `survey-bonus:${command.responseId}`,
      source: { kind: 'survey-bonus', responseId: command.responseId, surveyId: command.surveyId },
      reason: 'survey-answer',
      points: bonus,
      deficitSettled: Math.min(settleableDeficitFrom(state.deficitMoves, atMs), bonus),
      earnedAt: occurredAt,
      availableAt: occurredAt,
      expiresAt: formatInstant(expiresAt(rules.expiry, atMs)),
    });
  }
  return { events };
}

function recordSupportContact(command: RecordSupportContact): Outcome {
  if (command.satisfaction !== undefined && (!Number.isInteger(command.satisfaction) || command.satisfaction < 1 || command.satisfaction > 5)) {
    return rejection(LedgerRejectionCode.InvalidValue, 'satisfaction must be an integer from 1 to 5', {
      field: 'satisfaction',
      satisfaction: command.satisfaction,
    });
  }
  // A resolved contact says when (time to resolution is what support is measured by); an open one has no resolution time.
  if (command.resolved && command.resolvedAt === undefined)
    return rejection(LedgerRejectionCode.InvalidValue, 'resolvedAt is required when resolved is true', { field: 'resolvedAt' });
  if (!command.resolved && command.resolvedAt !== undefined)
    return rejection(LedgerRejectionCode.InvalidValue, 'resolvedAt must be absent when resolved is false', { field: 'resolvedAt' });
  if (command.resolvedAt !== undefined && Date.parse(command.resolvedAt) < Date.parse(command.openedAt)) {
    return rejection(LedgerRejectionCode.InvalidTime, 'resolvedAt is before openedAt', {
      field: 'resolvedAt',
      openedAt: command.openedAt,
      resolvedAt: command.resolvedAt,
    });
  }
  return {
    events: [
      {
        type: 'SupportContactRecorded',
        customerId: command.customerId,
        contactId: command.contactId,
        channel: command.channel,
        openedAt: formatInstant(Date.parse(command.openedAt)),
        resolvedAt: command.resolvedAt === undefined ? null : formatInstant(Date.parse(command.resolvedAt)),
        resolved: command.resolved,
        satisfaction: command.satisfaction ?? null,
      },
    ],
  };
}

function redeem(command: RedeemPoints, state: LoyaltyAccountState, rules: ProgramRules, atMs: number): Outcome {
  if (!isPositiveInteger(command.points))
    return rejection(LedgerRejectionCode.InvalidPoints, 'points must be a positive integer', { field: 'points', points: command.points });
  const maxPoints = limitsOf(rules).maxPoints;
  if (command.points > maxPoints)
    return rejection(LedgerRejectionCode.InvalidPoints, `points must be at most ${maxPoints} (the rules' limit)`, {
      field: 'points',
      points: command.points,
      max: maxPoints,
    });
  const consumed = consumeAvailable(state, command.points, atMs);
  if ('rejection' in consumed) return consumed;
  return {
    events: [
      {
        type: 'PointsRedeemed',
        customerId: command.customerId,
        redemptionId: command.redemptionId,
        points: command.points,
        reward: command.reward,
        occurredAt: formatInstant(atMs),
        fromLots: consumed.fromLots,
      },
    ],
  };
}

/**
 * Takes `points` from the lots available at the instant, soonest expiry first, or rejects if
 * too few are. A lot gives at most what it holds from the instant on (a move recorded earlier
 * may be dated later), and what is owed counts at its highest from the instant on.
 */
function consumeAvailable(state: LoyaltyAccountState, points: number, atMs: number): { fromLots: LotMovement[] } | { rejection: LedgerRejection } {
  const spendable = state.lots
    .filter((l) => l.remaining > 0 && statusWithPoints(l, 1, atMs) === 'available' && l.earnedAtMs <= atMs)
    .map((lot) => ({ lot, points: spendableFrom(lot, atMs) }))
    .filter((s) => s.points > 0)
    .sort((a, b) => bySpendingOrder(a.lot, b.lot));
  const owed = greatestDeficitFrom(state, atMs);
  const available = spendable.reduce((n, s) => n + s.points, 0) - owed;
  if (points > available) {
    return rejection(LedgerRejectionCode.InsufficientPoints, `${points} points requested, ${Math.max(available, 0)} available`, {
      field: 'points',
      requested: points,
      available: Math.max(available, 0),
    });
  }
  const fromLots: LotMovement[] = [];
  let left = points;
  for (const s of spendable) {
    if (left === 0) break;
    const take = Math.min(s.points, left);
    fromLots.push({ lotId: s.lot.lotId, points: take });
    left -= take;
  }
  return { fromLots };
}

/** The most the customer owes at any instant from atMs on. */
function greatestDeficitFrom(state: LoyaltyAccountState, atMs: number): number {
  let greatest = Math.max(deficitAt(state.deficitMoves, atMs), state.deficit);
  let running = deficitAt(state.deficitMoves, atMs);
  for (const m of state.deficitMoves.filter((d) => d.atMs > atMs).sort((a, b) => a.atMs - b.atMs)) {
    running += m.points;
    greatest = Math.max(greatest, running);
  }
  return greatest;
}

function cancelRedemption(command: CancelRedemption, state: LoyaltyAccountState, atMs: number): Outcome {
  const redemption = state.redemptions.get(command.redemptionId);
  if (!redemption)
    return rejection(LedgerRejectionCode.UnknownRedemption, `no redemption ${command.redemptionId} on this account`, {
      field: 'redemptionId',
      redemptionId: command.redemptionId,
    });
  if (atMs < redemption.atMs) {
    return rejection(
      LedgerRejectionCode.InvalidTime,
      `the cancellation (${formatInstant(atMs)}) cannot precede its redemption (${formatInstant(redemption.atMs)})`,
      { field: 'occurredAt', redemptionId: command.redemptionId },
    );
  }
  return {
    events: [
      {
        type: 'RedemptionCancelled',
        customerId: command.customerId,
        redemptionId: command.redemptionId,
        points: redemption.points,
        occurredAt: formatInstant(atMs),
        reason: command.reason ?? null,
        toLots: redemption.fromLots.map((m) => ({ ...m })),
      },
    ],
  };
}

function adjust(command: AdjustPoints, state: LoyaltyAccountState, rules: ProgramRules, atMs: number): Outcome {
  if (!Number.isSafeInteger(command.points) || command.points === 0) {
    return rejection(LedgerRejectionCode.InvalidPoints, 'points must be a non-zero integer', { field: 'points', points: command.points });
  }
  const maxPoints = limitsOf(rules).maxPoints;
  if (Math.abs(command.points) > maxPoints)
    return rejection(LedgerRejectionCode.InvalidPoints, `points must be at most ${maxPoints} either way (the rules' limit)`, {
      field: 'points',
      points: command.points,
      max: maxPoints,
    });
  const occurredAt = formatInstant(atMs);
  const base = {
    type: 'PointsAdjusted' as const,
    customerId: command.customerId,
    adjustmentId: command.adjustmentId,
    points: command.points,
    reasonCode: command.reasonCode,
    actor: command.actor,
    note: command.note ?? null,
    occurredAt,
  };
  if (command.points > 0) {
    return {
      events: [
        {
          ...base,
          lot: {
            lotId: `adjustment:${command.adjustmentId}`,
            deficitSettled: Math.min(settleableDeficitFrom(state.deficitMoves, atMs), command.points),
            availableAt: occurredAt,
            expiresAt: formatInstant(expiresAt(rules.expiry, atMs)),
          },
          fromLots: [],
        },
      ],
    };
  }
  const consumed = consumeAvailable(state, -command.points, atMs);
  if ('rejection' in consumed) return consumed;
  return { events: [{ ...base, lot: null, fromLots: consumed.fromLots }] };
}

/**
 * Expires what is left of every lot due at the run's asOf. Each expiry is dated at its lot's
 * own expiry instant (see expiryInstantOf), one entry per instant, so the books are right for
 * every date however late the run is. A lot not yet due is never touched.
 */
function expire(command: ExpirePoints, state: LoyaltyAccountState, atMs: number): Outcome {
  const byInstant = new Map<number, Lot[]>();
  const due = new Map<Lot, number>();
  for (const lot of state.lots) {
    const expiry = dueExpiry(lot, atMs);
    if (!expiry) continue;
    due.set(lot, expiry.points);
    const lots = byInstant.get(expiry.atMs);
    if (lots) lots.push(lot);
    else byInstant.set(expiry.atMs, [lot]);
  }
  const events: LedgerEvent[] = [...byInstant.entries()]
    .sort(([a], [b]) => a - b)
    .map(([instant, lots]) => {
      const movements = lots.sort(bySpendingOrder).map((l) => ({ lotId: l.lotId, points: due.get(l) ?? 0 }));
      return {
        type: 'PointsExpired' as const,
        customerId: command.customerId,
        expiryRunId: command.expiryRunId,
        asOf: formatInstant(instant),
        points: movements.reduce((sum, l) => sum + l.points, 0),
        lots: movements,
      };
    });
  return { events };
}

/** The instant a lot earned at `earnedAtMs` stops being valid (exclusive). */
export function expiresAt(policy: ExpiryPolicy, earnedAtMs: number): number {
  switch (policy.kind) {
    case 'rolling-months':
      return addMonths(earnedAtMs, policy.months);
    case 'end-of-month':
      return addMonths(startOfMonth(earnedAtMs), policy.months + 1);
    case 'end-of-year':
      return addMonths(startOfYear(earnedAtMs), 12 * (policy.years + 1));
    default:
      return assertNever(policy);
  }
}

/** Every business time of the command, by field name. */
function businessTimesOf(command: LedgerCommand): [field: string, value: string][] {
  switch (command.type) {
    case 'MigrateOpeningBalance':
      return [['migratedAt', command.migratedAt]];
    case 'EnrolCustomer':
      return [['enrolledAt', command.enrolledAt]];
    case 'RecordSupportContact':
      return command.resolvedAt === undefined
        ? [['openedAt', command.openedAt]]
        : [
            ['openedAt', command.openedAt],
            ['resolvedAt', command.resolvedAt],
          ];
    case 'ExpirePoints':
      return [['asOf', command.asOf]];
    default:
      return [['occurredAt', command.occurredAt]];
  }
}

/**
 * A business time outside the program's time: before its first rules version (no rules to
 * compute it), or later than the clock allows (facts are recorded when they happen, not ahead).
 */
function outsideTheProgramsTime(command: LedgerCommand, context: DecisionContext): LedgerRejection | null {
  const latestMs = context.nowMs + (context.futureToleranceMs ?? DEFAULT_FUTURE_TOLERANCE_MS);
  const startMs = context.ruleBook.programStartMs();
  for (const [field, value] of businessTimesOf(command)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return { code: LedgerRejectionCode.InvalidTime, message: `${field} is not an ISO-8601 instant: ${value}`, details: { field, value } };
    if (ms > latestMs) {
      const latestAccepted = formatInstant(latestMs);
      return {
        code: LedgerRejectionCode.FutureTime,
        message: `${field} ${value} is later than the latest accepted business time ${latestAccepted} (now plus the configured tolerance)`,
        details: { field, value, latestAccepted },
      };
    }
    if (ms < startMs) {
      const programStart = formatInstant(startMs);
      return {
        code: LedgerRejectionCode.BeforeProgramStart,
        message: `${field} ${value} is before the program began (${programStart}, its first rules version)`,
        details: { field, value, programStart },
      };
    }
  }
  return null;
}

/** The instant a command's fact happened (what picks the rules in force, and orders a customer's history). */
export function businessTimeOf(command: LedgerCommand): string {
  switch (command.type) {
    case 'MigrateOpeningBalance':
      return command.migratedAt;
    case 'EnrolCustomer':
      return command.enrolledAt;
    case 'RecordSupportContact':
      return command.openedAt;
    case 'ExpirePoints':
      return command.asOf;
    default:
      return command.occurredAt;
  }
}

/** An amount that is not a positive integer within the rules' limit (a line's price × quantity may be 0). */
function amountOutOfBounds(amount: number, rules: ProgramRules, field: string, zeroAllowed = false): { rejection: LedgerRejection } | null {
  if (!Number.isSafeInteger(amount) || amount < (zeroAllowed ? 0 : 1))
    return rejection(LedgerRejectionCode.InvalidAmount, `${field} must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer in minor units`, {
      field,
      amount,
    });
  const max = limitsOf(rules).maxAmountMinor;
  if (amount > max)
    return rejection(LedgerRejectionCode.InvalidAmount, `${field} ${amount} is more than the rules' limit of ${max} minor units`, { field, amount, max });
  return null;
}

function isPositiveInteger(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

function rejection(code: LedgerRejection['code'], message: string, details?: Record<string, unknown>): { rejection: LedgerRejection } {
  return { rejection: { code, message, ...(details ? { details } : {}) } };
}

function reject(code: LedgerRejection['code'], message: string, details?: Record<string, unknown>): Decision {
  return { outcome: 'rejected', rejection: { code, message, ...(details ? { details } : {}) } };
}
