import { randomBytes } from 'node:crypto';
import type { EventStore } from '@loyalty/event-store';
import { decodeLedgerEvent, type LedgerWriter } from '@loyalty/ledger-application';
import { decide, evolve, initialLoyaltyAccountState, loyaltyAccountStream, type LedgerCommand, type LedgerEvent } from '@loyalty/ledger-domain';
import type { ProjectionStore } from '@loyalty/projection-runner';
import { RuleBook } from '@loyalty/program-rules';
import { balancesProjection, projectionKey } from '@loyalty/read-models';
import type { OperationsStore, ReRatingRecord } from '../operations-store/operations-store.port';
import type { RulesCatalog } from '../rules-lifecycle/rules-catalog';

export const RE_RATING_REASON_CODE = 'RE-RATING';

export class ReRatingError extends Error {
  constructor(
    readonly code: 'RERATING.NOT_FOUND' | 'RERATING.ALREADY_POSTED',
    message: string,
  ) {
    super(message);
    this.name = 'ReRatingError';
  }
}

/** The earning-relevant commands of an account, rebuilt from its events (redemptions and expiries do not change what is earned). */
export function earningCommandsOf(events: readonly LedgerEvent[]): LedgerCommand[] {
  const commands: LedgerCommand[] = [];
  for (const e of events) {
    switch (e.type) {
      case 'CustomerEnrolled':
        commands.push({ type: 'EnrolCustomer', customerId: e.customerId, enrolledAt: e.enrolledAt, ...(e.birthDate ? { birthDate: e.birthDate } : {}) });
        break;
      case 'PurchaseRecorded':
        commands.push({
          type: 'RecordPurchase',
          customerId: e.customerId,
          orderId: e.orderId,
          occurredAt: e.occurredAt,
          currency: e.currency,
          amount: e.amount,
          lines: e.lines,
          ...(e.channel ? { channel: e.channel } : {}),
        });
        break;
      case 'PointsReversed':
        commands.push({
          type: 'RecordRefund',
          customerId: e.customerId,
          refundId: e.refundId,
          orderId: e.orderId,
          occurredAt: e.occurredAt,
          amount: e.refundAmount,
        });
        break;
      case 'SurveyAnswered':
        commands.push({
          type: 'RecordSurveyAnswer',
          customerId: e.customerId,
          responseId: e.responseId,
          surveyId: e.surveyId,
          occurredAt: e.occurredAt,
          score: e.score,
          ...(e.comment ? { comment: e.comment } : {}),
          ...(e.touchpoint ? { touchpoint: e.touchpoint } : {}),
        });
        break;
      default:
        break;
    }
  }
  return commands;
}

/** Points earned by purchases and bonuses on or after `from`, net of their refunds, plus earlier re-ratings of them. */
export function earnedSince(events: readonly LedgerEvent[], from: string): number {
  const inWindow = new Set<string>();
  let total = 0;
  for (const e of events) {
    if ((e.type === 'PointsEarned' || e.type === 'BonusAwarded') && e.earnedAt >= from) {
      total += e.points;
      if (e.source.kind === 'purchase') inWindow.add(e.source.orderId);
    } else if (e.type === 'PointsReversed' && inWindow.has(e.orderId)) total -= e.points;
    else if (e.type === 'PointsAdjusted' && e.reasonCode === RE_RATING_REASON_CODE) total += e.points;
  }
  return total;
}

/** What the account would have earned since `from` had `ruleBook` been in force: its earning commands decided again. */
export function reRate(events: readonly LedgerEvent[], ruleBook: RuleBook, from: string): number {
  const state = initialLoyaltyAccountState();
  const decided: LedgerEvent[] = [];
  for (const command of earningCommandsOf(events)) {
    const at = command.type === 'EnrolCustomer' ? command.enrolledAt : 'occurredAt' in command ? command.occurredAt : from;
    const decision = decide(command, state, { ruleBook, nowMs: Date.parse(at) });
    if (decision.outcome !== 'accepted') continue;
    for (const e of decision.events) {
      evolve(state, e);
      decided.push(e);
    }
  }
  return earnedSince(decided, from);
}

/**
 * Retroactive earning changes, the only way: earned points never change, so the difference a
 * candidate version would have made since `from` is computed per customer, previewed, and
 * posted once as approved adjustments (reason RE-RATING, one adjustment id per customer and
 * re-rating, so a repeated post adds nothing).
 */
export class ReRatingService {
  constructor(
    private readonly ledger: EventStore,
    private readonly projections: ProjectionStore,
    private readonly writer: LedgerWriter,
    private readonly operations: OperationsStore,
    private readonly catalog: RulesCatalog,
    private readonly clock: () => Date,
  ) {}

  async preview(candidateVersion: number, from: string, actor: string): Promise<ReRatingRecord> {
    const candidate = await this.catalog.rules(candidateVersion);
    const fromIso = new Date(from).toISOString();
    // The ledger's own versions before `from`, the candidate from `from` on.
    const live = this.catalog
      .ruleBook()
      .all()
      .map((v) => v.rules)
      .filter((r) => r.effectiveFrom < fromIso && r.version !== candidate.version);
    const ruleBook = new RuleBook([...live, { ...candidate, effectiveFrom: fromIso }]);
    const deltas: ReRatingRecord['deltas'] = [];
    let customers = 0;
    for await (const [customerId] of this.projections.entries(projectionKey(balancesProjection))) {
      customers++;
      const events = (await this.ledger.readStream(loyaltyAccountStream(customerId))).map(decodeLedgerEvent);
      const actualPoints = earnedSince(events, fromIso);
      const reRatedPoints = reRate(events, ruleBook, fromIso);
      if (reRatedPoints !== actualPoints) deltas.push({ customerId, actualPoints, reRatedPoints, deltaPoints: reRatedPoints - actualPoints });
    }
    const now = this.clock().toISOString();
    const record: ReRatingRecord = {
      id: `rr-${now.replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`,
      candidateVersion,
      from: fromIso,
      status: 'previewed',
      createdBy: actor,
      createdAt: now,
      customers,
      totalDeltaPoints: deltas.reduce((n, d) => n + d.deltaPoints, 0),
      deltas,
      posted: null,
    };
    await this.operations.saveReRating(record);
    await this.operations.appendAudit({
      at: now,
      actor,
      action: 're-rating.previewed',
      subject: record.id,
      details: { candidateVersion, from: fromIso, customersAffected: deltas.length, totalDeltaPoints: record.totalDeltaPoints },
    });
    return record;
  }

  async get(id: string): Promise<ReRatingRecord> {
    const record = await this.operations.reRating(id);
    if (!record) throw new ReRatingError('RERATING.NOT_FOUND', `no re-rating ${id}`);
    return record;
  }

  /** Posts the previewed deltas as one batch of adjustments, approved by `approver`, with `reason`. */
  async post(id: string, approver: string, reason: string): Promise<ReRatingRecord> {
    const record = await this.get(id);
    if (record.status === 'posted')
      throw new ReRatingError('RERATING.ALREADY_POSTED', `re-rating ${id} was posted by ${record.posted?.by} at ${record.posted?.at}`);
    const now = this.clock().toISOString();
    const results = await this.writer.executeBatch(
      record.deltas.map((d, index) => ({
        command: {
          type: 'AdjustPoints',
          customerId: d.customerId,
          adjustmentId: `${id}:${d.customerId}`,
          points: d.deltaPoints,
          reasonCode: RE_RATING_REASON_CODE,
          actor: approver,
          note: `${reason} (re-rating ${id}, rules version ${record.candidateVersion} from ${record.from})`,
          occurredAt: now,
        },
        provenance: { channel: 'batch', batchId: id, index },
      })),
    );
    const posted = {
      by: approver,
      at: now,
      reason,
      accepted: results.filter((r) => r.status === 'accepted').length,
      duplicates: results.filter((r) => r.status === 'duplicate').length,
      rejected: results.flatMap((r) => (r.status === 'rejected' ? [{ customerId: r.customerId, code: r.rejection.code }] : [])),
    };
    const updated: ReRatingRecord = { ...record, status: 'posted', posted };
    await this.operations.saveReRating(updated);
    await this.operations.appendAudit({
      at: now,
      actor: approver,
      action: 're-rating.posted',
      subject: id,
      details: { reason, accepted: posted.accepted, rejected: posted.rejected.length },
    });
    return updated;
  }
}
