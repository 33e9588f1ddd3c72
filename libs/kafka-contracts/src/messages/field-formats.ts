/** Formats shared by every way into the ledger (Kafka messages and HTTP requests). */

/** An instant with an explicit offset (Z or ±hh:mm): a time without one is ambiguous. */
export const UTC_INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
export const UTC_INSTANT_MESSAGE = '$property must be an ISO-8601 instant with Z or an offset, e.g. 2026-11-22T09:30:00Z';

/** Customer, order, refund ... ids: safe in stream names, URLs and logs. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
export const ID_MESSAGE = '$property must be 1-128 letters, digits or . _ : @ - (starting with a letter or digit)';

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export const SUPPORT_CHANNELS = ['phone', 'email', 'chat', 'chatbot', 'faq', 'sms', 'ivr'] as const;
