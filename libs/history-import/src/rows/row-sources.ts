import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { ImportRow } from './import-row';

/** Fields read as integers from CSV text (amounts in minor units, scores). */
const INTEGER_FIELDS = new Set(['amount', 'score', 'satisfaction', 'quantity', 'unitPrice']);

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
