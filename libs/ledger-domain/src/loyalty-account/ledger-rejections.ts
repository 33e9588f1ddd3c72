/** Expected business failures: stable codes, mapped to HTTP problem+json in one place. */
export const LedgerRejectionCode = {
  InsufficientPoints: 'LEDGER.INSUFFICIENT_POINTS',
  UnknownOrder: 'LEDGER.UNKNOWN_ORDER',
  RefundExceedsPurchase: 'LEDGER.REFUND_EXCEEDS_PURCHASE',
  CurrencyMismatch: 'LEDGER.CURRENCY_MISMATCH',
  InvalidAmount: 'LEDGER.INVALID_AMOUNT',
  InvalidPoints: 'LEDGER.INVALID_POINTS',
  InvalidTime: 'LEDGER.INVALID_TIME',
  /** A business time later than now plus the configured tolerance. */
  FutureTime: 'LEDGER.FUTURE_TIME',
  InvalidValue: 'LEDGER.INVALID_VALUE',
  UnknownRedemption: 'LEDGER.UNKNOWN_REDEMPTION',
} as const;

export type LedgerRejectionCode = (typeof LedgerRejectionCode)[keyof typeof LedgerRejectionCode];

export interface LedgerRejection {
  code: LedgerRejectionCode;
  message: string;
  details?: Record<string, unknown>;
}
