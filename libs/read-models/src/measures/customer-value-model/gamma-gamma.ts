import gammaln from '@stdlib/math-base-special-gammaln';

// Module constants, not global lookups: under jest's vm contexts a global read per call made a fit 15x slower.
const { log } = Math;

/**
 * The Gamma-Gamma model of monetary value: Fader & Hardie (2013), "The Gamma-Gamma Model of
 * Monetary Value" (after Colombo & Jiang 1999). A purchase's value z ~ Gamma(p, ν) around the
 * customer's mean p/ν, with ν ~ Gamma(q, γ) across customers; independent of the purchase process.
 */
export interface GammaGammaParameters {
  p: number;
  q: number;
  gamma: number;
}

/** Repeat purchases x (at least one) and their mean value m̄ (any currency unit, the same for every customer). */
export interface SpendHistory {
  x: number;
  mean: number;
}

/**
 * ln f(m̄ | p, q, γ, x), the density of a customer's mean value:
 *   f = Γ(px+q)/(Γ(px) Γ(q)) · γ^q m̄^(px−1) x^(px) / (γ + x m̄)^(px+q)
 */
export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParameters, { x, mean }: SpendHistory): number {
  const px = p * x;
  return gammaln(px + q) - gammaln(px) - gammaln(q) + q * log(gamma) + (px - 1) * log(mean) + px * log(x) - (px + q) * log(gamma + x * mean);
}

/** E[M | p, q, γ, m̄, x] = (γ + x m̄) p / (p x + q − 1): the customer's expected value per purchase (the population mean, p γ/(q−1), for x = 0). */
export function gammaGammaExpectedAverage({ p, q, gamma }: GammaGammaParameters, { x, mean }: SpendHistory): number {
  return ((gamma + x * mean) * p) / (p * x + q - 1);
}
