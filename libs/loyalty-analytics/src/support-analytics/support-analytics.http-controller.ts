import { Controller, Get, Query, Res, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiJsonResponse, exportTable, RequireRoles, type HttpReply } from '@loyalty/http-platform';
import type { RepurchaseReport, SupportMetrics } from '@loyalty/read-models';
import { ReadSide } from '../analytics-http.support';
import { PeriodQuery } from '../nps-analytics/nps-analytics.http-controller';
import { repurchaseReport, supportReport, type SupportGrouping } from './support-report';

class SupportQuery extends PeriodQuery {
  @ApiPropertyOptional({ enum: ['none', 'customer', 'segment', 'tier', 'month'], default: 'none', description: 'Segment and tier: the customer’s as of `to`' })
  @IsOptional()
  @IsIn(['none', 'customer', 'segment', 'tier', 'month'])
  groupBy?: SupportGrouping;
  @ApiPropertyOptional({ enum: ['json', 'csv', 'ndjson'], default: 'json' }) @IsOptional() @IsIn(['json', 'csv', 'ndjson']) format?: 'json' | 'csv' | 'ndjson';
}

class RepurchaseQuery extends PeriodQuery {
  @ApiPropertyOptional({ default: 90, description: 'Days after a contact ends (resolution, or opening when unresolved) in which a purchase counts' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3660)
  windowDays?: number;
  @ApiPropertyOptional({ description: 'Upper bounds of the resolution-time bands in minutes, ascending, comma-separated', example: '60,240,1440,4320' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((v) => Number(v)) : value))
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(1, { each: true })
  bandsMinutes?: number[];
}

/** Support contacts over a period, grouped: counts by channel, time to resolution, satisfaction. */
export interface SupportResponse {
  from: string;
  to: string;
  groupBy: SupportGrouping;
  groups: ({ group: string } & SupportMetrics)[];
}
export type RepurchaseResponse = { from: string; to: string } & RepurchaseReport;

@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics/support')
export class SupportAnalyticsHttpController {
  constructor(private readonly readSide: ReadSide) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({
    summary: 'Support contacts by channel, time to resolution (median, p90), share resolved, satisfaction: overall, per customer, segment, tier or month',
  })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiJsonResponse('SupportResponse', 200, 'The groups (a table as CSV or NDJSON with format)', { csv: true, ndjson: true })
  async support(@Query() query: SupportQuery, @Res({ passthrough: true }) response: HttpReply): Promise<SupportResponse | StreamableFile> {
    const { from, to, rules } = await this.readSide.overPeriod(query, response);
    const groupBy = query.groupBy ?? 'none';
    const groups = await supportReport(this.readSide.profiles.all(), await this.readSide.evaluationContext(rules, to), from, groupBy);
    if (query.format === 'csv' || query.format === 'ndjson')
      return exportTable(query.format, `support-by-${groupBy}-${from.slice(0, 10)}-${to.slice(0, 10)}`, groups);
    return { from, to, groupBy, groups };
  }

  @Get('repurchase')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Repurchase rate within a window after a support contact, by resolution-time band and by satisfaction' })
  @ApiJsonResponse('RepurchaseResponse')
  async repurchase(@Query() query: RepurchaseQuery, @Res({ passthrough: true }) response: HttpReply): Promise<RepurchaseResponse> {
    const { from, to } = await this.readSide.overPeriod(query, response);
    const bands = query.bandsMinutes ? [...query.bandsMinutes].sort((a, b) => a - b) : undefined;
    return { from, to, ...(await repurchaseReport(this.readSide.profiles.all(), { from, to }, query.windowDays ?? 90, bands)) };
  }
}
