import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

/** An instant with an explicit offset (Z or ±hh:mm): a time without one is ambiguous. */
export const UTC_INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

export const IsInstant = (description: string, example = '2026-11-22T09:30:00Z') =>
  applyDecorators(
    ApiProperty({ description: `${description} (ISO-8601 with Z or an offset)`, example }),
    IsString(),
    Matches(UTC_INSTANT, { message: '$property must be an ISO-8601 instant with Z or an offset, e.g. 2026-11-22T09:30:00Z' }),
  );

export const IsIdentifier = (description: string, example: string) =>
  applyDecorators(
    ApiProperty({ description, example, pattern: ID_PATTERN.source }),
    IsString(),
    Matches(ID_PATTERN, { message: '$property must be 1-128 letters, digits or . _ : @ - (starting with a letter or digit)' }),
  );

export const IsMinorUnits = (description: string) =>
  applyDecorators(
    ApiProperty({ description: `${description}, an integer in minor units (JPY: yen)`, example: 12800, minimum: 1 }),
    IsInt({ message: '$property must be an integer in minor units' }),
    Min(1),
    Max(Number.MAX_SAFE_INTEGER),
  );
