import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, Matches, Max, Min, ValidateNested } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, IsCalendarDate, IsCalendarInstant, IsText, OptionalField } from '@loyalty/kafka-contracts';
import type { MigrateOpeningBalance } from '@loyalty/ledger-domain';

// A migration file's row: one customer's balance in the program being left. The ledger's own
// decision (decide) checks what needs the rules: the tier, expiry after the cutover, limits.

export class OpeningLotRow {
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) ref!: string;
  @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) points!: number;
  @IsCalendarInstant() earnedAt!: string;
  @OptionalField() @IsCalendarInstant() availableAt?: string;
  @IsCalendarInstant() expiresAt!: string;
}

export class OpeningQualifyingFigureRow {
  @IsCalendarInstant() at!: string;
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) spend!: number;
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) points!: number;
}

export class OpeningTierRow {
  @IsText(1, 64) name!: string;
  @IsArray() @ArrayMaxSize(120) @ValidateNested({ each: true }) @Type(() => OpeningQualifyingFigureRow) qualifying!: OpeningQualifyingFigureRow[];
}

export class OpeningBalanceRow {
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId!: string;
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) migrationId!: string;
  @IsText(1, 128) sourceProgram!: string;
  @IsCalendarInstant() migratedAt!: string;
  @OptionalField() @IsCalendarInstant() memberSince?: string;
  @OptionalField() @IsCalendarDate() birthDate?: string;
  @IsArray() @ArrayMaxSize(10_000) @ValidateNested({ each: true }) @Type(() => OpeningLotRow) lots!: OpeningLotRow[];
  @OptionalField() @ValidateNested() @Type(() => OpeningTierRow) tier?: OpeningTierRow;
}

export function openingBalanceCommand(row: OpeningBalanceRow): MigrateOpeningBalance {
  return {
    type: 'MigrateOpeningBalance',
    customerId: row.customerId,
    migrationId: row.migrationId,
    sourceProgram: row.sourceProgram,
    migratedAt: row.migratedAt,
    ...(row.memberSince !== undefined ? { memberSince: row.memberSince } : {}),
    ...(row.birthDate !== undefined ? { birthDate: row.birthDate } : {}),
    lots: row.lots.map((l) => ({
      ref: l.ref,
      points: l.points,
      earnedAt: l.earnedAt,
      ...(l.availableAt !== undefined ? { availableAt: l.availableAt } : {}),
      expiresAt: l.expiresAt,
    })),
    ...(row.tier ? { tier: { name: row.tier.name, qualifying: row.tier.qualifying.map((q) => ({ at: q.at, spend: q.spend, points: q.points })) } } : {}),
  };
}
