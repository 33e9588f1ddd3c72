import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Response } from 'express';
import { UTC_INSTANT, UTC_INSTANT_MESSAGE } from '@loyalty/kafka-contracts';
import { RequireRoles } from '@loyalty/http-platform';
import { ReadModelQuery, ReadSide } from '../analytics-http.support';
import { npsOverTime, type NpsGrouping } from './nps-over-time';

export class PeriodQuery extends ReadModelQuery {
  @ApiPropertyOptional({ description: 'Start (inclusive); defaults to a year before `to`' }) @IsOptional() @Matches(UTC_INSTANT, { message: UTC_INSTANT_MESSAGE }) from?: string;
  @ApiPropertyOptional({ description: 'End (exclusive); defaults to now' }) @IsOptional() @Matches(UTC_INSTANT, { message: UTC_INSTANT_MESSAGE }) to?: string;
}

class NpsQuery extends PeriodQuery {
  @ApiPropertyOptional({ enum: ['month', 'segment', 'tier'], default: 'month' }) @IsOptional() @IsIn(['month', 'segment', 'tier']) groupBy?: NpsGrouping;
}

@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics/nps')
export class NpsAnalyticsHttpController {
  constructor(private readonly readSide: ReadSide) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'NPS with promoter, passive and detractor counts, by month, segment or tier' })
  async nps(@Query() query: NpsQuery, @Res({ passthrough: true }) response: Response) {
    const { from, to, rules } = await this.readSide.overPeriod(query, response);
    const groupBy = query.groupBy ?? 'month';
    return { from, to, groupBy, groups: await npsOverTime(this.readSide.profiles.all(), rules, from, to, groupBy) };
  }
}
