import { Body, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, type AuthenticatedRequest, IdempotentPost, type HttpReply } from '@loyalty/http-platform';
import { RedemptionParams } from '../../http/customer-id.param';
import { httpCommand, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { CLOCK } from '../../ledger-application.tokens';
import type { Clock } from '../../ledger-writer/clock';
import { CancelRedemptionRequest } from './cancel-redemption.request';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts/:customerId/redemptions/:redemptionId/cancellation')
export class CancelRedemptionHttpController {
  constructor(
    private readonly writer: LedgerWriter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @IdempotentPost()
  @RequireRoles('redeem')
  @ApiOperation({ summary: 'Cancel a redemption: its points go back to the lots they came from' })
  @ApiCreatedResponse({ type: LedgerWriteResponse })
  @ApiOkResponse({ type: LedgerWriteResponse, description: 'Already cancelled: nothing written' })
  async cancelRedemption(
    @Param() { customerId, redemptionId }: RedemptionParams,
    @Body() body: CancelRedemptionRequest,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: HttpReply,
  ): Promise<LedgerWriteResponse> {
    const command = httpCommand(
      {
        type: 'CancelRedemption',
        customerId,
        redemptionId,
        ...(body.reason ? { reason: body.reason } : {}),
        occurredAt: body.occurredAt ?? this.clock.now().toISOString(),
      },
      request,
    );
    return toWriteResponse(await this.writer.execute(command), response);
  }
}
