import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonResponse, RequireRoles, type HttpReply } from '@loyalty/http-platform';
import { ReadModelQuery, ReadSide } from '../analytics-http.support';
import { tierCounts, type TierCount } from './segment-report';

/** Members per tier, as of an instant, under the rules in force then. */
export interface TiersResponse {
  asOf: string;
  rules: { id: string; version: number; basis: 'spend' | 'points' };
  tiers: TierCount[];
}

@ApiTags('segments')
@ApiBearerAuth()
@Controller('v1/tiers')
export class TiersHttpController {
  constructor(private readonly readSide: ReadSide) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Members per tier as of an instant (every level of the rules in force, lowest first)' })
  @ApiJsonResponse('TiersResponse')
  async tiers(@Query() query: ReadModelQuery, @Res({ passthrough: true }) response: HttpReply): Promise<TiersResponse> {
    const context = await this.readSide.evaluationAt(query, response);
    const { rules } = context;
    return {
      asOf: context.asOf,
      rules: { id: rules.id, version: rules.version, basis: rules.tiers.basis },
      tiers: await tierCounts(this.readSide.profiles.all(), context),
    };
  }
}
