/** Injection tokens for what the composition root (apps/) provides. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const RULE_BOOK_SOURCE = Symbol('RULE_BOOK_SOURCE');
export const CLOCK = Symbol('CLOCK');

/** Optional: what the read side knows of a customer (tier, segment, NPS, CLV), for the account summary. */
export const ACCOUNT_INSIGHTS = Symbol('ACCOUNT_INSIGHTS');
export interface AccountInsightsSource {
  insightsFor(customerId: string, asOf: string): Promise<Record<string, unknown> | null>;
}
