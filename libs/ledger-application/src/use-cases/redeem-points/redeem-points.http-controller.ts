import { Body, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, type AuthenticatedRequest, IdempotentPost, type HttpReply } from '@loyalty/http-platform';
import { CustomerIdParam } from '../../http/customer-id.param';
import { httpCommand, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { CLOCK } from '../../ledger-application.tokens';
import type { Clock } from '../../ledger-writer/clock';
import { RedeemPointsRequest } from './redeem-points.request';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts/:customerId/redemptions')
export class RedeemPointsHttpController {
  constructor(
    private readonly writer: LedgerWriter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @IdempotentPost()
  @RequireRoles('redeem')
  @ApiOperation({ summary: 'Redeem available points, soonest-expiring first (once per redemptionId)' })
  @ApiCreatedResponse({ type: LedgerWriteResponse })
  @ApiOkResponse({ type: LedgerWriteResponse, description: 'Already redeemed: nothing written' })
  async redeemPoints(
    @Param() { customerId }: CustomerIdParam,
    @Body() body: RedeemPointsRequest,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: HttpReply,
  ): Promise<LedgerWriteResponse> {
    const command = httpCommand({ type: 'RedeemPoints', customerId, ...body, occurredAt: body.occurredAt ?? this.clock.now().toISOString() }, request);
    return toWriteResponse(await this.writer.execute(command), response);
  }
}
