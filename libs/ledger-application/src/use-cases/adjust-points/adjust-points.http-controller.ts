import { Body, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, type AuthenticatedRequest, IdempotentPost, type HttpReply } from '@loyalty/http-platform';
import { CustomerIdParam } from '../../http/customer-id.param';
import { httpCommand, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { CLOCK } from '../../ledger-application.tokens';
import type { Clock } from '../../ledger-writer/clock';
import { AdjustPointsRequest } from './adjust-points.request';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts/:customerId/adjustments')
export class AdjustPointsHttpController {
  constructor(
    private readonly writer: LedgerWriter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @IdempotentPost()
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Adjust points by hand, with a reason code; the actor is recorded' })
  @ApiCreatedResponse({ type: LedgerWriteResponse })
  @ApiOkResponse({ type: LedgerWriteResponse, description: 'Already applied: nothing written' })
  async adjustPoints(
    @Param() { customerId }: CustomerIdParam,
    @Body() body: AdjustPointsRequest,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: HttpReply,
  ): Promise<LedgerWriteResponse> {
    const keyActor = `api-key:${request.principal?.keyId ?? 'unknown'}`;
    const command = httpCommand(
      {
        type: 'AdjustPoints',
        customerId,
        adjustmentId: body.adjustmentId,
        points: body.points,
        reasonCode: body.reasonCode,
        note: body.note,
        actor: body.actor ? `${body.actor} (${keyActor})` : keyActor,
        occurredAt: body.occurredAt ?? this.clock.now().toISOString(),
      },
      request,
    );
    return toWriteResponse(await this.writer.execute(command), response);
  }
}
