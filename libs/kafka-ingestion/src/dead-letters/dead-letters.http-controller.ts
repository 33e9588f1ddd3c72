import { Body, Controller, Get, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, Matches, Max, Min, ValidateNested } from 'class-validator';
import { ProblemError, RequireRoles } from '@loyalty/http-platform';
import { DeadLetterBrowser, type DeadLetterView } from './dead-letter-browser';

class DeadLetterRef {
  @ApiProperty() @IsInt() @Min(0) partition!: number;
  @ApiProperty({ example: '42' }) @Matches(/^\d+$/, { message: '$property must be an offset (digits)' }) offset!: string;
}

class RedriveRequest {
  @ApiProperty({ type: [DeadLetterRef] }) @IsArray() @ArrayMaxSize(10_000) @ValidateNested({ each: true }) @Type(() => DeadLetterRef) items!: DeadLetterRef[];
}

class DeadLetterListQuery {
  @ApiPropertyOptional({ default: 100, maximum: 10_000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000) limit?: number;
}

@ApiTags('dead letters')
@ApiBearerAuth()
@Controller('v1/dead-letters')
export class DeadLettersHttpController {
  constructor(private readonly browser: DeadLetterBrowser) {}

  @Get()
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Messages the ledger could not apply, with the reason and their original bytes' })
  async list(@Query() query: DeadLetterListQuery): Promise<{ topic: string; items: DeadLetterView[] }> {
    return { topic: this.browser.topic, items: await this.browser.list(query.limit ?? 100) };
  }

  @Post('redrive')
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Publish chosen dead letters to their source topic again (once their cause is fixed)' })
  async redrive(@Body() body: RedriveRequest): Promise<{ redriven: number; notFound: DeadLetterRef[] }> {
    const result = await this.browser.redrive(body.items);
    if (result.redriven === 0 && body.items.length > 0) {
      throw new ProblemError(HttpStatus.NOT_FOUND, 'KAFKA.DEAD_LETTER_NOT_FOUND', 'None of the dead letters was found', `looked in ${this.browser.topic}`);
    }
    return result;
  }
}
