import { Controller, Get, HttpStatus, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProblemError, RequireRoles } from '@loyalty/http-platform';
import { CustomerIdParam } from '../../http/customer-id.param';
import { IsInstant, IsPosition } from '../../http/request-validators';
import { AccountView } from './account.view';
import { GetAccount } from './get-account.query';

export class AsOfQuery {
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
  async getAccount(@Param() { customerId }: CustomerIdParam, @Query() { asOf, atPosition, knownAt }: AsOfQuery): Promise<AccountView> {
    const view = await this.queries.execute(new GetAccount(customerId, asOf, { ...(atPosition !== undefined ? { atPosition: BigInt(atPosition) } : {}), ...(knownAt !== undefined ? { knownAt } : {}) }));
    if (!view) throw new ProblemError(HttpStatus.NOT_FOUND, 'LEDGER.ACCOUNT_NOT_FOUND', 'No such account', `no ledger entries for customer ${customerId}`);
    return view;
  }
}
