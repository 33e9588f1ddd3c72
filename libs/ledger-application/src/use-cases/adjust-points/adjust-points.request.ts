import { IsText, OptionalField } from '@loyalty/kafka-contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min, NotEquals } from 'class-validator';
import { IsIdentifier, IsInstant } from '../../http/request-validators';

export class AdjustPointsRequest {
  @IsIdentifier('The adjustment id: applied once per id', 'ADJ-2026-0001') adjustmentId!: string;
  @ApiProperty({ example: 300, type: 'integer', description: 'Signed: positive credits a new lot, negative debits available points' })
  @IsInt()
  @NotEquals(0)
  @Min(-Number.MAX_SAFE_INTEGER)
  @Max(Number.MAX_SAFE_INTEGER)
  points!: number;
  @ApiProperty({ example: 'GOODWILL', description: 'UPPER_SNAKE reason code' })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{1,63}$/, { message: '$property must be an UPPER_SNAKE code such as GOODWILL' })
  reasonCode!: string;
  @ApiProperty({ example: 'late delivery of order ORD-1' }) @IsText(1, 2000, { multiline: true }) note!: string;
  @ApiPropertyOptional({ example: 'agent.tanaka', description: 'The person who asked for it; recorded with the API key' })
  @OptionalField()
  @IsText(1, 128)
  actor?: string;
  @IsInstant('When it takes effect; defaults to now', { optional: true }) occurredAt?: string;
}
