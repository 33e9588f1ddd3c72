import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CustomerProfile } from '../../customer-profile/customer-profile.projection';
import { bgNbdExpectedPurchases, bgNbdLogLikelihood, bgNbdProbabilityAlive, type BgNbdParameters, type PurchaseHistory } from './bg-nbd';
import { fitBgNbd, fitGammaGamma, fitCustomerValueModel, predictValue, purchaseHistoryOf, DEFAULT_CUSTOMER_VALUE_SETTINGS } from './customer-value-model';
import { gammaGammaExpectedAverage, gammaGammaLogLikelihood, type GammaGammaParameters, type SpendHistory } from './gamma-gamma';

interface Reference {
  bgNbd: {
    parameters: BgNbdParameters;
    customers: { x: number; tx: number; T: number; logLikelihood: number; probabilityAlive: number; expectedPurchases: Record<string, number> }[];
  }[];
  gammaGamma: { parameters: GammaGammaParameters; customers: { x: number; mean: number; logLikelihood: number; expectedAverage: number }[] }[];
}
// Values of the papers' formulas in plain form at 40 digits (mpmath): test/fixtures/customer-value/generate_reference.py
const reference = JSON.parse(readFileSync(join(__dirname, '../../../../../test/fixtures/customer-value/reference-values.json'), 'utf8')) as Reference;

describe('BG/NBD and Gamma-Gamma formulas', () => {
  it('gives the closed form (α/(α+T))^r for a customer without repeat purchases', () => {
    // Given the paper's CDNOW estimates and a customer seen for 38.86 weeks with no repeat purchase
    const params = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    // Then ln L = r ln(α/(α+T))
    expect(Math.abs(bgNbdLogLikelihood(params, { x: 0, tx: 0, T: 38.86 }) - 0.243 * Math.log(4.414 / (4.414 + 38.86)))).toBeLessThan(1e-12);
  });

  it("equals the papers' likelihood, P(alive) and expected purchases at given parameters (to 1e-6)", () => {
    let checked = 0;
    for (const { parameters, customers } of reference.bgNbd) {
      for (const c of customers) {
        const h: PurchaseHistory = { x: c.x, tx: c.tx, T: c.T };
        expect(Math.abs(bgNbdLogLikelihood(parameters, h) - c.logLikelihood)).toBeLessThan(1e-6);
        expect(Math.abs(bgNbdProbabilityAlive(parameters, h) - c.probabilityAlive)).toBeLessThan(1e-6);
        for (const [t, value] of Object.entries(c.expectedPurchases))
          expect(Math.abs(bgNbdExpectedPurchases(parameters, h, Number(t)) - value)).toBeLessThan(1e-6);
        checked++;
      }
    }
    for (const { parameters, customers } of reference.gammaGamma) {
      for (const c of customers) {
        const s: SpendHistory = { x: c.x, mean: c.mean };
        expect(Math.abs(gammaGammaLogLikelihood(parameters, s) - c.logLikelihood)).toBeLessThan(1e-6);
        expect(Math.abs(gammaGammaExpectedAverage(parameters, s) - c.expectedAverage)).toBeLessThan(1e-6);
        checked++;
      }
    }
    expect(checked).toBe(31);
  });
});

describe('parameter recovery', () => {
  // Tolerance: each fitted parameter within 25 % of the truth with 8,000 simulated customers
  // (a fit's own standard errors there are about 5-12 %), and the fitted likelihood at least the true one's.
  const TOLERANCE = 0.25;
  const within = (fitted: Record<string, number>, truth: Record<string, number>) =>
    Object.fromEntries(Object.keys(truth).map((k) => [k, Math.abs(fitted[k] / truth[k] - 1) < TOLERANCE ? 'ok' : `${fitted[k]} vs ${truth[k]}`]));

  it.each([
    { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
    { r: 1.5, alpha: 12, a: 2.2, b: 6.5 },
    { r: 0.8, alpha: 3, a: 0.4, b: 1.1 },
  ])('fits BG/NBD back from histories simulated with %o', (truth) => {
    // Given 8,000 customers simulated over 39-78 weeks
    const random = seeded(7 + Math.round(truth.r * 1000));
    const histories = Array.from({ length: 8000 }, () => simulateBgNbd(truth, 39 + 39 * random(), random));
    // When fitted
    const fit = fitBgNbd(histories);
    // Then each parameter is within the tolerance, and the fit is at least as likely as the truth
    expect(within({ ...fit.parameters }, truth)).toEqual({ r: 'ok', alpha: 'ok', a: 'ok', b: 'ok' });
    const truthLikelihood = histories.reduce((s, h) => s + bgNbdLogLikelihood(truth, h), 0);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(truthLikelihood - 1e-6);
    expect(fit.converged).toBe(true);
  });

  it.each([
    { p: 6.25, q: 3.74, gamma: 15.44 },
    { p: 2.1, q: 4.5, gamma: 1200 },
  ])('fits Gamma-Gamma back from spends simulated with %o', (truth) => {
    const random = seeded(11 + Math.round(truth.p * 100));
    const spends = Array.from({ length: 8000 }, () => simulateSpend(truth, 1 + Math.floor(random() * 12), random));
    const fit = fitGammaGamma(spends);
    expect(within({ ...fit.parameters }, truth)).toEqual({ p: 'ok', q: 'ok', gamma: 'ok' });
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(spends.reduce((s, v) => s + gammaGammaLogLikelihood(truth, v), 0) - 1e-6);
  });
});

describe('histories from the ledger', () => {
  const purchase = (orderId: string, at: string, amount: number, refunded = 0) => ({ orderId, at, amount, refunded, points: 0 });
  const profile = (purchases: CustomerProfile['purchases']): CustomerProfile => ({
    customerId: 'C1',
    enrolledAt: null,
    birthDate: null,
    purchases,
    surveyAnswers: [],
    supportContacts: [],
  });

  it('merges same-day purchases, skips fully refunded ones and measures t_x and T in periods from the first day', () => {
    // Given purchases on 1 Jan (two), 8 Jan (one, fully refunded), 15 Jan, and 29 Jan (after as-of)
    const history = purchaseHistoryOf(
      profile([
        purchase('o1', '2026-01-01T09:00:00.000Z', 1000),
        purchase('o2', '2026-01-01T18:00:00.000Z', 500),
        purchase('o3', '2026-01-08T10:00:00.000Z', 700, 700),
        purchase('o4', '2026-01-15T10:00:00.000Z', 3000, 1000),
        purchase('o5', '2026-01-29T10:00:00.000Z', 9000),
      ]),
      '2026-01-22T12:00:00.000Z',
      7,
    );
    // Then one repeat day (15 Jan, 2000 net) two weeks after the first, observed for three weeks
    expect(history).toEqual({ customerId: 'C1', x: 1, tx: 2, T: 3, repeatMean: 2000 });
  });

  it('predicts more purchases and a higher value for a frequent recent buyer than for a lapsed one, and nothing for one without a purchase', () => {
    const random = seeded(5);
    const truth = { r: 0.8, alpha: 3, a: 0.4, b: 1.1 };
    const histories = Array.from({ length: 3000 }, (_, i) => ({
      customerId: `C${i}`,
      ...simulateBgNbd(truth, 52, random),
      repeatMean: 1000 + 4000 * random(),
    }));
    const model = fitCustomerValueModel(histories, { asOf: 'x', calibrationFrom: null, fittedAt: 'x', settings: DEFAULT_CUSTOMER_VALUE_SETTINGS });
    const frequent = predictValue(model, { customerId: 'F', x: 20, tx: 51, T: 52, repeatMean: 3000 });
    const lapsed = predictValue(model, { customerId: 'L', x: 20, tx: 10, T: 52, repeatMean: 3000 });
    expect(frequent.expectedPurchases).toBeGreaterThan(lapsed.expectedPurchases);
    expect(frequent.probabilityAlive).toBeGreaterThan(0.9);
    expect(lapsed.probabilityAlive).toBeLessThan(0.1);
    expect(frequent.clv ?? 0).toBeGreaterThan(lapsed.clv ?? 0);
    expect(purchaseHistoryOf(profile([]), '2026-01-01T00:00:00.000Z', 7)).toBeNull();
  });
});

/** mulberry32: a seeded uniform generator, so a simulation is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape, rate) by Marsaglia & Tsang (2000), boosted for shape < 1. */
function gammaSample(shape: number, rate: number, random: () => number): number {
  if (shape < 1) return gammaSample(shape + 1, rate, random) * Math.pow(random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal(random);
    const v = Math.pow(1 + c * z, 3);
    if (v <= 0) continue;
    if (Math.log(random()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

/** The BG/NBD story: λ ~ Gamma(r, α), p ~ Beta(a, b); exponential gaps; drop out with p after each repeat purchase. */
function simulateBgNbd({ r, alpha, a, b }: BgNbdParameters, T: number, random: () => number): PurchaseHistory {
  const lambda = gammaSample(r, alpha, random);
  const ga = gammaSample(a, 1, random);
  const p = ga / (ga + gammaSample(b, 1, random));
  let t = 0;
  let x = 0;
  let tx = 0;
  for (;;) {
    t += -Math.log(1 - random()) / lambda;
    if (t >= T) break;
    x++;
    tx = t;
    if (random() < p) break;
  }
  return { x, tx, T };
}

/** The Gamma-Gamma story: ν ~ Gamma(q, γ); each of x values ~ Gamma(p, ν); their mean. */
function simulateSpend({ p, q, gamma }: GammaGammaParameters, x: number, random: () => number): SpendHistory {
  const nu = gammaSample(q, gamma, random);
  let sum = 0;
  for (let i = 0; i < x; i++) sum += gammaSample(p, nu, random);
  return { x, mean: sum / x };
}
