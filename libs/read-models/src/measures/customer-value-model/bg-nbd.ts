import gammaln from '@stdlib/math-base-special-gammaln';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';

// Module constants, not global lookups: under jest's vm contexts a global read per call made a fit 15x slower.
const { log, exp, max } = Math;

/**
 * The BG/NBD model: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An
 * Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284.
 * While alive, a customer buys at rate λ ~ Gamma(r, α); after each repeat purchase they drop out
 * with probability p ~ Beta(a, b).
 */
export interface BgNbdParameters {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** A customer's history in the papers' terms: repeat purchases x, the last at t_x, observed for T (periods since the first). */
export interface PurchaseHistory {
  x: number;
  tx: number;
  T: number;
}

/**
 * ln L of one customer, eq. (6):
 *   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
 *     + δ(x>0) B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
 * in logs: A1 + A2 + ln(e^A3 + δ e^A4) with the Beta ratios expanded into Γ.
 */
export function bgNbdLogLikelihood(params: BgNbdParameters, h: PurchaseHistory): number {
  return new BgNbdTerms(params).logLikelihood(h);
}

/** The parts of eq. (6) that depend on x only, cached per x: a fit evaluates them once per distinct x, not per customer. */
export class BgNbdTerms {
  private readonly byX = new Map<number, number>();
  private readonly lnAlpha: number;

  constructor(readonly params: BgNbdParameters) {
    this.lnAlpha = log(params.alpha);
  }

  /** A1 + A2: ln[Γ(r+x) α^r / Γ(r)] + ln[B(a, b+x)/B(a, b)]. */
  private shared(x: number): number {
    let value = this.byX.get(x);
    if (value === undefined) {
      const { r, a, b } = this.params;
      value = gammaln(r + x) - gammaln(r) + r * this.lnAlpha + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x);
      this.byX.set(x, value);
    }
    return value;
  }

  logLikelihood({ x, tx, T }: PurchaseHistory): number {
    const { r, alpha, a, b } = this.params;
    const a3 = -(r + x) * log(alpha + T);
    if (x === 0) return this.shared(x) + a3;
    const a4 = log(a) - log(b + x - 1) - (r + x) * log(alpha + tx);
    const top = max(a3, a4);
    return this.shared(x) + top + log(exp(a3 - top) + exp(a4 - top));
  }
}

/** P(alive | x, t_x, T) = 1 / (1 + δ(x>0) a/(b+x−1) ((α+T)/(α+t_x))^(r+x)) (Fader, Hardie & Lee 2008, "Computing P(alive) using the BG/NBD model"). */
export function bgNbdProbabilityAlive({ r, alpha, a, b }: BgNbdParameters, { x, tx, T }: PurchaseHistory): number {
  if (x === 0) return 1;
  return 1 / (1 + (a / (b + x - 1)) * exp((r + x) * (log(alpha + T) - log(alpha + tx))));
}

/**
 * Expected purchases in the next t periods, eq. (10):
 *   E[Y(t) | x, t_x, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive)
 */
export function bgNbdExpectedPurchases(params: BgNbdParameters, h: PurchaseHistory, t: number): number {
  const { r, alpha, a, b } = params;
  const { x, T } = h;
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const hyp = hyp2f1(r + x, b + x, a + b + x - 1, z);
  const head = ((a + b + x - 1) / (a - 1)) * (1 - exp((r + x) * log((alpha + T) / (alpha + T + t))) * hyp);
  return head * bgNbdProbabilityAlive(params, h);
}
