import { Body, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, type AuthenticatedRequest, IdempotentPost, type HttpReply } from '@loyalty/http-platform';
import { CustomerIdParam } from '../../http/customer-id.param';
import { httpProvenance, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { CLOCK } from '../../ledger-application.tokens';
import type { Clock } from '../../ledger-writer/clock';
import { ExpirePoints } from './expire-points.command';
import { ExpirePointsRequest } from './expire-points.request';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts/:customerId/expirations')
export class ExpirePointsHttpController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @IdempotentPost()
  @RequireRoles('ops')
  @ApiOperation({ summary: "Expire the account's lots due at or before asOf (idempotent)" })
  @ApiCreatedResponse({ type: LedgerWriteResponse })
  async expirePoints(@Param() { customerId }: CustomerIdParam, @Body() body: ExpirePointsRequest, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: HttpReply): Promise<LedgerWriteResponse> {
    const command = new ExpirePoints({ type: 'ExpirePoints', customerId, expiryRunId: body.expiryRunId, asOf: body.asOf ?? this.clock.now().toISOString() }, httpProvenance(request));
    return toWriteResponse(await this.commands.execute(command), response);
  }
}
