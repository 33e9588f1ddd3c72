import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonResponse, RequireRoles, type HttpReply } from '@loyalty/http-platform';
import type { SupportMetrics } from '@loyalty/read-models';
import { ReadSide } from '../analytics-http.support';
import { PeriodQuery } from '../nps-analytics/nps-analytics.http-controller';
import { supportReport } from './support-report';

/** Support contacts over a period: counts by channel, time to resolution, satisfaction. */
export type SupportResponse = { from: string; to: string } & SupportMetrics;

@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics/support')
export class SupportAnalyticsHttpController {
  constructor(private readonly readSide: ReadSide) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Support contacts by channel, time to resolution (median, p90), unresolved, satisfaction' })
  @ApiJsonResponse('SupportResponse')
  async support(@Query() query: PeriodQuery, @Res({ passthrough: true }) response: HttpReply): Promise<SupportResponse> {
    const { from, to } = await this.readSide.overPeriod(query, response);
    return { from, to, ...(await supportReport(this.readSide.profiles.all(), from, to)) };
  }
}
