import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { SUPPORT_CHANNELS, type SupportChannel } from '@loyalty/ledger-domain';
import { IsIdentifier, IsInstant } from '../../http/request-validators';

export class RecordSupportContactRequest {
  @IsIdentifier('The support contact id: recorded once per id', 'TICKET-777') contactId!: string;
  @IsIdentifier('The customer (loyalty account) id', 'CUST-42') customerId!: string;
  @ApiProperty({ enum: SUPPORT_CHANNELS }) @IsIn(SUPPORT_CHANNELS as unknown as string[]) channel!: SupportChannel;
  @IsInstant('When the contact was opened') openedAt!: string;
  @IsOptional() @IsInstant('When it was resolved') resolvedAt?: string;
  @ApiProperty() @IsBoolean() resolved!: boolean;
  @ApiPropertyOptional({ minimum: 1, maximum: 5 }) @IsOptional() @IsInt() @Min(1) @Max(5) satisfaction?: number;
}
