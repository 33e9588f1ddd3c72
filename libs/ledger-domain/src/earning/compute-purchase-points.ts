import type { ProgramRules, TierStatus } from '@loyalty/program-rules';
import type { PurchaseLine } from '../loyalty-account/ledger-commands';
import type { EarningBreakdown, EarningStep } from '../loyalty-account/ledger-events';

export interface PurchaseEarningInput {
  amount: number;
  lines: readonly PurchaseLine[];
  tier: TierStatus;
  isFirstPurchase: boolean;
  inBirthMonth: boolean;
  /** Purchase points already earned on the purchase's UTC day (for the daily cap). */
  pointsEarnedThatDay: number;
}

export interface PurchaseEarning {
  points: number;
  breakdown: EarningBreakdown;
}

/**
 * Points for one purchase. Multipliers are additive: each adds (percent - 100)% of the base
 * points it applies to (the whole purchase, or one line for category/SKU), truncated toward
 * zero; so the result does not depend on the order of the steps, and every step can be
 * checked by hand. Caps apply last: per purchase, then what is left of the day's allowance.
 */
export function computePurchasePoints(rules: ProgramRules, input: PurchaseEarningInput): PurchaseEarning {
  const { earning } = rules;
  const basePoints = ratePoints(input.amount, earning.baseRate.points, earning.baseRate.perAmountMinor);
  const steps: EarningStep[] = [];

  const band = amountBandFor(rules, input.amount);
  if (band && band.multiplierPercent !== 100) {
    steps.push(multiplierStep('amount-band', `amount from ${band.fromAmountMinor}`, band.multiplierPercent, basePoints));
  }

  for (const line of input.lines) {
    const sku = earning.skuMultipliers.find((m) => m.sku === line.sku);
    const category = sku ? undefined : earning.categoryMultipliers.find((m) => m.category === line.category);
    const rule = sku ?? category;
    if (!rule || rule.multiplierPercent === 100) continue;
    const lineBase = ratePoints(line.quantity * line.unitPrice, earning.baseRate.points, earning.baseRate.perAmountMinor);
    steps.push(
      sku
        ? multiplierStep('sku', `sku ${line.sku}`, rule.multiplierPercent, lineBase)
        : multiplierStep('category', `category ${line.category}`, rule.multiplierPercent, lineBase),
    );
  }

  if (input.tier.level.earnMultiplierPercent !== 100) {
    steps.push(multiplierStep('tier', `tier ${input.tier.level.name}`, input.tier.level.earnMultiplierPercent, basePoints));
  }
  if (input.inBirthMonth && earning.birthdayMonthMultiplierPercent !== 100) {
    steps.push(multiplierStep('birthday-month', 'birthday month', earning.birthdayMonthMultiplierPercent, basePoints));
  }
  if (input.isFirstPurchase && earning.firstPurchaseBonusPoints > 0) {
    steps.push({ kind: 'first-purchase', label: 'first purchase bonus', points: earning.firstPurchaseBonusPoints });
  }

  const uncappedPoints = Math.max(
    0,
    steps.reduce((sum, s) => sum + s.points, basePoints),
  );
  let points = uncappedPoints;
  const caps: EarningBreakdown['caps'] = [];
  const perPurchase = earning.caps.perPurchasePoints;
  if (perPurchase !== null && points > perPurchase) {
    caps.push({ kind: 'per-purchase', limit: perPurchase, pointsRemoved: points - perPurchase });
    points = perPurchase;
  }
  const perDay = earning.caps.perDayPoints;
  if (perDay !== null) {
    const allowance = Math.max(0, perDay - input.pointsEarnedThatDay);
    if (points > allowance) {
      caps.push({ kind: 'per-day', limit: perDay, pointsRemoved: points - allowance });
      points = allowance;
    }
  }

  return {
    points,
    breakdown: {
      basePoints,
      baseRate: { ...earning.baseRate },
      steps,
      uncappedPoints,
      caps,
      tier: { name: input.tier.level.name, basis: input.tier.basis, qualifyingTotal: input.tier.qualifyingTotal },
    },
  };
}

/** floor(amount * points / per), exact even where the product passes 2^53. */
export function ratePoints(amount: number, points: number, per: number): number {
  const product = amount * points;
  if (Number.isSafeInteger(product)) return Math.floor(product / per);
  return Number((BigInt(amount) * BigInt(points)) / BigInt(per));
}

function amountBandFor(rules: ProgramRules, amount: number) {
  let chosen: ProgramRules['earning']['amountBands'][number] | undefined;
  for (const band of rules.earning.amountBands) {
    if (band.fromAmountMinor <= amount) chosen = band;
  }
  return chosen;
}

function multiplierStep(kind: EarningStep['kind'], label: string, percent: number, onBasePoints: number): EarningStep {
  return { kind, label, percent, onBasePoints, points: Math.trunc((onBasePoints * (percent - 100)) / 100) };
}
