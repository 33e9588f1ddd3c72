import { Controller, Get, HttpStatus, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ProblemError, RequireRoles } from '@loyalty/http-platform';
import { CustomerIdParam } from '../../http/customer-id.param';
import { IsInstant, IsPosition } from '../../http/request-validators';
import { AccountView, DEFAULT_LOTS_LIMIT, MAX_LOTS_LIMIT } from './account.view';
import { GetAccount } from './get-account.query';

export class AsOfQuery {
  @ApiPropertyOptional({
    enum: ['insights'],
    description:
      "insights: add the read side's view of the customer (RFM segment, loyalty class, latest NPS, CLV), from the read models; left out, the answer comes from the ledger alone (the fast, frequent question)",
  })
  @IsOptional()
  @IsIn(['insights'], { message: 'include must be insights' })
  include?: 'insights';

  @ApiPropertyOptional({
    description: `How many lots to list (default ${DEFAULT_LOTS_LIMIT}, at most ${MAX_LOTS_LIMIT}); lotsTotal says how many there are`,
    minimum: 0,
    maximum: MAX_LOTS_LIMIT,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'lotsLimit must be a whole number' })
  @Min(0)
  @Max(MAX_LOTS_LIMIT)
  lotsLimit?: number;
  @IsInstant('Evaluate as of this instant (business time): the entries dated at or before it; defaults to now', { optional: true }) asOf?: string;
  @IsPosition('Only the entries recorded at or before this global ledger position (the ledger as it stood then)', { optional: true }) atPosition?: string;
  @IsInstant('Only the entries recorded at or before this instant (what the ledger knew then)', { optional: true }) knownAt?: string;
}

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts/:customerId')
export class GetAccountHttpController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @RequireRoles('ingest', 'redeem', 'finance', 'ops')
  @ApiOperation({ summary: "The account's points: available, pending, expiring, lots and tier" })
  @ApiOkResponse({ type: AccountView })
  async getAccount(@Param() { customerId }: CustomerIdParam, @Query() { asOf, atPosition, knownAt, include, lotsLimit }: AsOfQuery): Promise<AccountView> {
    const view = await this.queries.execute(
      new GetAccount(
        customerId,
        asOf,
        { ...(atPosition !== undefined ? { atPosition: BigInt(atPosition) } : {}), ...(knownAt !== undefined ? { knownAt } : {}) },
        { insights: include === 'insights', lotsLimit },
      ),
    );
    if (!view) throw new ProblemError(HttpStatus.NOT_FOUND, 'LEDGER.ACCOUNT_NOT_FOUND', 'No such account', `no ledger entries for customer ${customerId}`);
    return view;
  }
}
