import { createHash } from 'node:crypto';
import { closeSync, createReadStream, ftruncateSync, openSync, readSync, realpathSync, statSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { CommandEnvelope, LedgerWriteResult } from '@loyalty/ledger-application';
import { decodeImportRow, OPENING_BALANCE_ROW, type DecodedRow, type ImportRow, type RowReading } from '../rows/import-row';
import { csvRows, ndjsonRows, openingBalanceCsvRows } from '../rows/row-sources';
import { importHistory, NO_TOTALS, type ImportTotals } from './history-import';
import type { ImportCheckpoints } from './import-checkpoints';

export interface ImportFileRequest {
  /** A file, or '-' for stdin (not resumable: no checkpoint). */
  path: string;
  format: 'ndjson' | 'csv';
  /** CSV: payload field -> column. */
  mapping?: Readonly<Record<string, string>>;
  /** What the rows are (their type, and fields every row takes unless it says otherwise). */
  reading: RowReading;
  rejectsPath: string;
  /** Null: a dry run (everything read and checked, nothing written but the reject file). */
  writer: { executeBatch(envelopes: readonly CommandEnvelope[]): Promise<LedgerWriteResult[]> } | null;
  checkpoints: ImportCheckpoints | null;
  /** Reads a finished file again from its first line (its rows are then duplicates). */
  restart?: boolean;
  chunkRows?: number;
  batchSize?: number;
  decode?: (rows: readonly ImportRow[], reading: RowReading) => Promise<DecodedRow[]>;
  input?: Readable;
  onProgress?: (progress: { bytesRead: number; totalBytes: number | null; totals: ImportTotals }) => void;
}

export interface ImportFileOutcome {
  path: string;
  totals: ImportTotals;
  /** The line this run started from (1: the beginning). */
  startedAtLine: number;
  /** The file had been imported completely before: nothing was read (see --restart). */
  alreadyImported: boolean;
  rejectsPath: string;
  seconds: number;
}

/**
 * One file's import, resumable: its checkpoint (by content) says where the last run stopped,
 * the reject file is cut back to what that checkpoint covered, and the rows go on from there.
 */
export async function importFile(request: ImportFileRequest): Promise<ImportFileOutcome> {
  const started = Date.now();
  const stdin = request.path === '-';
  const key = stdin || !request.checkpoints ? null : fileKey(request.path);
  const previous = key && request.checkpoints ? request.checkpoints.get(key) : null;
  if (previous?.finishedAt && !request.restart && request.writer)
    return {
      path: request.path,
      totals: previous.totals,
      startedAtLine: previous.nextLine,
      alreadyImported: true,
      rejectsPath: request.rejectsPath,
      seconds: 0,
    };
  const resume = previous && !previous.finishedAt && request.writer ? previous : null;
  const fromLine = resume?.nextLine ?? 1;

  // The reject file: what the checkpoint covered is kept, the rest (a killed chunk's) is written again.
  const rejects = openSync(request.rejectsPath, resume ? 'a+' : 'w');
  if (resume) ftruncateSync(rejects, resume.rejectsBytes);
  let rejectsBytes = resume?.rejectsBytes ?? 0;
  if (rejectsBytes === 0) rejectsBytes += writeSync(rejects, stringify([['line', 'field', 'reason']]));

  const totalBytes = stdin ? null : statSync(request.path).size;
  let bytesRead = 0;
  const counting = new PassThrough();
  counting.on('data', (chunk: Buffer) => (bytesRead += chunk.length));
  (request.input ?? (stdin ? process.stdin : createReadStream(request.path))).pipe(counting);
  const records = request.format === 'csv' ? csvRows(counting, request.mapping ?? {}, fromLine) : ndjsonRows(counting, fromLine);
  const rows = request.format === 'csv' && request.reading.type === OPENING_BALANCE_ROW ? openingBalanceCsvRows(records) : records;
  const decode = request.decode ?? (async (batch: readonly ImportRow[], reading: RowReading) => batch.map((row) => decodeImportRow(row, reading)));
  const fileName = stdin ? 'stdin' : basename(request.path);
  try {
    const totals = await importHistory(
      rows,
      {
        writer: request.writer,
        decode: (batch) => decode(batch, request.reading),
        rejects: (rejected) => {
          if (rejected.length > 0) rejectsBytes += writeSync(rejects, stringify(rejected.map((r) => [r.line, r.field, r.reason])));
        },
        chunkDone: (nextLine, totalsSoFar) => {
          if (key && request.writer)
            request.checkpoints?.save({ fileKey: key, path: request.path, nextLine, rejectsBytes, totals: totalsSoFar, finishedAt: null });
          request.onProgress?.({ bytesRead, totalBytes, totals: totalsSoFar });
        },
      },
      { fileName, chunkRows: request.chunkRows, batchSize: request.batchSize, totals: resume?.totals ?? NO_TOTALS },
    );
    if (key && request.writer)
      request.checkpoints?.save({
        fileKey: key,
        path: request.path,
        nextLine: Number.MAX_SAFE_INTEGER,
        rejectsBytes,
        totals,
        finishedAt: new Date().toISOString(),
      });
    return {
      path: request.path,
      totals,
      startedAtLine: fromLine,
      alreadyImported: false,
      rejectsPath: request.rejectsPath,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    closeSync(rejects);
  }
}

/** A file is known by where it is, its size and what it starts with: a renamed copy, a file grown or rewritten, is a new import (its old rows then duplicates). */
export function fileKey(path: string): string {
  const head = Buffer.alloc(1 << 20);
  const fd = openSync(path, 'r');
  let length: number;
  try {
    length = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const size = statSync(path).size;
  return createHash('sha256')
    .update(`${realpathSync(path)}\0${size}\0`)
    .update(head.subarray(0, length))
    .digest('hex');
}
