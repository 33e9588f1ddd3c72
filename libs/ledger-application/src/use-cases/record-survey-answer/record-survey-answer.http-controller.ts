import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRoles, type AuthenticatedRequest } from '@loyalty/http-platform';
import { httpProvenance, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { RecordSurveyAnswer } from './record-survey-answer.command';
import { RecordSurveyAnswerRequest } from './record-survey-answer.request';

@ApiTags('ingestion')
@ApiBearerAuth()
@Controller('v1/survey-answers')
export class RecordSurveyAnswerHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RequireRoles('ingest')
  @ApiOperation({ summary: 'Record an NPS survey answer (bonus once per survey)' })
  @ApiCreatedResponse({ type: LedgerWriteResponse })
  @ApiOkResponse({ type: LedgerWriteResponse, description: 'Already recorded: nothing written' })
  async recordSurveyAnswer(@Body() body: RecordSurveyAnswerRequest, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response): Promise<LedgerWriteResponse> {
    const result = await this.commands.execute(new RecordSurveyAnswer({ type: 'RecordSurveyAnswer', ...body }, httpProvenance(request)));
    return toWriteResponse(result, response);
  }
}
