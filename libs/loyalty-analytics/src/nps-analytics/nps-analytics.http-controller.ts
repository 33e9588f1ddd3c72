import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsCalendarInstant, OptionalField } from '@loyalty/kafka-contracts';
import { ApiJsonResponse, RequireRoles, type HttpReply } from '@loyalty/http-platform';
import type { NpsSummary } from '@loyalty/read-models';
import { ReadModelQuery, ReadSide } from '../analytics-http.support';
import { npsOverTime, type NpsGrouping } from './nps-over-time';

export class PeriodQuery extends ReadModelQuery {
  @ApiPropertyOptional({ description: 'Start (inclusive); defaults to a year before `to`' }) @OptionalField() @IsCalendarInstant() from?: string;
  @ApiPropertyOptional({ description: 'End (exclusive); defaults to now' }) @OptionalField() @IsCalendarInstant() to?: string;
}

class NpsQuery extends PeriodQuery {
  @ApiPropertyOptional({ enum: ['month', 'segment', 'tier'], default: 'month' }) @IsOptional() @IsIn(['month', 'segment', 'tier']) groupBy?: NpsGrouping;
}

/** NPS per group (month, segment or tier) over a period. */
export interface NpsResponse {
  from: string;
  to: string;
  groupBy: NpsGrouping;
  groups: ({ group: string } & NpsSummary)[];
}

@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics/nps')
export class NpsAnalyticsHttpController {
  constructor(private readonly readSide: ReadSide) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'NPS with promoter, passive and detractor counts, by month, segment or tier' })
  @ApiJsonResponse('NpsResponse')
  async nps(@Query() query: NpsQuery, @Res({ passthrough: true }) response: HttpReply): Promise<NpsResponse> {
    const { from, to, rules } = await this.readSide.overPeriod(query, response);
    const groupBy = query.groupBy ?? 'month';
    const atEnd = await this.readSide.evaluationContext(rules, to);
    return { from, to, groupBy, groups: await npsOverTime(this.readSide.profiles.all(), atEnd, from, groupBy) };
  }
}
