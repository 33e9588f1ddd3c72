import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ApiJsonResponse, RequireRoles, type HttpReply } from '@loyalty/http-platform';
import { ReadModelQuery, ReadSide } from '../analytics-http.support';
import { segmentCounts, segmentMembers, type MemberPage, type MemberSort, type SegmentCount } from './segment-report';

class SegmentMembersQuery extends ReadModelQuery {
  @ApiPropertyOptional({ default: 1 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ default: 50, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) pageSize?: number;
  @ApiPropertyOptional({ enum: ['monetary', 'frequency', 'recency'], default: 'monetary' })
  @IsOptional()
  @IsIn(['monetary', 'frequency', 'recency'])
  sort?: MemberSort;
}

class SegmentParam {
  @ApiProperty({ description: 'A segment name of the rules in force (e.g. loyal)', example: 'loyal' })
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: '$property must be a segment name' })
  segment!: string;
}

/** RFM segments with their customer counts, as of an instant, under the rules in force then. */
export interface SegmentsResponse {
  asOf: string;
  rules: { id: string; version: number; style: 'fixed-thresholds' | 'quantile' };
  segments: SegmentCount[];
}
export type SegmentMembersResponse = { asOf: string } & MemberPage;

@ApiTags('segments')
@ApiBearerAuth()
@Controller('v1/segments')
export class SegmentsHttpController {
  constructor(private readonly readSide: ReadSide) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'RFM segments with their customer counts, as of an instant' })
  @ApiJsonResponse('SegmentsResponse')
  async segments(@Query() query: ReadModelQuery, @Res({ passthrough: true }) response: HttpReply): Promise<SegmentsResponse> {
    const { asOf, rules } = await this.readSide.atInstant(query, response);
    return {
      asOf,
      rules: { id: rules.id, version: rules.version, style: rules.rfm.style },
      segments: await segmentCounts(this.readSide.profiles.all(), rules, asOf),
    };
  }

  @Get(':segment/members')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: "A segment's members, paged and sorted" })
  @ApiJsonResponse('SegmentMembersResponse')
  async members(
    @Param() { segment }: SegmentParam,
    @Query() query: SegmentMembersQuery,
    @Res({ passthrough: true }) response: HttpReply,
  ): Promise<SegmentMembersResponse> {
    const { asOf, rules } = await this.readSide.atInstant(query, response);
    return {
      asOf,
      ...(await segmentMembers(this.readSide.profiles.all(), rules, asOf, segment, query.sort ?? 'monetary', query.page ?? 1, query.pageSize ?? 50)),
    };
  }
}
