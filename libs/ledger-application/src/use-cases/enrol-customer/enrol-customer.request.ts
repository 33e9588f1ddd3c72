import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { IsIdentifier, IsInstant } from '../../http/request-validators';

export class EnrolCustomerRequest {
  @IsIdentifier('The customer (loyalty account) id', 'CUST-42') customerId!: string;
  @IsInstant('When the customer enrolled') enrolledAt!: string;
  @ApiPropertyOptional({ example: '1990-03-15', description: 'YYYY-MM-DD; its month brings the birthday bonus' })
  @IsOptional() @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: '$property must be a date YYYY-MM-DD' }) birthDate?: string;
}
