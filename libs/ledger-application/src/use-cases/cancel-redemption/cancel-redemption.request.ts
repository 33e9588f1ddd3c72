import { IsText, OptionalField } from '@loyalty/kafka-contracts';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInstant } from '../../http/request-validators';

export class CancelRedemptionRequest {
  @ApiPropertyOptional({ example: 'reward out of stock' }) @OptionalField() @IsText(1, 500) reason?: string;
  @IsInstant('When it happened; defaults to now', { optional: true }) occurredAt?: string;
}
