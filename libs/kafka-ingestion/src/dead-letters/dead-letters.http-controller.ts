import { Body, Controller, Get, HttpStatus, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, Matches, Max, Min, ValidateNested } from 'class-validator';
import { OptionalField } from '@loyalty/kafka-contracts';
import { ApiJsonResponse, ProblemError, RequireRoles, type AuthenticatedRequest, IdempotentPost } from '@loyalty/http-platform';
import { DeadLetterBrowser, type DeadLetterPage, type RedriveResponse } from './dead-letter-browser';

class DeadLetterRef {
  @ApiProperty() @IsInt() @Min(0) partition!: number;
  @ApiProperty({ example: '42' }) @Matches(/^\d+$/, { message: '$property must be an offset (digits)' }) offset!: string;
}

class RedriveRequest {
  @ApiProperty({ type: [DeadLetterRef] }) @IsArray() @ArrayMaxSize(10_000) @ValidateNested({ each: true }) @Type(() => DeadLetterRef) items!: DeadLetterRef[];
}

class DeadLetterListQuery {
  @ApiPropertyOptional({ default: 100, maximum: 1000, type: 'integer' }) @OptionalField() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional({ description: 'The nextAfter of the previous page' })
  @OptionalField()
  @Matches(/^[0-9T:.Z-]{0,40}\|\d{6}\|\d{20}$/, { message: '$property must be a nextAfter cursor' })
  after?: string;
  @ApiPropertyOptional({
    description: 'Only letters with this reason (a decode reason such as SCHEMA_VIOLATION, or a LEDGER.* code)',
    example: 'LEDGER.UNKNOWN_ORDER',
  })
  @OptionalField()
  @Matches(/^[A-Z][A-Z0-9_.]{0,63}$/, { message: '$property must be a reason code' })
  reason?: string;
  @ApiPropertyOptional({ description: 'Only letters from this topic', example: 'loyalty.purchases.v1' })
  @OptionalField()
  @Matches(/^[A-Za-z0-9._-]{1,249}$/, { message: '$property must be a topic name' })
  sourceTopic?: string;
  @ApiPropertyOptional({ enum: ['pending', 'redriven'] }) @OptionalField() @IsIn(['pending', 'redriven']) status?: 'pending' | 'redriven';
}

@ApiTags('dead letters')
@ApiBearerAuth()
@Controller('v1/dead-letters')
export class DeadLettersHttpController {
  constructor(private readonly browser: DeadLetterBrowser) {}

  @Get()
  @RequireRoles('ops')
  @ApiOperation({
    summary: 'Messages the ledger could not apply, with the reason and their original bytes: every one, paged by cursor, oldest first, filterable',
  })
  @ApiJsonResponse('DeadLetterPage')
  list(@Query() query: DeadLetterListQuery): Promise<DeadLetterPage> {
    return this.browser.page({ limit: query.limit ?? 100, after: query.after, reason: query.reason, sourceTopic: query.sourceTopic, status: query.status });
  }

  @IdempotentPost('redrive')
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Publish chosen dead letters to their source topic again (once their cause is fixed)' })
  @ApiJsonResponse('RedriveResponse')
  async redrive(@Body() body: RedriveRequest, @Req() request: AuthenticatedRequest): Promise<RedriveResponse> {
    const result = await this.browser.redrive(body.items, request.principal ? `api-key:${request.principal.keyId}` : 'unknown');
    if (result.redriven === 0 && body.items.length > 0) {
      throw new ProblemError(HttpStatus.NOT_FOUND, 'KAFKA.DEAD_LETTER_NOT_FOUND', 'None of the dead letters was found', `looked in ${this.browser.topic}`);
    }
    return result;
  }
}
