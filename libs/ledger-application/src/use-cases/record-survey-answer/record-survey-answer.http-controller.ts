import { Body, Controller, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SurveyAnsweredV1 } from '@loyalty/kafka-contracts';
import { RequireRoles, type AuthenticatedRequest, IdempotentPost, type HttpReply } from '@loyalty/http-platform';
import { httpCommand, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { LedgerWriter } from '../../ledger-writer/ledger-writer';

@ApiTags('ingestion')
@ApiBearerAuth()
@Controller('v1/survey-answers')
export class RecordSurveyAnswerHttpController {
  constructor(private readonly writer: LedgerWriter) {}

  @IdempotentPost()
  @RequireRoles('ingest')
  @ApiBody({ description: 'The same payload as the Kafka message (one validation for both doors)', schema: { $ref: '#/components/schemas/SurveyAnsweredV1' } })
  @ApiOperation({ summary: 'Record an NPS survey answer (bonus once per survey)' })
  @ApiCreatedResponse({ type: LedgerWriteResponse })
  @ApiOkResponse({ type: LedgerWriteResponse, description: 'Already recorded: nothing written' })
  async recordSurveyAnswer(
    @Body() body: SurveyAnsweredV1,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: HttpReply,
  ): Promise<LedgerWriteResponse> {
    const result = await this.writer.execute(httpCommand({ type: 'RecordSurveyAnswer', ...body }, request));
    return toWriteResponse(result, response);
  }
}
