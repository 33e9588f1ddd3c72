import { Controller, Get, Param, Query, Res, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { ApiJsonResponse, RequireRoles, type HttpReply } from '@loyalty/http-platform';
import { ReadModelQuery, ReadSide } from '../analytics-http.support';
import { CustomerListQuery, listCustomers, type CustomerListResponse } from '../customer-lists/customer-list.query';
import { segmentCounts, type SegmentCount } from './segment-report';

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
export type SegmentMembersResponse = { segment: string } & CustomerListResponse;

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
    const context = await this.readSide.evaluationAt(query, response);
    const { rules } = context;
    return {
      asOf: context.asOf,
      rules: { id: rules.id, version: rules.version, style: rules.rfm.style },
      segments: await segmentCounts(this.readSide.profiles.all(), context),
    };
  }

  @Get(':segment/members')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: "A segment's members, paged and sorted (the whole list as CSV or NDJSON with format)" })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiJsonResponse('SegmentMembersResponse', 200, 'A page of members (the whole list as CSV or NDJSON with format)', { csv: true, ndjson: true })
  async members(
    @Param() { segment }: SegmentParam,
    @Query() query: CustomerListQuery,
    @Res({ passthrough: true }) response: HttpReply,
  ): Promise<SegmentMembersResponse | StreamableFile> {
    const answer = await listCustomers(this.readSide, query, (e) => e.rfm.segment === segment, 'monetary', `segment-${segment}`, response);
    return 'customers' in answer ? { segment, ...answer } : answer;
  }
}
