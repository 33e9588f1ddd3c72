import { join } from 'node:path';
import { ThreadOrHere } from '@loyalty/thread-support';
import { decodeImportRow, type DecodedRow, type ImportRow, type RowReading } from './import-row';

/**
 * A chunk's rows packed to cross threads cheaply (one string, as the Kafka decoder packs
 * messages): every row's JSON text joined by newlines (JSON text has none), their lines, and the
 * rows that could not be read.
 */
export interface PackedRows {
  reading: RowReading;
  lines: number[];
  texts: string;
  unreadable: [number, string][];
}

export function packRows(rows: readonly ImportRow[], reading: RowReading): PackedRows {
  const lines: number[] = [];
  const texts: string[] = [];
  const unreadable: [number, string][] = [];
  for (const row of rows) {
    if ('unreadable' in row) unreadable.push([row.line, row.unreadable]);
    else {
      lines.push(row.line);
      texts.push('text' in row ? row.text : JSON.stringify(row.value));
    }
  }
  return { reading, lines, texts: texts.join('\n'), unreadable };
}

export function decodePackedRows(packed: PackedRows): DecodedRow[] {
  const texts = packed.lines.length > 0 ? packed.texts.split('\n') : [];
  const decoded = packed.lines.map((line, i) => decodeImportRow({ line, text: texts[i] }, packed.reading));
  for (const [line, unreadable] of packed.unreadable) decoded.push(decodeImportRow({ line, unreadable }, packed.reading));
  return decoded.sort((a, b) => a.line - b.line);
}

/**
 * Decodes rows (JSON, class-validator, the mapping to commands) in a thread of its own
 * (import-rows.worker), so that the next chunk is decoded while the ledger takes this one; in
 * the calling thread when the thread is off or has failed, to the same results.
 */
export class ImportRowDecoder {
  private readonly chunks: ThreadOrHere<PackedRows, string | DecodedRow[]>;

  constructor(options: { inThread?: boolean; onThreadFailure?: (error: Error) => void } = {}) {
    this.chunks = new ThreadOrHere<PackedRows, string | DecodedRow[]>({
      worker: options.inThread === false ? null : { module: join(__dirname, 'import-rows.worker') },
      here: decodePackedRows,
      redoHereOnThreadFailure: true,
      onThreadFailure: options.onThreadFailure,
      failurePrefix: 'decoding import rows failed in the decoder thread',
    });
  }

  async decode(rows: readonly ImportRow[], reading: RowReading): Promise<DecodedRow[]> {
    const decoded = await this.chunks.request(packRows(rows, reading));
    return typeof decoded === 'string' ? (JSON.parse(decoded) as DecodedRow[]) : decoded;
  }

  async close(): Promise<void> {
    await this.chunks.close('the import ended');
  }
}
