import { decodePayload, MESSAGE_CATALOG, type MessageEnvelope, type MessageType } from '@loyalty/kafka-contracts';
import { messageToCommand } from '@loyalty/kafka-ingestion';
import type { LedgerCommand } from '@loyalty/ledger-domain';

/**
 * A row as read from a file: its line (1: the file's first line) and its value, as JSON text (an
 * NDJSON line, parsed where the row is decoded) or an object (a CSV record), or why it could not
 * be read.
 */
export type ImportRow = { line: number; text: string } | { line: number; value: Record<string, unknown> } | { line: number; unreadable: string };

/** A row as the ledger takes it, or the reason it is refused (the reject file's line). */
export type DecodedRow = { line: number; command: LedgerCommand } | { line: number; rejected: { field: string; reason: string } };

/**
 * A row in the Kafka payload shape, read as the ledger's command by the very classes and mapping
 * live ingestion uses. A row is a payload (its type given by the import) or an envelope-like
 * object `{type, schemaVersion?, payload}` (other envelope fields are ignored).
 */
export function decodeImportRow(row: ImportRow, defaultType: MessageType | null): DecodedRow {
  if ('unreadable' in row) return { line: row.line, rejected: { field: '(row)', reason: row.unreadable } };
  let value: Record<string, unknown>;
  if ('text' in row) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(row.text);
    } catch (error) {
      return { line: row.line, rejected: { field: '(row)', reason: `not JSON: ${(error as Error).message}` } };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { line: row.line, rejected: { field: '(row)', reason: 'a row must be a JSON object' } };
    value = parsed as Record<string, unknown>;
  } else value = row.value;
  const wrapped = typeof value.payload === 'object' && value.payload !== null && !Array.isArray(value.payload);
  const type = wrapped && value.type !== undefined ? value.type : defaultType;
  if (type === null || type === undefined)
    return { line: row.line, rejected: { field: 'type', reason: 'no message type: give the row a type, or the import --type' } };
  if (typeof type !== 'string' || !(type in MESSAGE_CATALOG))
    return { line: row.line, rejected: { field: 'type', reason: `unknown message type ${JSON.stringify(type)} (${Object.keys(MESSAGE_CATALOG).join(', ')})` } };
  const version = wrapped && value.schemaVersion !== undefined ? value.schemaVersion : 1;
  const payloadClass = (MESSAGE_CATALOG[type as MessageType].versions as Record<number, new () => object>)[version as number];
  if (!payloadClass) return { line: row.line, rejected: { field: 'schemaVersion', reason: `${type} v${String(version)} is not supported` } };
  const decoded = decodePayload(payloadClass, wrapped ? value.payload : value);
  if (!decoded.ok) return { line: row.line, rejected: { field: decoded.field.replace(/^payload\./, ''), reason: decoded.detail.replace(/payload\./g, '') } };
  return { line: row.line, command: messageToCommand({ type, payload: decoded.payload } as MessageEnvelope) };
}
