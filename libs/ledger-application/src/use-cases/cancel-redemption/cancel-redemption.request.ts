import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsInstant } from '../../http/request-validators';

export class CancelRedemptionRequest {
  @ApiPropertyOptional({ example: 'reward out of stock' }) @IsOptional() @IsString() @Length(1, 500) reason?: string;
  @IsOptional() @IsInstant('When it happened; defaults to now') occurredAt?: string;
}
