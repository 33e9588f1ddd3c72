import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRoles, type AuthenticatedRequest } from '@loyalty/http-platform';
import { httpProvenance, LedgerWriteResponse, toWriteResponse } from '../../http/write-response';
import { RecordSupportContact } from './record-support-contact.command';
import { RecordSupportContactRequest } from './record-support-contact.request';

@ApiTags('ingestion')
@ApiBearerAuth()
@Controller('v1/support-contacts')
export class RecordSupportContactHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RequireRoles('ingest')
  @ApiOperation({ summary: 'Record a support contact' })
  @ApiCreatedResponse({ type: LedgerWriteResponse })
  @ApiOkResponse({ type: LedgerWriteResponse, description: 'Already recorded: nothing written' })
  async recordSupportContact(@Body() body: RecordSupportContactRequest, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response): Promise<LedgerWriteResponse> {
    const result = await this.commands.execute(new RecordSupportContact({ type: 'RecordSupportContact', ...body }, httpProvenance(request)));
    return toWriteResponse(result, response);
  }
}
