import { Controller, Get, Query, Res, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiJsonResponse, RequireRoles, type HttpReply } from '@loyalty/http-platform';
import type { LoyaltyClass } from '@loyalty/read-models';
import { ReadSide } from '../analytics-http.support';
import { CustomerValueModels } from '../customer-value/customer-value-models';
import type { CustomerEvaluation } from '../profiles/customer-evaluation';
import type { ListSort } from './customer-list';
import { CustomerListQuery, listCustomers, type CustomerListResponse } from './customer-list.query';

const LIST = { csv: true, ndjson: true };

/** The loyalty classification's lists, and the predicted value ranking: every customer with what they lack on each side. */
@ApiTags('segments')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomerListsHttpController {
  constructor(
    private readonly readSide: ReadSide,
    private readonly valueModels: CustomerValueModels,
  ) {}

  @Get('loyal')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Loyal customers: the top RFM segment and a promoter (both sides)' })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiJsonResponse('CustomerListResponse', 200, 'A page of the list (the whole list as CSV or NDJSON with format)', LIST)
  loyal(@Query() query: CustomerListQuery, @Res({ passthrough: true }) response: HttpReply): Promise<CustomerListResponse | StreamableFile> {
    return this.classList('loyal', 'monetary', query, response);
  }

  @Get('good-customers')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Good customers: the top RFM segment but not a promoter (behaviourally loyal only), with what the psychological side lacks' })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiJsonResponse('CustomerListResponse', 200, 'A page of the list (the whole list as CSV or NDJSON with format)', LIST)
  goodCustomers(@Query() query: CustomerListQuery, @Res({ passthrough: true }) response: HttpReply): Promise<CustomerListResponse | StreamableFile> {
    return this.classList('good-customer', 'monetary', query, response);
  }

  @Get('one-step-from-loyal')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Customers one step from loyal (the best targets for special treatment), closest first, with what they lack on each side' })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiJsonResponse('CustomerListResponse', 200, 'A page of the list (the whole list as CSV or NDJSON with format)', LIST)
  oneStepFromLoyal(@Query() query: CustomerListQuery, @Res({ passthrough: true }) response: HttpReply): Promise<CustomerListResponse | StreamableFile> {
    return this.classList('one-step-from-loyal', 'closeness', query, response);
  }

  @Get('predicted-value')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Every customer with a purchase, ranked by predicted CLV (BG/NBD + Gamma-Gamma; 409 before a model is fitted)' })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiJsonResponse('CustomerListResponse', 200, 'A page of the ranking (the whole ranking as CSV or NDJSON with format)', LIST)
  async predictedValue(@Query() query: CustomerListQuery, @Res({ passthrough: true }) response: HttpReply): Promise<CustomerListResponse | StreamableFile> {
    this.valueModels.required();
    return this.list((e) => e.predicted !== null, 'clv', 'predicted-value', query, response);
  }

  private classList(cls: LoyaltyClass, defaultSort: ListSort, query: CustomerListQuery, response: HttpReply): Promise<CustomerListResponse | StreamableFile> {
    return this.list((e) => e.loyalty.class === cls, defaultSort, cls, query, response);
  }

  private list(
    keep: (e: CustomerEvaluation) => boolean,
    defaultSort: ListSort,
    filename: string,
    query: CustomerListQuery,
    response: HttpReply,
  ): Promise<CustomerListResponse | StreamableFile> {
    return listCustomers(this.readSide, query, keep, defaultSort, filename, response);
  }
}
