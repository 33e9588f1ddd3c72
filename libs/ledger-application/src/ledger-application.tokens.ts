/** Injection tokens for what the composition root (apps/) provides. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const RULE_BOOK_SOURCE = Symbol('RULE_BOOK_SOURCE');
export const CLOCK = Symbol('CLOCK');
