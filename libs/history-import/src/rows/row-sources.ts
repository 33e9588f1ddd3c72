import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { ImportRow } from './import-row';

/** Fields read as integers from CSV text (amounts in minor units, scores). */
const INTEGER_FIELDS = new Set(['amount', 'score', 'satisfaction', 'quantity', 'unitPrice', 'points', 'qualifyingSpend', 'qualifyingPoints']);

/**
 * NDJSON: one JSON object per line (blank lines skipped), handed on as text: it is parsed where
 * rows are decoded (the decoder's thread). Lines before `fromLine` are counted, not handed on.
 */
export async function* ndjsonRows(input: Readable, fromLine = 1): AsyncGenerator<ImportRow> {
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (line < fromLine || text.trim() === '') continue;
    yield { line, text };
  }
}

/**
 * CSV with a header row, parsed by csv-parse (quotes, embedded separators and newlines). A
 * column is a payload field of the same name, or the field `mapping` maps it to
 * (`{ orderId: 'order_no' }`); empty cells are absent fields. A row's line is the line it
 * starts on.
 */
export async function* csvRows(input: Readable, mapping: Readonly<Record<string, string>> = {}, fromLine = 1): AsyncGenerator<ImportRow> {
  const fieldOfColumn = new Map(Object.entries(mapping).map(([field, column]) => [column, field]));
  const parser = input.pipe(parse({ columns: true, bom: true, info: true, relax_column_count: true, skip_empty_lines: true }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; raw?: string } }>) {
      const line = info.lines;
      if (line < fromLine) continue;
      const value: Record<string, unknown> = {};
      for (const [column, cell] of Object.entries(record)) {
        if (cell === '') continue;
        const field = fieldOfColumn.get(column) ?? column;
        value[field] = INTEGER_FIELDS.has(field) && /^-?\d{1,15}$/.test(cell.trim()) ? Number(cell.trim()) : cell;
      }
      yield { line, value };
    }
  } catch (error) {
    // csv-parse stops at a malformed record (an unclosed quote, a wrong column count): the file cannot be read on from there.
    throw new UnreadableFileError(`the CSV cannot be read on: ${(error as Error).message}`);
  }
}

export class UnreadableFileError extends Error {}

/** A customer's fields in a migration CSV (on each of their rows; the first row's count). */
const CUSTOMER_COLUMNS = ['customerId', 'migrationId', 'sourceProgram', 'migratedAt', 'memberSince', 'birthDate'] as const;
/** A lot's fields: one lot per row (no lotRef: a customer without points). */
const LOT_COLUMNS: Record<string, string> = { lotRef: 'ref', points: 'points', earnedAt: 'earnedAt', availableAt: 'availableAt', expiresAt: 'expiresAt' };

/**
 * A migration CSV, one row per lot, read as opening balances: the consecutive rows of one
 * customer are one row `{customerId, ..., lots: [...], tier}` whose line is the first row's and
 * lastLine the last's (a checkpoint never cuts a customer). Tier columns: tier, qualifyingAt,
 * qualifyingSpend, qualifyingPoints (one carried-over figure, from the customer's first row).
 */
export async function* openingBalanceCsvRows(records: AsyncIterable<ImportRow>): AsyncGenerator<ImportRow> {
  let current: { line: number; lastLine: number; value: Record<string, unknown>; lots: Record<string, unknown>[] } | null = null;
  for await (const record of records) {
    if (!('value' in record)) {
      if (current) yield close(current);
      current = null;
      yield record;
      continue;
    }
    const customerId = record.value.customerId;
    if (current && customerId !== undefined && customerId === current.value.customerId) {
      current.lastLine = record.line;
      const lot = lotOf(record.value);
      if (lot) current.lots.push(lot);
      continue;
    }
    if (current) yield close(current);
    const value: Record<string, unknown> = {};
    for (const column of CUSTOMER_COLUMNS) if (record.value[column] !== undefined) value[column] = record.value[column];
    if (record.value.tier !== undefined) {
      const figure = { at: record.value.qualifyingAt, spend: record.value.qualifyingSpend ?? 0, points: record.value.qualifyingPoints ?? 0 };
      value.tier = { name: record.value.tier, qualifying: figure.at === undefined ? [] : [figure] };
    }
    const lot = lotOf(record.value);
    current = { line: record.line, lastLine: record.line, value, lots: lot ? [lot] : [] };
  }
  if (current) yield close(current);

  function close(group: NonNullable<typeof current>): ImportRow {
    return { line: group.line, lastLine: group.lastLine, value: { ...group.value, lots: group.lots } };
  }
}

function lotOf(record: Record<string, unknown>): Record<string, unknown> | null {
  if (record.lotRef === undefined) return null;
  const lot: Record<string, unknown> = {};
  for (const [column, field] of Object.entries(LOT_COLUMNS)) if (record[column] !== undefined) lot[field] = record[column];
  return lot;
}
