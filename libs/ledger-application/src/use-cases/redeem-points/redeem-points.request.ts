import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { IsIdentifier, IsInstant } from '../../http/request-validators';

export class RedeemPointsRequest {
  @IsIdentifier('The redemption id: redeemed once per id', 'RDM-5001') redemptionId!: string;
  @ApiProperty({ minimum: 1, example: 500 }) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) points!: number;
  @ApiProperty({ example: 'coupon-500-yen' }) @IsString() @Length(1, 128) reward!: string;
  @IsOptional() @IsInstant('When it happened; defaults to now') occurredAt?: string;
}
