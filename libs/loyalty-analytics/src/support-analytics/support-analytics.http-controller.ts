import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRoles } from '@loyalty/http-platform';
import { CLOCK, type Clock } from '@loyalty/ledger-application';
import { PROJECTION_PROGRESS, type ProjectionProgress } from '@loyalty/projection-runner';
import { awaitReadModels, periodOf } from '../analytics-http.support';
import { PeriodQuery } from '../nps-analytics/nps-analytics.http-controller';
import { ProfileReader } from '../profiles/profile-reader';
import { supportReport } from './support-report';

@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics/support')
export class SupportAnalyticsHttpController {
  constructor(
    private readonly profiles: ProfileReader,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROJECTION_PROGRESS) private readonly progress: ProjectionProgress,
  ) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Support contacts by channel, time to resolution (median, p90), unresolved, satisfaction' })
  async support(@Query() query: PeriodQuery, @Res({ passthrough: true }) response: Response) {
    await awaitReadModels(this.progress, query, response);
    const { from, to } = periodOf(query.from, query.to, this.clock.now());
    return { from, to, ...(await supportReport(this.profiles.all(), from, to)) };
  }
}
