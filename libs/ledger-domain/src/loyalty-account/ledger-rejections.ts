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
  /** A business time before the program's first rules version. */
  BeforeProgramStart: 'LEDGER.BEFORE_PROGRAM_START',
  /** A source id seen before with another meaning (another amount, ...): the repeat names what differs. */
  SourceConflict: 'LEDGER.SOURCE_CONFLICT',
  /** The ledger failed on this command unexpectedly (a defect, logged): refused alone, so that the commands around it go on. */
  Unprocessable: 'LEDGER.UNPROCESSABLE',
  InvalidValue: 'LEDGER.INVALID_VALUE',
  UnknownRedemption: 'LEDGER.UNKNOWN_REDEMPTION',
  /** An opening balance for an account that already holds points entries. */
  OpeningBalanceNotFirst: 'LEDGER.OPENING_BALANCE_NOT_FIRST',
  /** The tier an opening balance states is not the one the rules find from its qualifying figures. */
  OpeningTierMismatch: 'LEDGER.OPENING_TIER_MISMATCH',
} as const;

export type LedgerRejectionCode = (typeof LedgerRejectionCode)[keyof typeof LedgerRejectionCode];

export interface LedgerRejection {
  code: LedgerRejectionCode;
  message: string;
  details?: Record<string, unknown>;
}
