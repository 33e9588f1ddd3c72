import { createHash } from 'node:crypto';
import { closeSync, createReadStream, ftruncateSync, openSync, readSync, realpathSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { decodeImportRow, OPENING_BALANCE_ROW, type DecodedRow, type ImportRow, type RowReading } from '../rows/import-row';
import { csvRows, ndjsonRows, openingBalanceCsvRows } from '../rows/row-sources';
import { importHistory, NO_TOTALS, NOT_STARTED, type ImportStage, type ImportTotals, type LedgerBatchWriter } from './history-import';
import { removeAbandonedRuns, SortedRuns, unkeptRunsFolder } from './sorted-runs';
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
  writer: LedgerBatchWriter | null;
  checkpoints: ImportCheckpoints | null;
  /** Where a file's ordered runs are kept until it is in the ledger (a folder per file in it). */
  runsRoot: string;
  /** Reads a finished file again from its first line (its rows are then duplicates). */
  restart?: boolean;
  runRows?: number;
  chunkRows?: number;
  batchSize?: number;
  decode?: (rows: readonly ImportRow[], reading: RowReading) => Promise<DecodedRow[]>;
  input?: Readable;
  onProgress?: (progress: ImportProgress) => void;
}

/** Progress: bytes read while ordering, rows written while writing. */
export type ImportProgress =
  | { phase: 'ordering'; bytesRead: number; totalBytes: number | null; totals: ImportTotals }
  | { phase: 'writing'; written: number; toWrite: number; totals: ImportTotals };

export interface ImportFileOutcome {
  path: string;
  totals: ImportTotals;
  /** Where an earlier, killed run had stopped (null: this run started at the beginning). */
  resumedFrom: ImportStage | null;
  /** The file had been imported completely before: nothing was read (see --restart). */
  alreadyImported: boolean;
  rejectsPath: string;
  seconds: number;
}

/**
 * One file's import, resumable: its checkpoint (by content) says where the last run stopped (a
 * line of the ordering, or a row of the writing, whose runs are kept in a folder of
 * `runsRoot` until the file is in the ledger), the reject file is cut back to what that
 * checkpoint covered, and the import goes on from there.
 */
export async function importFile(request: ImportFileRequest): Promise<ImportFileOutcome> {
  const started = Date.now();
  const stdin = request.path === '-';
  const key = stdin || !request.checkpoints ? null : fileKey(request.path);
  const previous = key && request.checkpoints ? request.checkpoints.get(key) : null;
  if (request.writer) removeAbandonedRuns(request.runsRoot);
  const ledger = request.writer
    ? { writer: request.writer, runs: new SortedRuns(key ? join(request.runsRoot, key.slice(0, 32)) : unkeptRunsFolder(request.runsRoot)) }
    : null;
  if (previous?.finishedAt && !request.restart && request.writer) {
    ledger?.runs.remove(); // left by a run killed between its last checkpoint and the cleanup
    return { path: request.path, totals: previous.totals, resumedFrom: null, alreadyImported: true, rejectsPath: request.rejectsPath, seconds: 0 };
  }
  const resume = previous && !previous.finishedAt && previous.stage && ledger && stillThere(previous.stage, ledger.runs) ? previous : null;
  const from = resume?.stage ?? NOT_STARTED;

  // The reject file: what the checkpoint covered is kept, the rest (a killed chunk's) is written again.
  const rejects = openSync(request.rejectsPath, resume ? 'a+' : 'w');
  if (resume) ftruncateSync(rejects, resume.rejectsBytes);
  let rejectsBytes = resume?.rejectsBytes ?? 0;
  if (rejectsBytes === 0) rejectsBytes += writeSync(rejects, stringify([['line', 'field', 'reason']]));

  const totalBytes = stdin ? null : statSync(request.path).size;
  let bytesRead = 0;
  const fromLine = from.phase === 'ordering' ? from.nextLine : Number.MAX_SAFE_INTEGER;
  const counting = new PassThrough();
  counting.on('data', (chunk: Buffer) => (bytesRead += chunk.length));
  if (from.phase === 'ordering') (request.input ?? (stdin ? process.stdin : createReadStream(request.path))).pipe(counting);
  else counting.end(); // every row is ordered already: nothing to read
  const records = request.format === 'csv' ? csvRows(counting, request.mapping ?? {}, fromLine) : ndjsonRows(counting, fromLine);
  const rows = request.format === 'csv' && request.reading.type === OPENING_BALANCE_ROW ? openingBalanceCsvRows(records) : records;
  const decode = request.decode ?? (async (batch: readonly ImportRow[], reading: RowReading) => batch.map((row) => decodeImportRow(row, reading)));
  const fileName = stdin ? 'stdin' : basename(request.path);
  let reached: ImportStage = from;
  const save = (totals: ImportTotals, finishedAt: string | null) => {
    if (key && request.writer) request.checkpoints?.save({ fileKey: key, path: request.path, stage: reached, rejectsBytes, totals, finishedAt });
  };
  try {
    const totals = await importHistory(
      rows,
      {
        ledger,
        decode: (batch) => decode(batch, request.reading),
        rejects: (rejected) => {
          if (rejected.length > 0) rejectsBytes += writeSync(rejects, stringify(rejected.map((r) => [r.line, r.field, r.reason])));
        },
        chunkRead: (totalsSoFar) => request.onProgress?.({ phase: 'ordering', bytesRead, totalBytes, totals: totalsSoFar }),
        reached: (stage, totalsSoFar) => {
          reached = stage;
          save(totalsSoFar, null);
          if (stage.phase === 'writing') request.onProgress?.({ phase: 'writing', written: stage.written, toWrite: stage.toWrite, totals: totalsSoFar });
        },
      },
      { fileName, runRows: request.runRows, chunkRows: request.chunkRows, batchSize: request.batchSize, from, totals: resume?.totals ?? NO_TOTALS },
    );
    save(totals, new Date().toISOString());
    ledger?.runs.remove();
    return {
      path: request.path,
      totals,
      resumedFrom: resume ? from : null,
      alreadyImported: false,
      rejectsPath: request.rejectsPath,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    closeSync(rejects);
    if (!key) ledger?.runs.remove(); // stdin, or no checkpoints: not resumable
  }
}

/** A resumed import's runs are where it left them (a folder removed meanwhile: the file is read again from its first line). */
function stillThere(stage: ImportStage, runs: SortedRuns): boolean {
  return runs.count() >= stage.runs;
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
