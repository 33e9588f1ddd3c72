import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { RequireRoles } from '@loyalty/http-platform';
import { CLOCK, RULE_BOOK_SOURCE, type Clock, type RuleBookSource } from '@loyalty/ledger-application';
import { PROJECTION_PROGRESS, type ProjectionProgress } from '@loyalty/projection-runner';
import { awaitReadModels, ReadModelQuery } from '../analytics-http.support';
import { ProfileReader } from '../profiles/profile-reader';
import { oneStepFromLoyal } from './one-step-from-loyal';

class OneStepQuery extends ReadModelQuery {
  @ApiPropertyOptional({ default: 100, maximum: 10_000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000) limit?: number;
}

@ApiTags('segments')
@ApiBearerAuth()
@Controller('v1/customers/one-step-from-loyal')
export class OneStepFromLoyalHttpController {
  constructor(
    private readonly profiles: ProfileReader,
    @Inject(RULE_BOOK_SOURCE) private readonly rules: RuleBookSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROJECTION_PROGRESS) private readonly progress: ProjectionProgress,
  ) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Customers one step from loyal (the best targets for special treatment), closest first, with what they lack' })
  async list(@Query() query: OneStepQuery, @Res({ passthrough: true }) response: Response) {
    await awaitReadModels(this.progress, query, response);
    const asOf = query.asOf ? new Date(query.asOf).toISOString() : this.clock.now().toISOString();
    const rules = this.rules.current().inForceAt(Date.parse(asOf)).rules;
    return { asOf, closenessPercent: rules.loyalty.oneStepClosenessPercent, customers: await oneStepFromLoyal(this.profiles.all(), rules, asOf, query.limit ?? 100) };
  }
}
