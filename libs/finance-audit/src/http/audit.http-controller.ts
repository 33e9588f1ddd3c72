import { Body, Controller, Get, HttpCode } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonResponse, RequireRoles, IdempotentPost } from '@loyalty/http-platform';
import { LedgerAuditService, type DigestsResponse, type SealResponse } from '../tamper-evidence/ledger-audit.service';
import type { VerificationReport } from '../tamper-evidence/ledger-verifier';
import { VerifyRequest } from './finance-queries.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditHttpController {
  constructor(private readonly audit: LedgerAuditService) {}

  @IdempotentPost('verify')
  @HttpCode(200)
  @RequireRoles('finance')
  @ApiOperation({ summary: 'Recompute every hash chain and sealed digest, cross-check the balances read model; reports the first broken link or any drift' })
  @ApiJsonResponse('VerificationReport')
  verify(@Body() body: VerifyRequest): Promise<VerificationReport> {
    return this.audit.verify(body.anchor);
  }

  @IdempotentPost('seal')
  @HttpCode(200)
  @RequireRoles('finance', 'ops')
  @ApiOperation({ summary: 'Seal the ledger up to now and return the digest to sign off (keep it outside the ledger)' })
  @ApiJsonResponse('SealResponse')
  seal(): Promise<SealResponse> {
    return this.audit.seal();
  }

  @Get('digests')
  @RequireRoles('finance')
  @ApiOperation({ summary: 'The sealed digests, each with the value to sign off' })
  @ApiJsonResponse('DigestsResponse')
  digests(): Promise<DigestsResponse> {
    return this.audit.digests();
  }
}
