import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ID_PATTERN, isCalendarInstant, MAX_BODY_BYTES, MAX_JSON_DEPTH, pathDeeperThan } from './field-formats';
import { MESSAGE_CATALOG, type MessageEnvelope, type MessageType } from './message-catalog';

/** Why a message could not be read: stable codes, carried in the dead letter's headers. */
export type DecodeFailureReason =
  'INVALID_JSON' | 'TOO_LARGE' | 'TOO_DEEP' | 'INVALID_ENVELOPE' | 'UNKNOWN_TYPE' | 'UNSUPPORTED_VERSION' | 'SCHEMA_VIOLATION' | 'WRONG_TOPIC' | 'KEY_MISMATCH';

/** Every decode failure reason, as the dead letters and the AsyncAPI document name them. */
export const DECODE_FAILURE_REASONS: readonly DecodeFailureReason[] = [
  'INVALID_JSON',
  'TOO_LARGE',
  'TOO_DEEP',
  'INVALID_ENVELOPE',
  'UNKNOWN_TYPE',
  'UNSUPPORTED_VERSION',
  'SCHEMA_VIOLATION',
  'WRONG_TOPIC',
  'KEY_MISMATCH',
];

export type DecodeResult =
  | { ok: true; envelope: MessageEnvelope }
  /** `field`: the path of the first bad field, where one is to blame (e.g. payload.lines[0].quantity). */
  | { ok: false; reason: DecodeFailureReason; detail: string; messageId?: string; field?: string };

/**
 * Reads a message value into a validated envelope, or says exactly why not. Checks the
 * envelope, then the payload class of its (type, version), then that the topic is the
 * type's and the key is the payload's customer (per-customer order depends on it).
 */
export function decodeMessage(value: Buffer | string | null, context: { topic?: string; key?: string | null } = {}): DecodeResult {
  if (value === null) return { ok: false, reason: 'INVALID_JSON', detail: 'the message has no value (a tombstone)' };
  const bytes = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  if (bytes > MAX_BODY_BYTES) return { ok: false, reason: 'TOO_LARGE', detail: `the value is ${bytes} bytes; at most ${MAX_BODY_BYTES}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'INVALID_JSON', detail: (error as Error).message };
  }
  // Before any validation: a validator walks nested values recursively.
  const tooDeep = pathDeeperThan(parsed);
  if (tooDeep !== null) {
    const id = (parsed as { messageId?: unknown }).messageId;
    return {
      ok: false,
      reason: 'TOO_DEEP',
      detail: `${tooDeep || 'the value'} nests deeper than ${MAX_JSON_DEPTH} levels`,
      field: tooDeep,
      ...(typeof id === 'string' ? { messageId: id } : {}),
    };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: 'INVALID_ENVELOPE', detail: 'the value must be a JSON object' };
  const e = parsed as Record<string, unknown>;
  const messageId = typeof e.messageId === 'string' ? e.messageId : undefined;
  const problems: { field: string; message: string }[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message: `${field} ${message}` });
  if (typeof e.type !== 'string') problem('type', 'must be a string');
  if (!Number.isInteger(e.schemaVersion) || (e.schemaVersion as number) < 1) problem('schemaVersion', 'must be a positive integer');
  if (typeof e.messageId !== 'string' || !ID_PATTERN.test(e.messageId)) problem('messageId', 'must be an id of 1-128 letters, digits or . _ : @ -');
  if (!isCalendarInstant(e.occurredAt)) problem('occurredAt', 'must be an ISO-8601 instant with an offset, on a day that exists');
  if (typeof e.producer !== 'string' || e.producer.length === 0 || e.producer.length > 128)
    problem('producer', 'must be a non-empty string of at most 128 characters');
  if (typeof e.payload !== 'object' || e.payload === null || Array.isArray(e.payload)) problem('payload', 'must be an object');
  const unknown = Object.keys(e).filter((k) => !['type', 'schemaVersion', 'messageId', 'occurredAt', 'producer', 'payload'].includes(k));
  if (unknown.length > 0) problem(unknown[0], `is not an envelope field (unknown: ${unknown.join(', ')})`);
  if (problems.length > 0)
    return { ok: false, reason: 'INVALID_ENVELOPE', detail: problems.map((p) => p.message).join('; '), messageId, field: problems[0].field };

  const type = e.type as string;
  if (!(type in MESSAGE_CATALOG)) return { ok: false, reason: 'UNKNOWN_TYPE', detail: `unknown message type ${JSON.stringify(type)}`, messageId };
  const entry = MESSAGE_CATALOG[type as MessageType];
  const payloadClass = (entry.versions as Record<number, new () => object>)[e.schemaVersion as number];
  if (!payloadClass) {
    return {
      ok: false,
      reason: 'UNSUPPORTED_VERSION',
      detail: `${type} v${e.schemaVersion} is not supported (supported: ${Object.keys(entry.versions).join(', ')})`,
      messageId,
    };
  }
  const decoded = decodePayload(payloadClass, e.payload);
  if (!decoded.ok) return { ...decoded, messageId };
  const payload = decoded.payload;
  if (context.topic !== undefined && context.topic !== entry.topic) {
    return { ok: false, reason: 'WRONG_TOPIC', detail: `${type} belongs on ${entry.topic}, not ${context.topic}`, messageId };
  }
  const customerId = (payload as { customerId: string }).customerId;
  if (context.key !== undefined && context.key !== customerId) {
    return {
      ok: false,
      reason: 'KEY_MISMATCH',
      detail: `the key must be the customer id ${JSON.stringify(customerId)}, got ${JSON.stringify(context.key)}`,
      messageId,
      field: 'payload.customerId',
    };
  }
  return { ok: true, envelope: { ...(e as unknown as MessageEnvelope), type: type as MessageType, payload: payload as never } };
}

/**
 * A payload checked against its class (every field validated, unknown fields refused): what a
 * message carries, or a row of an imported file in the same shape.
 */
export function decodePayload(
  payloadClass: new () => object,
  value: unknown,
): { ok: true; payload: object } | { ok: false; reason: 'SCHEMA_VIOLATION'; detail: string; field: string } {
  const payload = plainToInstance(payloadClass, value);
  const errors = validateSync(payload, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
  if (errors.length > 0) return { ok: false, reason: 'SCHEMA_VIOLATION', detail: describe(errors), field: `payload.${firstField(errors)}` };
  return { ok: true, payload };
}

/** The path of the first invalid field (class-validator's tree, as describe names them). */
function firstField(errors: ValidationError[], parent = ''): string {
  const error = errors[0];
  const field = parent === '' ? error.property : /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
  return error.constraints || !error.children?.length ? field : firstField(error.children, field);
}

function describe(errors: ValidationError[], parent = ''): string {
  const parts: string[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    if (error.constraints) parts.push(`payload.${field}: ${Object.values(error.constraints).join(', ')}`);
    if (error.children?.length) parts.push(describe(error.children, field));
  }
  return parts.join('; ');
}
