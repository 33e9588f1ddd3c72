import { IsText } from '@loyalty/kafka-contracts';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsIdentifier, IsInstant } from '../../http/request-validators';

export class RedeemPointsRequest {
  @IsIdentifier('The redemption id: redeemed once per id', 'RDM-5001') redemptionId!: string;
  @ApiProperty({ minimum: 1, example: 500, type: 'integer' }) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) points!: number;
  @ApiProperty({ example: 'coupon-500-yen' }) @IsText(1, 128) reward!: string;
  @IsInstant('When it happened; defaults to now', { optional: true }) occurredAt?: string;
}
