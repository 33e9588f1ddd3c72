import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { RequireRoles } from '@loyalty/http-platform';
import { CustomerIdParam } from '../../http/customer-id.param';
import { AccountLedgerPage } from './account-ledger.view';
import { GetAccountLedger } from './get-account-ledger.query';

export class LedgerPageQuery {
  @ApiPropertyOptional({ default: 0, minimum: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) fromRevision?: number;
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts/:customerId/ledger')
export class GetAccountLedgerHttpController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @RequireRoles('ingest', 'redeem', 'finance', 'ops')
  @ApiOperation({ summary: "The account's ledger entries, paged, with postings, provenance and rule versions" })
  @ApiOkResponse({ type: AccountLedgerPage })
  getAccountLedger(@Param() { customerId }: CustomerIdParam, @Query() page: LedgerPageQuery): Promise<AccountLedgerPage> {
    return this.queries.execute(new GetAccountLedger(customerId, page.fromRevision ?? 0, page.limit ?? 100));
  }
}
