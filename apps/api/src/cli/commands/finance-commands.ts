import { FinanceReportService, type ScanProgress } from '@loyalty/finance-audit';
import { toCsv } from '@loyalty/http-platform';
import type { AppConfig } from '../../config/app-config';
import { loadRuleBook, openLedgerStore } from '../../composition/ledger-infrastructure.module';
import { EXIT, progressReporter, UsageError, type CliIo, type CliTerminal } from '../cli-support';

export interface FinanceOptions {
  format: 'json' | 'csv';
  atPosition?: bigint;
  knownAt?: string;
}

/** The finance reports over the whole ledger, with progress on stderr. */
export async function financeReport(
  report: 'liability' | 'roll-forward' | 'trial-balance' | 'breakage',
  options: FinanceOptions & {
    asOf?: string;
    from?: string;
    to?: string;
    by?: 'day' | 'month';
    split?: 'summary' | 'tier' | 'lotAge' | 'expiryMonth';
    customer?: string;
  },
  config: AppConfig,
  io: CliIo,
  terminal: CliTerminal,
): Promise<number> {
  if (report !== 'liability' && options.from !== undefined && options.to !== undefined && options.from >= options.to)
    throw new UsageError('--from must be before --to');
  const ledger = openLedgerStore(config);
  const progress = progressReporter(io, terminal, `finance ${report}`, 'entries');
  const onProgress = (p: ScanProgress) => progress.update(Number(p.position), Number(p.head), { entries: p.events });
  const cut = {
    ...(options.atPosition !== undefined ? { atPosition: options.atPosition } : {}),
    ...(options.knownAt !== undefined ? { knownAt: options.knownAt } : {}),
  };
  const print = (value: unknown, rows?: readonly object[]) =>
    io.out(options.format === 'csv' && rows ? toCsv(rows as Record<string, unknown>[]) : `${JSON.stringify(value, null, 2)}\n`);
  try {
    const reports = new FinanceReportService(ledger, { current: () => loadRuleBook(config) });
    if (report === 'liability') {
      const result = await reports.liability(options.asOf as string, {
        ...cut,
        ...(options.customer !== undefined ? { customerId: options.customer } : {}),
        onProgress,
      });
      progress.stop();
      const { byTier, byLotAge, byExpiryMonth, ...summary } = result;
      const split = options.split ?? 'summary';
      print(result, split === 'tier' ? byTier : split === 'lotAge' ? byLotAge : split === 'expiryMonth' ? byExpiryMonth : [summary]);
    } else if (report === 'roll-forward') {
      const result = await reports.rollForward(options.from as string, options.to as string, options.by ?? 'month', { ...cut, onProgress });
      progress.stop();
      print(result, result.rows);
    } else if (report === 'breakage') {
      const result = await reports.breakage(options.from as string, options.to as string, options.by ?? 'month', { ...cut, onProgress });
      progress.stop();
      print(result, result.periods);
    } else {
      const result = await reports.trialBalance(options.from as string, options.to as string, { ...cut, onProgress });
      progress.stop();
      print(result, result.rows);
    }
    return EXIT.ok;
  } finally {
    await ledger.close();
  }
}
