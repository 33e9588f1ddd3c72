// class-transformer's @Type reads design metadata: load the polyfill with the classes.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, Matches, Max, Min, ValidateNested } from 'class-validator';
import { CURRENCY_PATTERN, ID_MESSAGE, ID_PATTERN, IsCalendarDate, IsCalendarInstant, IsText, OptionalField, SUPPORT_CHANNELS } from './field-formats';

// Version 1 of each message payload. A change that a v1 consumer would misread is a v2 class
// beside this one, never an edit of it. Amounts are integers in minor units.

export class PurchaseLineV1 {
  @IsText(1, 128) sku!: string;
  @IsText(1, 128) category!: string;
  @IsInt() @Min(1) @Max(1_000_000) quantity!: number;
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) unitPrice!: number;
}

export class PurchaseRecordedV1 {
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) orderId!: string;
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId!: string;
  @IsCalendarInstant() occurredAt!: string;
  @Matches(CURRENCY_PATTERN, { message: '$property must be an ISO-4217 code such as JPY' }) currency!: string;
  @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) amount!: number;
  @OptionalField() @IsArray() @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => PurchaseLineV1) lines?: PurchaseLineV1[];
  @OptionalField() @IsText(1, 64) channel?: string;
}

export class RefundRecordedV1 {
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) refundId!: string;
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) orderId!: string;
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId!: string;
  @IsCalendarInstant() occurredAt!: string;
  @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) amount!: number;
}

export class SurveyAnsweredV1 {
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) responseId!: string;
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) surveyId!: string;
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId!: string;
  @IsCalendarInstant() occurredAt!: string;
  @IsInt() @Min(0) @Max(10) score!: number;
  @OptionalField() @IsText(0, 4000, { multiline: true }) comment?: string;
  @OptionalField() @IsText(1, 64) touchpoint?: string;
}

export class SupportContactRecordedV1 {
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) contactId!: string;
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId!: string;
  @IsIn(SUPPORT_CHANNELS as unknown as string[]) channel!: (typeof SUPPORT_CHANNELS)[number];
  @IsCalendarInstant() openedAt!: string;
  @OptionalField() @IsCalendarInstant() resolvedAt?: string;
  @IsBoolean() resolved!: boolean;
  @OptionalField() @IsInt() @Min(1) @Max(5) satisfaction?: number;
}

export class CustomerEnrolledV1 {
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId!: string;
  @IsCalendarInstant() enrolledAt!: string;
  @OptionalField() @IsCalendarDate() birthDate?: string;
}
