import { nelderMead } from 'fmin';
import type { CustomerProfile } from '../../customer-profile/customer-profile.projection';
import { BgNbdTerms, bgNbdExpectedPurchases, bgNbdProbabilityAlive, type BgNbdParameters, type PurchaseHistory } from './bg-nbd';
import { gammaGammaExpectedAverage, gammaGammaLogLikelihood, type GammaGammaParameters, type SpendHistory } from './gamma-gamma';

const DAY = 86_400_000;

/** How histories are measured and values projected. */
export interface CustomerValueSettings {
  /** The model's time unit in days (7: weeks, as the papers). */
  periodDays: number;
  /** The CLV horizon, in days (counted in steps of 30 days). */
  horizonDays: number;
  /** Discount rate per year for the CLV (0.1 = 10 %), applied monthly. */
  annualDiscountRate: number;
}

export const DEFAULT_CUSTOMER_VALUE_SETTINGS: CustomerValueSettings = { periodDays: 7, horizonDays: 360, annualDiscountRate: 0.1 };

/** A customer's purchase history as the models read it, plus the mean value of the repeat purchases (minor units). */
export type CustomerHistory = PurchaseHistory & { customerId: string; repeatMean: number | null };

/**
 * The history of one customer in the window (calibrationFrom, asOf]: purchases net of refunds,
 * those of one UTC day merged into one (the papers count days with a purchase), x = days with a
 * purchase after the first, t_x and T from the first day to the last and to as-of's day, in
 * periods. The repeat purchases' mean value feeds Gamma-Gamma. Null without a purchase.
 */
export function purchaseHistoryOf(profile: CustomerProfile, asOf: string, periodDays: number, calibrationFrom: string | null = null): CustomerHistory | null {
  const byDay = new Map<number, number>();
  for (const p of profile.purchases) {
    const net = p.amount - p.refunded;
    if (net <= 0 || p.at > asOf || (calibrationFrom !== null && p.at <= calibrationFrom)) continue;
    const day = Math.floor(Date.parse(p.at) / DAY);
    byDay.set(day, (byDay.get(day) ?? 0) + net);
  }
  if (byDay.size === 0) return null;
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const first = days[0];
  const last = days[days.length - 1];
  const asOfDay = Math.floor(Date.parse(asOf) / DAY);
  const repeats = days.slice(1).map((d) => byDay.get(d) ?? 0);
  return {
    customerId: profile.customerId,
    x: repeats.length,
    tx: (last - first) / periodDays,
    T: (asOfDay - first) / periodDays,
    repeatMean: repeats.length === 0 ? null : repeats.reduce((s, v) => s + v, 0) / repeats.length,
  };
}

export interface FitResult<P> {
  parameters: P;
  /** Σ ln L over the customers at the fitted parameters. */
  logLikelihood: number;
  customers: number;
  converged: boolean;
}

/**
 * Maximum likelihood by Nelder-Mead (fmin) over the log of the parameters (so they stay
 * positive), restarted from its own answer until it stops improving, as lifetimes does with
 * scipy. Equal histories are weighted, not repeated.
 */
export function fitBgNbd(histories: readonly PurchaseHistory[]): FitResult<BgNbdParameters> {
  const weighted = weigh(histories, (h) => `${h.x}|${h.tx}|${h.T}`);
  const params = (v: number[]): BgNbdParameters => ({ r: Math.exp(v[0]), alpha: Math.exp(v[1]), a: Math.exp(v[2]), b: Math.exp(v[3]) });
  const total = (p: BgNbdParameters) => {
    const terms = new BgNbdTerms(p);
    let sum = 0;
    for (const [h, n] of weighted) sum += n * terms.logLikelihood(h);
    return sum;
  };
  const meanT = histories.reduce((s, h) => s + h.T, 0) / Math.max(1, histories.length);
  const best = minimise((v) => -total(params(v)) / histories.length, [0, Math.log(Math.max(1, meanT)), 0, 0]);
  const parameters = params(best.x);
  return { parameters, logLikelihood: total(parameters), customers: histories.length, converged: best.converged };
}

/** Gamma-Gamma by the same method, over the customers with at least one repeat purchase. */
export function fitGammaGamma(spends: readonly SpendHistory[]): FitResult<GammaGammaParameters> {
  const weighted = weigh(spends, (s) => `${s.x}|${s.mean}`);
  const params = (v: number[]): GammaGammaParameters => ({ p: Math.exp(v[0]), q: Math.exp(v[1]), gamma: Math.exp(v[2]) });
  const total = (p: GammaGammaParameters) => {
    let sum = 0;
    for (const [s, n] of weighted) sum += n * gammaGammaLogLikelihood(p, s);
    return sum;
  };
  const meanSpend = spends.reduce((s, v) => s + v.mean, 0) / Math.max(1, spends.length);
  const best = minimise((v) => -total(params(v)) / spends.length, [0, Math.log(2), Math.log(Math.max(1, meanSpend))]);
  const parameters = params(best.x);
  return { parameters, logLikelihood: total(parameters), customers: spends.length, converged: best.converged };
}

function weigh<T>(items: readonly T[], keyOf: (item: T) => string): [T, number][] {
  const groups = new Map<string, [T, number]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group[1]++;
    else groups.set(key, [item, 1]);
  }
  return [...groups.values()];
}

function minimise(f: (v: number[]) => number, start: number[]): { x: number[]; converged: boolean } {
  const safe = (v: number[]) => {
    const value = f(v);
    return Number.isFinite(value) ? value : Number.MAX_VALUE;
  };
  let x = start;
  let fx = safe(start);
  for (let round = 0; round < 10; round++) {
    const next = nelderMead(safe, x, { maxIterations: 4000, minErrorDelta: 1e-10, minTolerance: 1e-8 });
    const improved = fx - next.fx;
    x = [...next.x];
    fx = next.fx;
    if (improved < 1e-9) return { x, converged: true };
  }
  return { x, converged: false };
}

/** A fitted pair of models: what a prediction needs, and what the fit said. */
export interface CustomerValueModel {
  asOf: string;
  calibrationFrom: string | null;
  fittedAt: string;
  settings: CustomerValueSettings;
  bgNbd: FitResult<BgNbdParameters>;
  /** Null when fewer than two customers have a repeat purchase, or the fit gives q <= 1 (no finite mean). */
  gammaGamma: FitResult<GammaGammaParameters> | null;
}

/** Fits both models on the customers' histories as of `asOf` (purchases after `calibrationFrom`). */
export function fitCustomerValueModel(
  histories: readonly CustomerHistory[],
  context: { asOf: string; calibrationFrom: string | null; fittedAt: string; settings: CustomerValueSettings },
): CustomerValueModel {
  const bgNbd = fitBgNbd(histories);
  const spends = histories.filter((h) => h.repeatMean !== null && h.repeatMean > 0).map((h) => ({ x: h.x, mean: h.repeatMean ?? 0 }));
  const gg = spends.length >= 2 ? fitGammaGamma(spends) : null;
  return { ...context, bgNbd, gammaGamma: gg && gg.parameters.q > 1 ? gg : null };
}

/** A customer's predicted value under a fitted model. Money in minor units (rounded), probabilities and counts to 4 decimals. */
export interface PredictedValue {
  /** Expected purchases (days with a purchase) over the horizon. */
  expectedPurchases: number;
  /** @format double */
  probabilityAlive: number;
  /** Expected value of a future purchase; null without a Gamma-Gamma fit. */
  expectedAverageValue: number | null;
  /** Discounted expected spend over the horizon; null without a Gamma-Gamma fit. */
  clv: number | null;
  horizonDays: number;
}

/**
 * Expected purchases and P(alive) from BG/NBD, value per purchase from Gamma-Gamma, and the CLV as
 * Σ over 30-day steps i of (E[Y(30i)] − E[Y(30(i−1))]) · E[M] / (1 + monthly rate)^i.
 */
export function predictValue(model: CustomerValueModel, history: CustomerHistory): PredictedValue {
  const { periodDays, horizonDays, annualDiscountRate } = model.settings;
  const expected = (days: number) => bgNbdExpectedPurchases(model.bgNbd.parameters, history, days / periodDays);
  const average = model.gammaGamma ? gammaGammaExpectedAverage(model.gammaGamma.parameters, { x: history.x, mean: history.repeatMean ?? 0 }) : null;
  let clv: number | null = null;
  if (average !== null) {
    const monthly = Math.pow(1 + annualDiscountRate, 1 / 12) - 1;
    let sum = 0;
    let before = 0;
    for (let step = 1; step * 30 <= horizonDays; step++) {
      const upTo = expected(step * 30);
      sum += ((upTo - before) * average) / Math.pow(1 + monthly, step);
      before = upTo;
    }
    clv = Math.round(sum);
  }
  return {
    expectedPurchases: round4(expected(horizonDays)),
    probabilityAlive: round4(bgNbdProbabilityAlive(model.bgNbd.parameters, history)),
    expectedAverageValue: average === null ? null : Math.round(average),
    clv,
    horizonDays,
  };
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
