import { Body, Controller, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RefundRecordedV1 } from '@loyalty/kafka-contracts';
import { RequireRoles, type AuthenticatedRequest, IdempotentPost, type HttpReply } from '@loyalty/http-platform';
import { httpCommand, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';

@ApiTags('ingestion')
@ApiBearerAuth()
@Controller('v1/refunds')
export class RecordRefundHttpController {
  constructor(private readonly writer: LedgerWriter) {}

  @IdempotentPost()
  @RequireRoles('ingest')
  @ApiBody({ description: 'The same payload as the Kafka message (one validation for both doors)', schema: { $ref: '#/components/schemas/RefundRecordedV1' } })
  @ApiOperation({ summary: "Record a full or partial refund: takes back the order's points pro rata" })
  @ApiCreatedResponse({ type: LedgerWriteResponse })
  @ApiOkResponse({ type: LedgerWriteResponse, description: 'Already recorded: nothing written' })
  async recordRefund(
    @Body() body: RefundRecordedV1,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: HttpReply,
  ): Promise<LedgerWriteResponse> {
    const result = await this.writer.execute(httpCommand({ type: 'RecordRefund', ...body }, request));
    return toWriteResponse(result, response);
  }
}
