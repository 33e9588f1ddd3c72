import { Readable, Transform } from 'node:stream';
import { StreamableFile } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';

export type TableFormat = 'csv' | 'ndjson';
export type TableRow = Record<string, unknown>;

/** RFC 4180 options: CRLF records, a header of the first row's keys, booleans as words, nested values as JSON. */
const CSV_OPTIONS = {
  header: true,
  record_delimiter: 'windows',
  cast: { boolean: (value: boolean) => String(value), object: (value: object) => JSON.stringify(value) },
} as const;

/** A whole table as CSV text (small reports). Empty without rows. */
export function toCsv(rows: readonly TableRow[]): string {
  return rows.length === 0 ? '' : stringifySync(rows as TableRow[], CSV_OPTIONS);
}

/**
 * A table streamed as CSV (csv-stringify) or NDJSON (one JSON object a line), row by row as
 * the source yields them, with the download's file name: large lists never sit in memory as text.
 * Given the columns, a CSV has its header even without rows.
 */
export function exportTable(
  format: TableFormat,
  filename: string,
  rows: Iterable<object> | AsyncIterable<object>,
  columns?: readonly string[],
): StreamableFile {
  const source = Readable.from(rows);
  const body =
    format === 'csv'
      ? source.pipe(stringify({ ...CSV_OPTIONS, ...(columns ? { columns: [...columns] } : {}) }))
      : source.pipe(
          new Transform({
            writableObjectMode: true,
            transform(row: TableRow, _encoding: string, done: (error: null, chunk: string) => void) {
              done(null, `${JSON.stringify(row)}\n`);
            },
          }),
        );
  return new StreamableFile(body, {
    type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
    disposition: `attachment; filename="${filename}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
  });
}
