import { Body, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, type AuthenticatedRequest, IdempotentPost, type HttpReply } from '@loyalty/http-platform';
import { CustomerIdParam } from '../../http/customer-id.param';
import { httpProvenance, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { CLOCK } from '../../ledger-application.tokens';
import type { Clock } from '../../ledger-writer/clock';
import { RedeemPoints } from './redeem-points.command';
import { RedeemPointsRequest } from './redeem-points.request';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts/:customerId/redemptions')
export class RedeemPointsHttpController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @IdempotentPost()
  @RequireRoles('redeem')
  @ApiOperation({ summary: 'Redeem available points, soonest-expiring first (once per redemptionId)' })
  @ApiCreatedResponse({ type: LedgerWriteResponse })
  @ApiOkResponse({ type: LedgerWriteResponse, description: 'Already redeemed: nothing written' })
  async redeemPoints(@Param() { customerId }: CustomerIdParam, @Body() body: RedeemPointsRequest, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: HttpReply): Promise<LedgerWriteResponse> {
    const command = new RedeemPoints({ type: 'RedeemPoints', customerId, ...body, occurredAt: body.occurredAt ?? this.clock.now().toISOString() }, httpProvenance(request));
    return toWriteResponse(await this.commands.execute(command), response);
  }
}
