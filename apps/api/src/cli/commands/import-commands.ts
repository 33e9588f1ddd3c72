import { existsSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { MESSAGE_CATALOG, type MessageType } from '@loyalty/kafka-contracts';
import { LedgerWriter, systemClock } from '@loyalty/ledger-application';
import { RulesCatalog } from '@loyalty/program-operations';
import { FolderLockedError, FolderWriterLock } from '@loyalty/sqlite-support';
import {
  ImportCheckpoints,
  importFile,
  ImportRowDecoder,
  OPENING_BALANCE_ROW,
  type ImportFileOutcome,
  type ImportTotals,
  type RowReading,
} from '@loyalty/history-import';
import type { AppConfig } from '../../config/app-config';
import { loadRuleBook, openLedgerStore } from '../../composition/ledger-infrastructure.module';
import { openOperationsStore } from '../../composition/shared-stores';
import { EXIT, progressReporter, UsageError, type CliIo, type CliTerminal } from '../cli-support';

/**
 * Accounts kept folded by an import's writer. The writing phase comes to each account once, its
 * whole history together, so a cache only needs to span a few batches: a larger one would hold
 * accounts that are not asked for again, and the memory would grow with the file.
 */
const IMPORT_ACCOUNT_CACHE = 10_000;

export interface ImportHistoryOptions {
  format?: 'ndjson' | 'csv';
  type?: string;
  map?: string;
  rejects?: string;
  dryRun?: boolean;
  restart?: boolean;
  runRows?: number;
  chunkRows?: number;
  batchSize?: number;
}

export interface ImportOpeningBalancesOptions extends Omit<ImportHistoryOptions, 'type'> {
  migrationId?: string;
  sourceProgram?: string;
  migratedAt?: string;
}

/**
 * `loyalty import opening-balances`: another program's balances, one customer per NDJSON line
 * (or one lot per CSV row), each posted as an opening entry; the options give the fields every
 * row shares.
 */
export async function importOpeningBalancesCommand(
  inputs: string[],
  options: ImportOpeningBalancesOptions,
  config: AppConfig,
  io: CliIo,
  terminal: CliTerminal,
): Promise<number> {
  const defaults: Record<string, string> = {};
  if (options.migrationId !== undefined) defaults.migrationId = options.migrationId;
  if (options.sourceProgram !== undefined) defaults.sourceProgram = options.sourceProgram;
  if (options.migratedAt !== undefined) defaults.migratedAt = options.migratedAt;
  return importFiles(inputs, options, { type: OPENING_BALANCE_ROW, defaults }, config, io, terminal);
}

/**
 * `loyalty import history`: files (or globs, or '-' for stdin) of purchases, refunds, enrolments,
 * survey answers and support contacts, through the ledger's batch path. Prints a summary (JSON)
 * per file and in total; progress on stderr.
 */
export async function importHistoryCommand(
  inputs: string[],
  options: ImportHistoryOptions,
  config: AppConfig,
  io: CliIo,
  terminal: CliTerminal,
): Promise<number> {
  const type = options.type ?? null;
  if (type !== null && !(type in MESSAGE_CATALOG))
    throw new UsageError(`--type must be one of ${Object.keys(MESSAGE_CATALOG).join(', ')}, got ${JSON.stringify(type)}`);
  return importFiles(inputs, options, { type: type as MessageType | null }, config, io, terminal);
}

async function importFiles(
  inputs: string[],
  options: Omit<ImportHistoryOptions, 'type'>,
  reading: RowReading,
  config: AppConfig,
  io: CliIo,
  terminal: CliTerminal,
): Promise<number> {
  const mapping = parseMapping(options.map);
  const files = await expand(inputs);
  if (files.includes('-') && !options.format) throw new UsageError('reading stdin needs --format ndjson or csv');
  if (options.rejects && files.length > 1)
    throw new UsageError('--rejects names one file: import one file at a time, or let each file have its own <file>.rejects.csv');
  const formatOf = (file: string) => options.format ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : 'ndjson');

  const dataDir = resolve(config.LOYALTY_DATA_DIR);
  const dryRun = options.dryRun === true;
  let lock: FolderWriterLock | null = null;
  if (!dryRun && config.LEDGER_STORE === 'sqlite') {
    try {
      lock = FolderWriterLock.acquire(dataDir, 'import');
    } catch (error) {
      if (error instanceof FolderLockedError) {
        io.err(`${error.message}\nan import writes the ledger: stop the app while it runs, or publish the history to Kafka\n`);
        return EXIT.failed;
      }
      throw error;
    }
  }
  const ledger = dryRun ? null : openLedgerStore(config);
  const operations = dryRun ? null : openOperationsStore(config);
  const checkpoints = dryRun || config.LEDGER_STORE === 'memory' ? null : new ImportCheckpoints(join(dataDir, 'imports.sqlite'));
  const closing: (() => Promise<void>)[] = [];
  try {
    let writer: LedgerWriter | null = null;
    if (ledger && operations) {
      // The rules the ledger decides with: the base versions and every scheduled one, as the app has them.
      const catalog = new RulesCatalog(
        operations,
        loadRuleBook(config)
          .all()
          .map((v) => v.rules),
        () => systemClock.now(),
      );
      await catalog.refresh();
      writer = new LedgerWriter(ledger, { current: () => catalog.ruleBook() }, systemClock, {
        cacheCapacity: Math.min(config.ACCOUNT_CACHE_SIZE, IMPORT_ACCOUNT_CACHE),
        futureToleranceMs: config.LOYALTY_FUTURE_TOLERANCE_SECONDS * 1000,
      });
    }
    const outcomes: ImportFileOutcome[] = [];
    const decoder = new ImportRowDecoder({
      onThreadFailure: (error) => io.err(`the decoder thread failed (${error.message}): rows are decoded in the main thread from now on\n`),
    });
    closing.push(() => decoder.close());
    for (const file of files) {
      const name = file === '-' ? 'stdin' : file;
      const ordering = progressReporter(io, terminal, `order ${name}`, 'bytes');
      let writing: ReturnType<typeof progressReporter> | null = null;
      const outcome = await importFile({
        path: file,
        format: formatOf(file),
        mapping,
        reading,
        rejectsPath: options.rejects ?? `${file === '-' ? 'stdin' : file}.rejects.csv`,
        writer,
        checkpoints,
        runsRoot: join(dataDir, 'import-runs'),
        restart: options.restart,
        runRows: options.runRows,
        chunkRows: options.chunkRows,
        batchSize: options.batchSize,
        decode: (rows, rowReading) => decoder.decode(rows, rowReading),
        onProgress: (progress) => {
          const { totals } = progress;
          if (progress.phase === 'ordering') ordering.update(progress.bytesRead, progress.totalBytes, { rows: totals.rowsRead, rejected: totals.rejected });
          else {
            if (!writing) {
              ordering.stop();
              writing = progressReporter(io, terminal, `write ${name}`, 'rows');
            }
            writing.update(progress.written, progress.toWrite, { applied: totals.applied, duplicates: totals.duplicates, rejected: totals.rejected });
          }
        },
      });
      // The phase under way when the file ended says its last line (the ordering's said it when the writing began).
      ((writing as ReturnType<typeof progressReporter> | null) ?? ordering).stop();
      if (outcome.alreadyImported) io.err(`${file}: imported completely before (nothing read; --restart reads it again)\n`);
      outcomes.push(outcome);
    }
    const totals = outcomes.reduce<ImportTotals>(
      (sum, o) => ({
        rowsRead: sum.rowsRead + o.totals.rowsRead,
        applied: sum.applied + o.totals.applied,
        duplicates: sum.duplicates + o.totals.duplicates,
        rejected: sum.rejected + o.totals.rejected,
        pointsIssued: sum.pointsIssued + o.totals.pointsIssued,
      }),
      { rowsRead: 0, applied: 0, duplicates: 0, rejected: 0, pointsIssued: 0 },
    );
    const seconds = outcomes.reduce((s, o) => s + o.seconds, 0);
    io.out(
      `${JSON.stringify(
        {
          dryRun,
          files: outcomes.map((o) => ({
            ...summaryOf(o.totals, o.seconds),
            path: o.path,
            resumedFrom: o.resumedFrom,
            alreadyImported: o.alreadyImported,
            rejects: o.rejectsPath,
          })),
          total: summaryOf(totals, seconds),
          peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        },
        null,
        2,
      )}\n`,
    );
    return EXIT.ok;
  } finally {
    for (const close of closing) await close();
    checkpoints?.close();
    await operations?.close();
    await ledger?.close();
    lock?.release();
  }
}

function summaryOf(totals: ImportTotals, seconds: number) {
  return { ...totals, elapsedSeconds: Math.round(seconds * 10) / 10, rowsPerSecond: seconds > 0 ? Math.round(totals.rowsRead / seconds) : null };
}

/** `--map orderId=order_no,customerId=member` : payload field = CSV column. */
function parseMapping(map: string | undefined): Record<string, string> {
  if (!map) return {};
  const mapping: Record<string, string> = {};
  for (const pair of map.split(',')) {
    const [field, column] = pair.split('=').map((s) => s.trim());
    if (!field || !column) throw new UsageError(`--map takes field=column pairs separated by commas, got ${JSON.stringify(pair)}`);
    mapping[field] = column;
  }
  return mapping;
}

/** Files as given, globs expanded (in name order), '-' for stdin. */
async function expand(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    if (input === '-' || existsSync(input)) files.push(input);
    else {
      const matched = (await glob(input, { onlyFiles: true })).sort();
      if (matched.length === 0) throw new UsageError(`no file matches ${JSON.stringify(input)}`);
      files.push(...matched);
    }
  }
  return files;
}
