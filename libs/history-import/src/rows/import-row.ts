import { decodePayload, MESSAGE_CATALOG, type MessageEnvelope, type MessageType } from '@loyalty/kafka-contracts';
import { messageToCommand } from '@loyalty/kafka-ingestion';
import type { LedgerCommand } from '@loyalty/ledger-domain';
import { openingBalanceCommand, OpeningBalanceRow } from './opening-balance-row';

/**
 * A row as read from a file: its line (1: the file's first line) and its value, as JSON text (an
 * NDJSON line, parsed where the row is decoded) or an object (a CSV record), or why it could not
 * be read.
 */
export type ImportRow =
  | { line: number; text: string }
  /** A CSV record; `lastLine`: the last line of records read as one row (a customer's lots). */
  | { line: number; value: Record<string, unknown>; lastLine?: number }
  | { line: number; unreadable: string };

/** The rows of a migration file: one customer's opening balance each (see OpeningBalanceRow). */
export const OPENING_BALANCE_ROW = 'opening-balance';

/** What a file's rows are: messages in the Kafka payload shape (of one type, or each naming its own), or opening balances. */
export type ImportRowType = MessageType | typeof OPENING_BALANCE_ROW;

/** How to read a file's rows: their type (null: each row names it) and fields every row takes unless it says otherwise. */
export interface RowReading {
  type: ImportRowType | null;
  defaults?: Readonly<Record<string, unknown>>;
}

/** A row as the ledger takes it, or the reason it is refused (the reject file's line). */
export type DecodedRow = { line: number; command: LedgerCommand } | { line: number; rejected: { field: string; reason: string } };

/**
 * A row in the Kafka payload shape, read as the ledger's command by the very classes and mapping
 * live ingestion uses. A row is a payload (its type given by the import) or an envelope-like
 * object `{type, schemaVersion?, payload}` (other envelope fields are ignored).
 */
export function decodeImportRow(row: ImportRow, reading: RowReading): DecodedRow {
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
  if (reading.defaults) value = { ...reading.defaults, ...value };
  if (reading.type === OPENING_BALANCE_ROW) {
    const decoded = decodePayload(OpeningBalanceRow, value);
    if (!decoded.ok) return { line: row.line, rejected: { field: decoded.field.replace(/^payload\./, ''), reason: decoded.detail.replace(/payload\./g, '') } };
    return { line: row.line, command: openingBalanceCommand(decoded.payload as OpeningBalanceRow) };
  }
  const defaultType = reading.type;
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
