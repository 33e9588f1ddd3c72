import { Body, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, type AuthenticatedRequest, IdempotentPost, type HttpReply } from '@loyalty/http-platform';
import { CustomerIdParam } from '../../http/customer-id.param';
import { httpCommand, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';
import { CLOCK } from '../../ledger-application.tokens';
import type { Clock } from '../../ledger-writer/clock';
import { ExpirePointsRequest } from './expire-points.request';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts/:customerId/expirations')
export class ExpirePointsHttpController {
  constructor(
    private readonly writer: LedgerWriter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @IdempotentPost()
  @RequireRoles('ops')
  @ApiOperation({ summary: "Expire the account's lots due at or before asOf (idempotent)" })
  @ApiCreatedResponse({ type: LedgerWriteResponse })
  async expirePoints(
    @Param() { customerId }: CustomerIdParam,
    @Body() body: ExpirePointsRequest,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: HttpReply,
  ): Promise<LedgerWriteResponse> {
    const command = httpCommand(
      { type: 'ExpirePoints', customerId, expiryRunId: body.expiryRunId, asOf: body.asOf ?? this.clock.now().toISOString() },
      request,
    );
    return toWriteResponse(await this.writer.execute(command), response);
  }
}
