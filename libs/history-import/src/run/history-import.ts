import { businessTimeOf } from '@loyalty/ledger-domain';
import type { CommandEnvelope, LedgerWriteResult } from '@loyalty/ledger-application';
import type { DecodedRow, ImportRow } from '../rows/import-row';
import type { OrderedRow, SortedRuns } from './sorted-runs';

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

/**
 * Where a file's import stands. Ordering: the file is read up to `nextLine`, its valid rows
 * (`ordered` of them) stored in `runs` sorted runs. Writing: every row is read and ordered, and
 * the first `written` of the `toWrite` ordered rows are in the ledger.
 */
export type ImportStage =
  { phase: 'ordering'; nextLine: number; runs: number; ordered: number } | { phase: 'writing'; runs: number; written: number; toWrite: number };

export const NOT_STARTED: ImportStage = { phase: 'ordering', nextLine: 1, runs: 0, ordered: 0 };

/** The ledger's batch path (the live ingestion's). */
export interface LedgerBatchWriter {
  executeBatch(envelopes: readonly CommandEnvelope[]): Promise<LedgerWriteResult[]>;
}

/** The ports an import runs against: the ledger and where its ordered runs are kept (null: a dry run), the rows' decoding, where the rejects and the checkpoints go. */
export interface ImportPorts {
  ledger: { writer: LedgerBatchWriter; runs: SortedRuns } | null;
  decode(rows: readonly ImportRow[]): Promise<DecodedRow[]>;
  rejects(rows: readonly RejectedRow[]): void;
  /** After each chunk is read (progress only: nothing is kept yet). */
  chunkRead(totals: ImportTotals): void;
  /** Where the import stands, each time a run is on disk or a chunk is in the ledger (never before). */
  reached(stage: ImportStage, totals: ImportTotals): void;
}

export interface HistoryImportOptions {
  /** The file's name, in each entry's provenance `{"channel":"import","file","line"}`. */
  fileName: string;
  /** Rows sorted in memory into one run (the ordering's memory). */
  runRows?: number;
  /** Rows read and decoded together; rows written between two checkpoints. */
  chunkRows?: number;
  /** Commands per ledger batch (the live ingestion's batch path). */
  batchSize?: number;
  /** Where the runs before this one stopped (a resumed import), and their totals. */
  from?: ImportStage;
  totals?: ImportTotals;
}

const DEFAULT_RUN_ROWS = 250_000;
const DEFAULT_CHUNK_ROWS = 20_000;
const DEFAULT_BATCH_SIZE = 2_000;

/**
 * Loads a file's rows into the ledger through the live batch path, with every row's provenance,
 * in two phases. Ordering reads and decodes the file and stores its valid rows in runs sorted by
 * customer and business time (an external sort); writing merges the runs into the ledger, so
 * each customer's whole history is written together, in business-time order, and each account
 * is folded once. A checkpoint after each run and each written chunk: a killed import goes on
 * where it stood, and source ids make the rows written twice (the chunk a kill interrupted)
 * duplicates that add nothing. Invalid rows and rows the ledger refuses go to the reject file;
 * the import goes on.
 */
export async function importHistory(rows: AsyncIterable<ImportRow>, ports: ImportPorts, options: HistoryImportOptions): Promise<ImportTotals> {
  const context: ImportContext = { ports, options, totals: { ...(options.totals ?? NO_TOTALS) } };
  let stage = options.from ?? NOT_STARTED;
  if (stage.phase === 'ordering') stage = await orderRows(rows, context, stage);
  if (ports.ledger && stage.phase === 'writing') await writeOrdered(ports.ledger, context, stage);
  return context.totals;
}

/** What both phases work with: the ports, the options, the totals they add to. */
interface ImportContext {
  ports: ImportPorts;
  options: HistoryImportOptions;
  totals: ImportTotals;
}

/** Ordering: reads and decodes chunk after chunk (the next one decoded in the decoder's thread while this one is sorted), rejects the invalid rows, stores the valid ones in sorted runs. */
async function orderRows(
  rows: AsyncIterable<ImportRow>,
  { ports, options, totals }: ImportContext,
  from: ImportStage & { phase: 'ordering' },
): Promise<ImportStage> {
  const runStore = ports.ledger?.runs ?? null;
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const runRows = options.runRows ?? DEFAULT_RUN_ROWS;
  runStore?.keepFirst(from.runs); // a run a kill interrupted, past the checkpoint
  let runs = from.runs;
  let ordered = from.ordered;
  let run: OrderedRow[] = [];
  const storeRun = (nextLine: number) => {
    if (runStore && run.length > 0) {
      runStore.write(runs++, run);
      ordered += run.length;
    }
    run = [];
    ports.reached({ phase: 'ordering', nextLine, runs, ordered }, { ...totals });
  };
  const take = (chunk: readonly ImportRow[], decoded: readonly DecodedRow[]) => {
    const rejected: RejectedRow[] = [];
    for (const row of decoded) {
      if ('rejected' in row) rejected.push({ line: row.line, ...row.rejected });
      else if (runStore) run.push({ customerId: row.command.customerId, atMs: Date.parse(businessTimeOf(row.command)), line: row.line, command: row.command });
      else totals.applied++; // a dry run: what would be offered to the ledger
    }
    totals.rowsRead += chunk.length;
    totals.rejected += rejected.length;
    ports.rejects(rejected);
    ports.chunkRead({ ...totals });
    if (run.length >= runRows) storeRun(lastLineOf(chunk[chunk.length - 1]) + 1);
  };
  // One chunk is decoded (in the decoder's thread) while the one before it is taken.
  let ahead: { rows: ImportRow[]; decoded: Promise<DecodedRow[]> } | null = null;
  const next = async (chunk: ImportRow[]) => {
    const decoding = { rows: chunk, decoded: ports.decode(chunk) };
    decoding.decoded.catch(() => undefined); // awaited in its turn
    const previous = ahead;
    ahead = decoding;
    if (previous) take(previous.rows, await previous.decoded);
  };
  let chunk: ImportRow[] = [];
  let lastLine = from.nextLine - 1;
  for await (const row of rows) {
    chunk.push(row);
    if (chunk.length >= chunkRows) {
      lastLine = lastLineOf(row);
      await next(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) {
    lastLine = lastLineOf(chunk[chunk.length - 1]);
    await next(chunk);
  }
  const last = ahead as { rows: ImportRow[]; decoded: Promise<DecodedRow[]> } | null;
  if (last) take(last.rows, await last.decoded);
  storeRun(lastLine + 1);
  return { phase: 'writing', runs, written: 0, toWrite: ordered };
}

/** Writing: the runs merged into the ledger's batches; while one batch is decided and stored, the next is read from the runs. */
async function writeOrdered(
  { writer, runs }: NonNullable<ImportPorts['ledger']>,
  { ports, options, totals }: ImportContext,
  from: ImportStage & { phase: 'writing' },
): Promise<void> {
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const merged = runs.merged(from.runs, from.written);
  const take = (): OrderedRow[] => {
    const batch: OrderedRow[] = [];
    while (batch.length < batchSize) {
      const next = merged.next();
      if (next.done) break;
      batch.push(next.value);
    }
    return batch;
  };
  let written = from.written;
  let checkpointed = written;
  let rejected: RejectedRow[] = [];
  try {
    for (let batch = take(); batch.length > 0;) {
      const writing = writer.executeBatch(batch.map(({ command, line }) => ({ command, provenance: { channel: 'import', file: options.fileName, line } })));
      const following = take();
      const results = await writing;
      results.forEach((result, j) => {
        if (result.status === 'accepted') {
          totals.applied++;
          for (const event of result.decided)
            if (event.type === 'PointsEarned' || event.type === 'BonusAwarded' || event.type === 'OpeningBalanceMigrated') totals.pointsIssued += event.points;
        } else if (result.status === 'no-op') totals.applied++;
        else if (result.status === 'duplicate') totals.duplicates++;
        else rejected.push({ line: batch[j].line, field: fieldOf(result.rejection.details), reason: `${result.rejection.code}: ${result.rejection.message}` });
      });
      written += batch.length;
      batch = following;
      if (written - checkpointed >= chunkRows || batch.length === 0) {
        totals.rejected += rejected.length;
        ports.rejects(rejected.sort((a, b) => a.line - b.line));
        rejected = [];
        ports.reached({ phase: 'writing', runs: from.runs, written, toWrite: from.toWrite }, { ...totals });
        checkpointed = written;
      }
    }
  } finally {
    merged.return(undefined); // closes the runs
  }
}

function lastLineOf(row: ImportRow): number {
  return 'lastLine' in row && row.lastLine !== undefined ? row.lastLine : row.line;
}

function fieldOf(details: unknown): string {
  const field = (details as { field?: unknown } | undefined)?.field;
  return typeof field === 'string' ? field : '';
}
