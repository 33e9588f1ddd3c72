import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsCalendarInstant } from '@loyalty/kafka-contracts';

export class VersionParam {
  @ApiProperty() @Type(() => Number) @IsInt() @Min(1) version!: number;
}

export class DiffQuery {
  @ApiProperty({ description: 'The version to compare against' }) @Type(() => Number) @IsInt() @Min(1) against!: number;
}

export class ScheduleRequest {
  @ApiProperty({ description: 'When the ledger starts applying this version (ISO-8601 UTC, not in the past)' }) @IsCalendarInstant() effectiveFrom!: string;
}

export class StartReplayRequest {
  @ApiProperty({ description: 'The candidate rules version' }) @IsInt() @Min(1) candidateVersion!: number;
  @ApiPropertyOptional({ type: [String], example: ['balances', 'customer_profiles'], description: 'Projections to rebuild (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsIn(['balances', 'customer_profiles'], { each: true })
  projections?: string[];
  @ApiPropertyOptional({ description: 'At most this many events per second (leave room for live work)' })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(10_000_000)
  throttleEventsPerSecond?: number;
}

export class ReplayIdParam {
  @ApiProperty() @Matches(/^r-\d{14}-[0-9a-f]{6}$/, { message: '$property must be a replay id (r-<timestamp>-<hex>)' }) id!: string;
}

export class ImpactQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' }) @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
  @ApiPropertyOptional({ description: 'Evaluate both sides as of this instant (ISO-8601); default: the report saved when the replay caught up' })
  @IsOptional()
  @IsCalendarInstant()
  asOf?: string;
}

export class PreviewReRatingRequest {
  @ApiProperty() @IsInt() @Min(1) candidateVersion!: number;
  @ApiProperty({ description: 'Re-rate what was earned from this instant on' }) @IsCalendarInstant() from!: string;
}

export class ReRatingIdParam {
  @ApiProperty() @Matches(/^rr-\d{14}-[0-9a-f]{6}$/, { message: '$property must be a re-rating id (rr-<timestamp>-<hex>)' }) id!: string;
}

export class PostReRatingRequest {
  @ApiProperty({ description: 'Why (goes on every adjustment)' }) @IsString() @MinLength(3) @MaxLength(200) reason!: string;
}

export class AuditTrailQuery {
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(0) afterSeq?: number;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}
