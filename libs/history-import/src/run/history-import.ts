import { businessTimeOf, type LedgerCommand } from '@loyalty/ledger-domain';
import type { CommandEnvelope, LedgerWriteResult } from '@loyalty/ledger-application';
import type { DecodedRow, ImportRow } from '../rows/import-row';

/** What an import did, cumulated over its runs (a resumed run goes on from the checkpoint's totals). */
export interface ImportTotals {
  rowsRead: number;
  /** Rows the ledger recorded (or found nothing to record for). */
  applied: number;
  /** Rows whose source id the ledger already had with the same facts: nothing added. */
  duplicates: number;
  /** Rows refused, each written to the reject file with its line, field and reason. */
  rejected: number;
  /** Points the recorded entries credited: earned, bonuses, migrated lots. */
  pointsIssued: number;
}

export const NO_TOTALS: ImportTotals = { rowsRead: 0, applied: 0, duplicates: 0, rejected: 0, pointsIssued: 0 };

export interface RejectedRow {
  line: number;
  field: string;
  reason: string;
}

/** The ports an import runs against: the ledger's batch path (null: a dry run), its decoding, where rejects and progress go. */
export interface ImportPorts {
  writer: { executeBatch(envelopes: readonly CommandEnvelope[]): Promise<LedgerWriteResult[]> } | null;
  decode(rows: readonly ImportRow[]): Promise<DecodedRow[]>;
  rejects(rows: readonly RejectedRow[]): void;
  /** After each chunk is in the ledger (never before): the next line to read, and the totals. */
  chunkDone(nextLine: number, totals: ImportTotals): void;
}

export interface HistoryImportOptions {
  /** The file's name, in each entry's provenance `{"channel":"import","file","line"}`. */
  fileName: string;
  /** Rows read, ordered and written per chunk; a checkpoint after each. */
  chunkRows?: number;
  /** Commands per ledger batch (the live ingestion's batch path). */
  batchSize?: number;
  /** The totals of the runs before this one (a resumed import). */
  totals?: ImportTotals;
}

/**
 * Loads a file's rows into the ledger through the live batch path: chunk by chunk (a fixed
 * number of rows, so that a resumed run cuts the file where the first one did), each chunk in
 * business-time order per customer, every row with its provenance. Invalid rows and rows the
 * ledger refuses go to the reject file; the import goes on. Source ids make a row applied twice
 * (a re-run, or the chunk a kill interrupted) a duplicate that adds nothing.
 */
export async function importHistory(rows: AsyncIterable<ImportRow>, ports: ImportPorts, options: HistoryImportOptions): Promise<ImportTotals> {
  const chunkRows = options.chunkRows ?? 20_000;
  const totals: ImportTotals = { ...(options.totals ?? NO_TOTALS) };
  // One chunk is decoded (in the decoder's thread) while the one before it is written.
  let ahead: { rows: ImportRow[]; decoded: Promise<DecodedRow[]> } | null = null;
  const write = async (chunk: { rows: ImportRow[]; decoded: Promise<DecodedRow[]> }) => {
    await importChunk(chunk.rows.length, await chunk.decoded, ports, options, totals);
    ports.chunkDone(lastLineOf(chunk.rows[chunk.rows.length - 1]) + 1, { ...totals });
  };
  const next = async (chunk: ImportRow[]) => {
    const decoding = { rows: chunk, decoded: ports.decode(chunk) };
    decoding.decoded.catch(() => undefined); // awaited in its turn
    const previous = ahead;
    ahead = decoding;
    if (previous) await write(previous);
  };
  let chunk: ImportRow[] = [];
  for await (const row of rows) {
    chunk.push(row);
    if (chunk.length >= chunkRows) {
      await next(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await next(chunk);
  const last = ahead as { rows: ImportRow[]; decoded: Promise<DecodedRow[]> } | null;
  if (last) await write(last);
  return totals;
}

async function importChunk(
  rowsRead: number,
  decoded: readonly DecodedRow[],
  ports: ImportPorts,
  options: HistoryImportOptions,
  totals: ImportTotals,
): Promise<void> {
  const rejected: RejectedRow[] = [];
  const valid: { line: number; command: LedgerCommand; atMs: number }[] = [];
  for (const row of decoded) {
    if ('rejected' in row) rejected.push({ line: row.line, ...row.rejected });
    else valid.push({ line: row.line, command: row.command, atMs: Date.parse(businessTimeOf(row.command)) });
  }
  totals.rowsRead += rowsRead;
  // Each customer's history in business-time order (the file's order where times are equal).
  valid.sort(
    (a, b) => (a.command.customerId < b.command.customerId ? -1 : a.command.customerId > b.command.customerId ? 1 : 0) || a.atMs - b.atMs || a.line - b.line,
  );
  if (ports.writer) {
    const batchSize = options.batchSize ?? 2_000;
    for (let i = 0; i < valid.length; i += batchSize) {
      const batch = valid.slice(i, i + batchSize);
      const results = await ports.writer.executeBatch(
        batch.map(({ command, line }) => ({ command, provenance: { channel: 'import', file: options.fileName, line } })),
      );
      results.forEach((result, j) => {
        if (result.status === 'accepted') {
          totals.applied++;
          for (const event of result.decided)
            if (event.type === 'PointsEarned' || event.type === 'BonusAwarded' || event.type === 'OpeningBalanceMigrated') totals.pointsIssued += event.points;
        } else if (result.status === 'no-op') totals.applied++;
        else if (result.status === 'duplicate') totals.duplicates++;
        else rejected.push({ line: batch[j].line, field: fieldOf(result.rejection.details), reason: `${result.rejection.code}: ${result.rejection.message}` });
      });
    }
  } else totals.applied += valid.length; // a dry run: what would be offered to the ledger
  totals.rejected += rejected.length;
  ports.rejects(rejected.sort((a, b) => a.line - b.line));
}

function lastLineOf(row: ImportRow): number {
  return 'lastLine' in row && row.lastLine !== undefined ? row.lastLine : row.line;
}

function fieldOf(details: unknown): string {
  const field = (details as { field?: unknown } | undefined)?.field;
  return typeof field === 'string' ? field : '';
}
