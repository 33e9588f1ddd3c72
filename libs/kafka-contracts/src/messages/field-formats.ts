import { Transform } from 'class-transformer';
import { IsOptional, IsString, Length, Matches, ValidateBy, type ValidationOptions } from 'class-validator';

/** Formats shared by every way into the ledger (Kafka messages, HTTP requests and queries): one definition each. */

/** An instant with an explicit offset (Z or ±hh:mm): a time without one is ambiguous. */
export const UTC_INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
export const UTC_INSTANT_MESSAGE = '$property must be an ISO-8601 instant with Z or an offset, on a day that exists, e.g. 2026-11-22T09:30:00Z';

/** Customer, order, refund ... ids: safe in stream names, URLs and logs. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
export const ID_MESSAGE = '$property must be 1-128 letters, digits or . _ : @ - (starting with a letter or digit)';

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const DATE_MESSAGE = '$property must be a date YYYY-MM-DD that exists, e.g. 1990-02-28';

export const SUPPORT_CHANNELS = ['phone', 'email', 'chat', 'chatbot', 'faq', 'sms', 'ivr'] as const;

/**
 * How deep a message or request body may nest. The deepest valid input (an envelope, its
 * payload, a line of it) is 4; anything much deeper is refused before any validation runs.
 */
export const MAX_JSON_DEPTH = 16;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** A YYYY-MM-DD that names a day that exists (2026-02-30 does not; 2028-02-29 does). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE_PATTERN.test(value)) return false;
  const [year, month, day] = value.split('-').map(Number);
  return year >= 1 && day <= daysInMonth(year, month);
}

/**
 * An ISO-8601 instant with an offset, on a day that exists: never normalised (JavaScript's
 * Date would read 2026-02-30 as 2 March), so a date that does not exist is refused.
 */
export function isCalendarInstant(value: unknown): value is string {
  return typeof value === 'string' && UTC_INSTANT.test(value) && isCalendarDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value));
}

/** A string field holding an instant (see isCalendarInstant). */
export function IsCalendarInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isCalendarInstant', validator: { validate: isCalendarInstant, defaultMessage: () => UTC_INSTANT_MESSAGE } }, options);
}

/** A string field holding a date (see isCalendarDate). */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isCalendarDate', validator: { validate: isCalendarDate, defaultMessage: () => DATE_MESSAGE } }, options);
}

/**
 * An optional field. The one rule for `null`, over HTTP and Kafka alike: on an optional field
 * it means absent (many producers write null for a missing value); on a required field it is
 * refused like any other wrong value, the field named.
 */
export function OptionalField(): PropertyDecorator {
  return (target, property) => {
    Transform(({ value }) => (value === null ? undefined : value))(target, property);
    IsOptional()(target, property);
  };
}

/**
 * Where a parsed JSON value nests deeper than `limit` (the path of the field that does, e.g.
 * `payload.lines[0].sku`), or null: measured without recursion, so a hostile depth cannot
 * blow the stack.
 */
export function pathDeeperThan(value: unknown, limit = MAX_JSON_DEPTH): string | null {
  const stack: [unknown, number, string][] = [[value, 1, '']];
  while (stack.length > 0) {
    const [node, depth, path] = stack.pop() as [unknown, number, string];
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return path;
    const entries: [string, unknown][] = Array.isArray(node)
      ? node.map((child, i) => [`[${i}]`, child])
      : Object.entries(node).map(([key, child]) => [path === '' ? key : `.${key}`, child]);
    // The first field under the root names the place; deeper levels keep it.
    for (const [step, child] of entries) if (child !== null && typeof child === 'object') stack.push([child, depth + 1, depth <= 5 ? `${path}${step}` : path]);
  }
  return null;
}

/** True when the value nests deeper than `limit` (see pathDeeperThan). */
export function jsonDepthExceeds(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  return pathDeeperThan(value, limit) !== null;
}

// Control characters (Unicode Cc: U+0000-U+001F, U+007F-U+009F), written out so that the JSON
// Schema patterns generated from these (AsyncAPI, OpenAPI) mean the same in every regex dialect.
/** Labels (a SKU, a channel, a reward): no control characters at all. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const LABEL = /^[^\u0000-\u001F\u007F-\u009F]*$/;
/** Free text (a comment, a note): line breaks and tabs, no other control characters. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const TEXT = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$/;

/** A string of `min` to `max` characters without control characters (`multiline`: tabs and line breaks allowed). */
export function IsText(min: number, max: number, { multiline = false } = {}): PropertyDecorator {
  return (target, property) => {
    IsString()(target, property);
    Length(min, max)(target, property);
    Matches(multiline ? TEXT : LABEL, {
      message: multiline ? '$property must not hold control characters other than tabs and line breaks' : '$property must not hold control characters',
    })(target, property);
  };
}

/** The largest a message value or request body may be, in bytes. */
export const MAX_BODY_BYTES = 1_048_576;
