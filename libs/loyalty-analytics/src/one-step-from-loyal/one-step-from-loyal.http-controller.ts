import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiJsonResponse, RequireRoles, type HttpReply } from '@loyalty/http-platform';
import type { CustomerEvaluation } from '../profiles/customer-evaluation';
import { ReadModelQuery, ReadSide } from '../analytics-http.support';
import { oneStepFromLoyal } from './one-step-from-loyal';

class OneStepQuery extends ReadModelQuery {
  @ApiPropertyOptional({ default: 100, maximum: 10_000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000) limit?: number;
}

/** Customers one step from loyal, closest first, with what each lacks. */
export interface OneStepFromLoyalResponse {
  asOf: string;
  closenessPercent: number;
  customers: CustomerEvaluation[];
}

@ApiTags('segments')
@ApiBearerAuth()
@Controller('v1/customers/one-step-from-loyal')
export class OneStepFromLoyalHttpController {
  constructor(private readonly readSide: ReadSide) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Customers one step from loyal (the best targets for special treatment), closest first, with what they lack' })
  @ApiJsonResponse('OneStepFromLoyalResponse')
  async list(@Query() query: OneStepQuery, @Res({ passthrough: true }) response: HttpReply): Promise<OneStepFromLoyalResponse> {
    const { asOf, rules } = await this.readSide.atInstant(query, response);
    return {
      asOf,
      closenessPercent: rules.loyalty.oneStepClosenessPercent,
      customers: await oneStepFromLoyal(this.readSide.profiles.all(), rules, asOf, query.limit ?? 100),
    };
  }
}
