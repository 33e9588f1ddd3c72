/**
 * Points and money in finance are integers, exact in a JavaScript number up to 2^53. The rules'
 * limits (`limits.maxAmountMinor`, `limits.maxPoints`, at most 2^45 and 2^40) keep every entry far
 * below it, so a sum would need millions of maximal entries to leave it; should one ever do, the
 * report fails with this error rather than state a rounded figure.
 */
export class InexactSumError extends RangeError {
  readonly code = 'FINANCE.SUM_BEYOND_EXACT';
  constructor(value: number) {
    super(`a finance sum reached ${value}, beyond 2^53 - 1: it would no longer be exact, so the report is refused`);
    this.name = 'InexactSumError';
  }
}

/** The value if it is an exact integer, else InexactSumError. */
export function exact(value: number): number {
  if (!Number.isSafeInteger(value)) throw new InexactSumError(value);
  return value;
}
