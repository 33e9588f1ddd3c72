/** UTC calendar arithmetic on epoch milliseconds. Pure; never reads the clock. */

export const MS_PER_DAY = 86_400_000;

export function parseInstant(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 instant: ${iso}`);
  return ms;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
/** The latest instant whose year has four digits (toISOString writes ±YYYYYY beyond). */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;

/**
 * The instant as toISOString writes it (`2026-12-03T04:29:03.000Z`), without a Date per call: an
 * account answer formats three instants per lot, and a Date each was a tenth of its time.
 */
export function formatInstant(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > LAST_FOUR_DIGIT_YEAR_MS) return new Date(ms).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  const { year, month, day } = civilFromDays(days);
  let rest = ms - days * MS_PER_DAY;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${String(year).padStart(4, '0')}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}Z`;
}

export function addDays(ms: number, days: number): number {
  return ms + days * MS_PER_DAY;
}

// Civil-date arithmetic on day numbers (Howard Hinnant's algorithms): no Date objects on the
// hot path of a replay, and exact for the proleptic Gregorian calendar.

/** { year, month 1-12, day 1-31 } of a day number (days since 1970-01-01). */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** The day number of a civil date. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The number of days of a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Adds calendar months; a day past the target month's end is clamped (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(ms: number, months: number): number {
  const days = Math.floor(ms / MS_PER_DAY);
  const timeOfDay = ms - days * MS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const index = month - 1 + months;
  const targetYear = year + Math.floor(index / 12);
  const targetMonth = (((index % 12) + 12) % 12) + 1;
  const targetDay = Math.min(day, daysInMonth(targetYear, targetMonth));
  return daysFromCivil(targetYear, targetMonth, targetDay) * MS_PER_DAY + timeOfDay;
}

export function startOfMonth(ms: number): number {
  const { year, month } = civilFromDays(Math.floor(ms / MS_PER_DAY));
  return daysFromCivil(year, month, 1) * MS_PER_DAY;
}

export function startOfYear(ms: number): number {
  return daysFromCivil(civilFromDays(Math.floor(ms / MS_PER_DAY)).year, 1, 1) * MS_PER_DAY;
}

/** The UTC day of the instant as a day number (days since 1970-01-01). */
export function utcDayNumber(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** 1..12 */
export function utcMonthOfYear(ms: number): number {
  return civilFromDays(Math.floor(ms / MS_PER_DAY)).month;
}

/** A YYYY-MM-DD that names a day that exists (never normalised: 2026-02-30 is not 2 March). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}
