// Test-only helpers (not exported from index.ts): given events / when command / then outcome.
import { defaultProgramRules, RuleBook, type ProgramRules } from '@loyalty/program-rules';
import type { LedgerCommand } from '../loyalty-account/ledger-commands';
import type { LedgerEvent } from '../loyalty-account/ledger-events';
import { decide, type Decision } from '../loyalty-account/decide';
import { foldLoyaltyAccount } from '../loyalty-account/evolve';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Plain rules for arithmetic you can check by hand: 1 point per 100, no bands, bonuses, caps or tiers. */
export function plainRules(overrides: DeepPartial<ProgramRules> = {}): ProgramRules {
  const base = defaultProgramRules();
  const plain: ProgramRules = {
    ...base,
    earning: {
      ...base.earning,
      amountBands: [{ fromAmountMinor: 0, multiplierPercent: 100 }],
      birthdayMonthMultiplierPercent: 100,
      firstPurchaseBonusPoints: 0,
      surveyAnswerBonusPoints: 0,
      caps: { perPurchasePoints: null, perDayPoints: null },
    },
    tiers: { ...base.tiers, levels: [{ name: 'regular', threshold: 0, earnMultiplierPercent: 100 }] },
  };
  return merge(plain, overrides) as ProgramRules;
}

function merge(target: unknown, patch: unknown): unknown {
  if (patch === undefined) return target;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) result[k] = merge(result[k], v);
  return result;
}

export const CUSTOMER = 'C-1';

/** When a command reaches the ledger, unless a test says otherwise: as it happens (its latest business time). */
export function arrivalOf(command: LedgerCommand): number {
  const times = Object.entries(command)
    .filter(([field, value]) => ['occurredAt', 'enrolledAt', 'openedAt', 'resolvedAt', 'asOf', 'migratedAt'].includes(field) && typeof value === 'string')
    .map(([, value]) => Date.parse(value as string));
  return Math.max(...times.filter((t) => !Number.isNaN(t)), 0);
}

export function when(command: LedgerCommand, options: { given?: LedgerEvent[]; rules?: ProgramRules | ProgramRules[]; nowMs?: number } = {}): Decision {
  const rules = options.rules ?? plainRules();
  const ruleBook = new RuleBook(Array.isArray(rules) ? rules : [rules]);
  const state = foldLoyaltyAccount(options.given ?? []);
  return decide(command, state, { ruleBook, nowMs: options.nowMs ?? arrivalOf(command) });
}

/** Runs commands in order, keeping the accepted events: the "given" of later steps. */
export function history(commands: LedgerCommand[], rules: ProgramRules | ProgramRules[] = plainRules()): LedgerEvent[] {
  const events: LedgerEvent[] = [];
  for (const command of commands) {
    const decision = when(command, { given: events, rules });
    if (decision.outcome !== 'accepted') throw new Error(`setup command ${command.type} was ${decision.outcome}: ${JSON.stringify(decision)}`);
    events.push(...decision.events);
  }
  return events;
}

export function accepted(decision: Decision): LedgerEvent[] {
  if (decision.outcome !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(decision)}`);
  return decision.events;
}

export function eventOf<T extends LedgerEvent['type']>(events: LedgerEvent[], type: T): Extract<LedgerEvent, { type: T }> {
  const found = events.find((e) => e.type === type);
  if (!found) throw new Error(`no ${type} among ${events.map((e) => e.type).join(', ')}`);
  return found as Extract<LedgerEvent, { type: T }>;
}

export const purchase = (
  orderId: string,
  amount: number,
  occurredAt: string,
  extra: Partial<LedgerCommand & { type: 'RecordPurchase' }> = {},
): LedgerCommand => ({
  type: 'RecordPurchase',
  customerId: CUSTOMER,
  orderId,
  occurredAt,
  currency: 'JPY',
  amount,
  ...extra,
});
export const refund = (refundId: string, orderId: string, amount: number, occurredAt: string): LedgerCommand => ({
  type: 'RecordRefund',
  customerId: CUSTOMER,
  refundId,
  orderId,
  amount,
  occurredAt,
});
export const redeem = (redemptionId: string, points: number, occurredAt: string): LedgerCommand => ({
  type: 'RedeemPoints',
  customerId: CUSTOMER,
  redemptionId,
  points,
  reward: 'coupon',
  occurredAt,
});
