import { Controller, Get, HttpStatus, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiJsonResponse, ProblemError, RequireRoles, type HttpReply } from '@loyalty/http-platform';
import type { BreakageReport, LiabilityReport, LiabilitySplitRow, RollForwardRow, TrialBalanceRow } from '@loyalty/finance';
import { CLOCK, type Clock } from '@loyalty/ledger-application';
import { FinanceReportService, type AuditedEntry, type LedgerCut } from '../finance-reports/finance-report.service';
import { toCsv } from '@loyalty/http-platform';
import { checkedPeriod, EntriesQuery, LiabilityQuery, PeriodQuery, PeriodsQuery, recordedCutOf } from './finance-queries.dto';

const ENTRIES = '/v1/finance/entries';

/** A split row with the link to the entries behind it. */
export type LinkedSplitRow = LiabilitySplitRow & { drillDown: string };
export type LiabilityResponse = Omit<LiabilityReport, 'byTier' | 'byLotAge' | 'byExpiryMonth'> &
  LedgerCut & {
    customerId?: string;
    knownAt?: string;
    drillDown: string;
    byTier: LinkedSplitRow[];
    byLotAge: LinkedSplitRow[];
    byExpiryMonth: LinkedSplitRow[];
  };
export interface RollForwardResponse extends LedgerCut {
  from: string;
  to: string;
  by: string;
  knownAt?: string;
  /** Each row, with links to the entries of each movement. */
  rows: (RollForwardRow & { drillDown: Record<string, string> })[];
}
export interface TrialBalanceResponse extends LedgerCut {
  from: string;
  to: string;
  knownAt?: string;
  rows: (TrialBalanceRow & { drillDown: string })[];
  totalDebit: number;
  totalCredit: number;
}
export type BreakageResponse = Omit<BreakageReport, 'periods'> &
  LedgerCut & { knownAt?: string; periods: (BreakageReport['periods'][number] & { drillDown: string })[] };
export interface EntriesResponse extends LedgerCut {
  entries: AuditedEntry[];
  nextAfter: string | null;
}

/** Finance's reports, computed from the ledger itself; every figure links to the entries behind it. JSON or CSV. */
@ApiTags('finance')
@ApiBearerAuth()
@Controller('v1/finance')
export class FinanceReportsHttpController {
  constructor(
    private readonly reports: FinanceReportService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('liability')
  @RequireRoles('finance')
  @ApiOperation({
    summary: 'Outstanding points and their value as of an instant, split by tier, lot age and expiry month',
    description:
      'asOf counts the entries dated (business time) at or before it; atPosition/knownAt restrict them to what the ledger had recorded. Points past their expiry are not owed, with or without their expiry entry yet (awaitingExpiry); postedLiabilityPoints is the liability account as posted, which ties to the trial balance.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiJsonResponse('LiabilityResponse', 200, 'The report (text/csv with format=csv)', { csv: true })
  async liability(@Query() q: LiabilityQuery, @Res({ passthrough: true }) res: HttpReply): Promise<LiabilityResponse | string> {
    const asOf = q.asOf ? new Date(q.asOf).toISOString() : this.clock.now().toISOString();
    const report = await this.reports.liability(asOf, { ...recordedCutOf(q), ...(q.customerId !== undefined ? { customerId: q.customerId } : {}) });
    const until = new Date(Date.parse(asOf) + 1).toISOString();
    const row =
      (split: string) =>
      (r: LiabilitySplitRow): LinkedSplitRow => ({ ...r, drillDown: `${ENTRIES}?split=${split}&splitKey=${encodeURIComponent(r.key)}&splitAsOf=${asOf}` });
    const withLinks = {
      ...report,
      drillDown: `${ENTRIES}?account=liability:customer-points&to=${until}`,
      byTier: report.byTier.map(row('tier')),
      byLotAge: report.byLotAge.map(row('lotAge')),
      byExpiryMonth: report.byExpiryMonth.map(row('expiryMonth')),
    };
    if (q.format !== 'csv') return withLinks;
    const { byTier, byLotAge, byExpiryMonth, ...summary } = report;
    const table = q.split === 'tier' ? byTier : q.split === 'lotAge' ? byLotAge : q.split === 'expiryMonth' ? byExpiryMonth : [summary];
    return csv(res, `liability-${asOf.slice(0, 10)}-${q.split ?? 'summary'}.csv`, table as unknown as Record<string, unknown>[]);
  }

  @Get('roll-forward')
  @RequireRoles('finance')
  @ApiOperation({ summary: 'Opening + migrated + issued − redeemed + cancelled − expired ± adjustments − reversals = closing, by day or month' })
  @ApiProduces('application/json', 'text/csv')
  @ApiJsonResponse('RollForwardResponse', 200, 'The report (text/csv with format=csv)', { csv: true })
  async rollForward(@Query() q: PeriodsQuery, @Res({ passthrough: true }) res: HttpReply): Promise<RollForwardResponse | string> {
    const by = q.by ?? 'month';
    const { from, to } = checkedPeriod(q.from, q.to, by);
    const report = await this.reports.rollForward(from, to, by, recordedCutOf(q));
    if (q.format === 'csv') return csv(res, `roll-forward-${from.slice(0, 10)}-${to.slice(0, 10)}.csv`, report.rows as unknown as Record<string, unknown>[]);
    return {
      ...report,
      rows: report.rows.map((r) => ({
        ...r,
        drillDown: Object.fromEntries(
          (['migrated', 'issued', 'redeemed', 'redemption-cancelled', 'expired', 'adjusted', 'reversed', 'written-off'] as const).map((m) => [
            m,
            `${ENTRIES}?movement=${m}&from=${r.from}&to=${r.to}`,
          ]),
        ),
      })),
    };
  }

  @Get('trial-balance')
  @RequireRoles('finance')
  @ApiOperation({ summary: 'Debits and credits per account for a period (they always sum equal)' })
  @ApiProduces('application/json', 'text/csv')
  @ApiJsonResponse('TrialBalanceResponse', 200, 'The report (text/csv with format=csv)', { csv: true })
  async trialBalance(@Query() q: PeriodQuery, @Res({ passthrough: true }) res: HttpReply): Promise<TrialBalanceResponse | string> {
    const { from, to } = checkedPeriod(q.from, q.to, null);
    const report = await this.reports.trialBalance(from, to, recordedCutOf(q));
    if (q.format === 'csv') return csv(res, `trial-balance-${from.slice(0, 10)}-${to.slice(0, 10)}.csv`, report.rows as unknown as Record<string, unknown>[]);
    return { ...report, rows: report.rows.map((r) => ({ ...r, drillDown: `${ENTRIES}?account=${r.account}&from=${from}&to=${to}` })) };
  }

  @Get('breakage')
  @RequireRoles('finance')
  @ApiOperation({ summary: 'Expired points per period, and the breakage rate estimated from matured lots (method in the response)' })
  @ApiProduces('application/json', 'text/csv')
  @ApiJsonResponse('BreakageResponse', 200, 'The report (text/csv with format=csv)', { csv: true })
  async breakage(@Query() q: PeriodsQuery, @Res({ passthrough: true }) res: HttpReply): Promise<BreakageResponse | string> {
    const by = q.by ?? 'month';
    const { from, to } = checkedPeriod(q.from, q.to, by);
    const report = await this.reports.breakage(from, to, by, recordedCutOf(q));
    if (q.format === 'csv') return csv(res, `breakage-${from.slice(0, 10)}-${to.slice(0, 10)}.csv`, report.periods);
    return { ...report, periods: report.periods.map((p) => ({ ...p, drillDown: `${ENTRIES}?movement=expired&from=${p.from}&to=${p.to}` })) };
  }

  @Get('entries')
  @RequireRoles('finance')
  @ApiOperation({
    summary: 'The ledger entries behind a figure: source (topic/partition/offset or HTTP request, order id), rule version and computation breakdown',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiJsonResponse('EntriesResponse', 200, 'A page of entries (text/csv with format=csv)', { csv: true })
  async entries(@Query() q: EntriesQuery, @Res({ passthrough: true }) res: HttpReply): Promise<EntriesResponse | string> {
    const page = await this.reports.entries({
      from: q.from && new Date(q.from).toISOString(),
      to: q.to && new Date(q.to).toISOString(),
      movement: q.movement,
      account: q.account,
      customerId: q.customerId,
      liabilitySplit: splitOf(q),
      after: q.after === undefined ? undefined : BigInt(q.after),
      limit: q.limit ?? 100,
    });
    if (q.format === 'csv') return csv(res, 'entries.csv', page.entries as unknown as Record<string, unknown>[]);
    return page;
  }
}

function splitOf(q: EntriesQuery): { asOf: string; split: 'tier' | 'lotAge' | 'expiryMonth'; key: string } | undefined {
  const given = [q.split, q.splitKey, q.splitAsOf].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given !== 3 || !q.split || !q.splitKey || !q.splitAsOf)
    throw new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.INCOMPLETE_SPLIT', 'split, splitKey and splitAsOf go together');
  return { split: q.split, key: q.splitKey, asOf: new Date(q.splitAsOf).toISOString() };
}

function csv(res: HttpReply, filename: string, rows: readonly Record<string, unknown>[]): string {
  res.header('Content-Type', 'text/csv; charset=utf-8');
  res.header('Content-Disposition', `attachment; filename="${filename}"`);
  return toCsv(rows);
}
