import { Body, Controller, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PurchaseRecordedV1 } from '@loyalty/kafka-contracts';
import { RequireRoles, type AuthenticatedRequest, IdempotentPost, type HttpReply } from '@loyalty/http-platform';
import { httpCommand, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';

@ApiTags('ingestion')
@ApiBearerAuth()
@Controller('v1/purchases')
export class RecordPurchaseHttpController {
  constructor(private readonly writer: LedgerWriter) {}

  @IdempotentPost()
  @RequireRoles('ingest')
  @ApiBody({
    description: 'The same payload as the Kafka message (one validation for both doors)',
    schema: { $ref: '#/components/schemas/PurchaseRecordedV1' },
  })
  @ApiOperation({ summary: 'Record a purchase and earn its points (once per orderId)' })
  @ApiCreatedResponse({ type: LedgerWriteResponse, description: 'Recorded' })
  @ApiOkResponse({ type: LedgerWriteResponse, description: 'Already recorded: nothing written' })
  async recordPurchase(
    @Body() body: PurchaseRecordedV1,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: HttpReply,
  ): Promise<LedgerWriteResponse> {
    const result = await this.writer.execute(httpCommand({ type: 'RecordPurchase', ...body }, request));
    return toWriteResponse(result, response);
  }
}
