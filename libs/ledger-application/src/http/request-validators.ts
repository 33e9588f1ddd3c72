import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, IsCalendarInstant, OptionalField, UTC_INSTANT } from '@loyalty/kafka-contracts';

// The HTTP-only requests' fields, with the validators the Kafka payloads use (kafka-contracts): one definition each.

export const IsInstant = (description: string, { optional = false, example = '2026-11-22T09:30:00Z' } = {}) =>
  applyDecorators(
    ApiProperty({
      description: `${description} (ISO-8601 with Z or an offset, on a day that exists)`,
      example,
      type: 'string',
      format: 'date-time',
      pattern: UTC_INSTANT.source,
      required: !optional,
    }),
    ...(optional ? [OptionalField()] : []),
    IsCalendarInstant(),
  );

export const IsIdentifier = (description: string, example: string) =>
  applyDecorators(ApiProperty({ description, example, pattern: ID_PATTERN.source }), IsString(), Matches(ID_PATTERN, { message: ID_MESSAGE }));

export const IsMinorUnits = (description: string) =>
  applyDecorators(
    ApiProperty({ description: `${description}, an integer in minor units (JPY: yen)`, example: 12800, minimum: 1 }),
    IsInt({ message: '$property must be an integer in minor units' }),
    Min(1),
    Max(Number.MAX_SAFE_INTEGER),
  );

export const IsPosition = (description: string, { optional = false } = {}) =>
  applyDecorators(
    ApiProperty({ description: `${description}; a whole number`, example: '1042', pattern: '^[0-9]{1,19}$', required: !optional }),
    ...(optional ? [OptionalField()] : []),
    IsString(),
    Matches(/^[0-9]{1,19}$/, { message: '$property must be a ledger position (a whole number)' }),
  );
