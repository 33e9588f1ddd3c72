import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { IsIdentifier, IsInstant, IsMinorUnits } from '../../http/request-validators';

export class PurchaseLineRequest {
  @ApiProperty({ example: 'SKU-1234' }) @IsString() @Length(1, 128) sku!: string;
  @ApiProperty({ example: 'grocery' }) @IsString() @Length(1, 128) category!: string;
  @ApiProperty({ example: 2, minimum: 1 }) @IsInt() @Min(1) @Max(1_000_000) quantity!: number;
  @ApiProperty({ example: 1200, description: 'Unit price in minor units', minimum: 0 }) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) unitPrice!: number;
}

export class RecordPurchaseRequest {
  @IsIdentifier('The order id: the purchase is recorded once per order', 'ORD-2026-000123') orderId!: string;
  @IsIdentifier('The customer (loyalty account) id', 'CUST-42') customerId!: string;
  @IsInstant('When the purchase happened') occurredAt!: string;
  @ApiProperty({ example: 'JPY', description: 'ISO-4217; must be the program currency' }) @IsString() @Matches(/^[A-Z]{3}$/, { message: '$property must be an ISO-4217 code such as JPY' }) currency!: string;
  @IsMinorUnits('The purchase total') amount!: number;
  @ApiPropertyOptional({ type: [PurchaseLineRequest] })
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => PurchaseLineRequest)
  lines?: PurchaseLineRequest[];
  @ApiPropertyOptional({ example: 'web' }) @IsOptional() @IsString() @Length(1, 64) channel?: string;
}
