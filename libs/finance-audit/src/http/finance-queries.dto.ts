import { HttpStatus } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateNested } from 'class-validator';
import { IsCalendarInstant, OptionalField } from '@loyalty/kafka-contracts';
import { ProblemError } from '@loyalty/http-platform';

const MOVEMENTS = ['migrated', 'issued', 'redeemed', 'redemption-cancelled', 'expired', 'adjusted', 'reversed', 'deficit', 'written-off'] as const;

export class ExportFormatQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' }) @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}

/** The second time axis: the ledger as recorded up to a position or an instant (default: everything recorded). */
export class RecordedCutQuery extends ExportFormatQuery {
  @ApiPropertyOptional({ description: 'Only the entries recorded at or before this global ledger position', example: '1042' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: '$property must be a ledger position (digits)' })
  atPosition?: string;
  @ApiPropertyOptional({ description: 'Only the entries recorded at or before this instant: what the ledger knew then (ISO-8601 UTC)' })
  @IsOptional()
  @IsCalendarInstant()
  knownAt?: string;
}

export class LiabilityQuery extends RecordedCutQuery {
  @ApiPropertyOptional({ description: 'The instant (ISO-8601 UTC): the entries dated (business time) at or before it; default now' })
  @OptionalField()
  @IsCalendarInstant()
  asOf?: string;
  @ApiPropertyOptional({ description: "One customer's liability (the same definitions as GET /v1/accounts/{id})" })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: '$property must be a customer id' })
  customerId?: string;
  @ApiPropertyOptional({ enum: ['summary', 'tier', 'lotAge', 'expiryMonth'], description: 'CSV: which table to export', default: 'summary' })
  @IsOptional()
  @IsIn(['summary', 'tier', 'lotAge', 'expiryMonth'])
  split?: 'summary' | 'tier' | 'lotAge' | 'expiryMonth';
}

export class PeriodQuery extends RecordedCutQuery {
  @ApiProperty({ description: 'Start, inclusive (ISO-8601 UTC)' }) @IsCalendarInstant() from!: string;
  @ApiProperty({ description: 'End, exclusive (ISO-8601 UTC)' }) @IsCalendarInstant() to!: string;
}

export class PeriodsQuery extends PeriodQuery {
  @ApiPropertyOptional({ enum: ['day', 'month'], default: 'month' }) @IsOptional() @IsIn(['day', 'month']) by?: 'day' | 'month';
}

export class EntriesQuery extends ExportFormatQuery {
  @ApiPropertyOptional() @OptionalField() @IsCalendarInstant() from?: string;
  @ApiPropertyOptional() @OptionalField() @IsCalendarInstant() to?: string;
  @ApiPropertyOptional({ enum: MOVEMENTS }) @IsOptional() @IsIn(MOVEMENTS) movement?: (typeof MOVEMENTS)[number];
  @ApiPropertyOptional({ example: 'liability:customer-points' })
  @IsOptional()
  @Matches(/^[a-z-]+:[a-z-]+$/, { message: '$property must be a chart-of-accounts account, e.g. liability:customer-points' })
  account?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: '$property must be a customer id' }) customerId?: string;
  @ApiPropertyOptional({
    enum: ['tier', 'lotAge', 'expiryMonth'],
    description: 'With splitKey and splitAsOf: the entries behind one row of the liability split',
  })
  @IsOptional()
  @IsIn(['tier', 'lotAge', 'expiryMonth'])
  split?: 'tier' | 'lotAge' | 'expiryMonth';
  @ApiPropertyOptional() @IsOptional() @Matches(/^[\w .+-]{1,64}$/, { message: '$property must be a row key of the liability split' }) splitKey?: string;
  @ApiPropertyOptional() @OptionalField() @IsCalendarInstant() splitAsOf?: string;
  @ApiPropertyOptional({ description: 'Paging: the nextAfter of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,40}$/, { message: '$property must be a ledger position (digits)' })
  after?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class SignedOffDigestDto {
  @ApiProperty() @Matches(/^\d{1,40}$/, { message: '$property must be a ledger position (digits)' }) toPosition!: string;
  @ApiProperty() @Matches(/^[0-9a-f]{64}$/, { message: '$property must be a sha256 hex digest' }) entryHash!: string;
}

export class VerifyRequest {
  @ApiPropertyOptional({ type: SignedOffDigestDto, description: 'The last digest you signed off (from POST /v1/audit/seal or GET /v1/audit/digests)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SignedOffDigestDto)
  anchor?: SignedOffDigestDto;
}

/** Periods a report may span: a day-by-day report over more than ten years is refused, not attempted. */
export function checkedPeriod(from: string, to: string, by: 'day' | 'month' | null): { from: string; to: string } {
  const f = new Date(from).toISOString();
  const t = new Date(to).toISOString();
  if (f >= t) throw new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.INVALID_PERIOD', 'from must be before to', `from ${f}, to ${t}`);
  if (by === 'day' && Date.parse(t) - Date.parse(f) > 3_660 * 86_400_000)
    throw new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.PERIOD_TOO_LONG', 'too many days', 'by=day covers at most 3,660 days; use by=month');
  return { from: f, to: t };
}

/** The cut a query names, ready for the report service. */
export function recordedCutOf(q: RecordedCutQuery): { atPosition?: bigint; knownAt?: string } {
  return {
    ...(q.atPosition !== undefined ? { atPosition: BigInt(q.atPosition) } : {}),
    ...(q.knownAt !== undefined ? { knownAt: new Date(q.knownAt).toISOString() } : {}),
  };
}
