import fc from 'fast-check';
import { addMonths, formatInstant, startOfMonth, startOfYear, utcMonthOfYear } from './utc-calendar';

// Reference implementations on Date, to check the day-number arithmetic against.
function dateAddMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const month = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(month / 12);
  const m = ((month % 12) + 12) % 12;
  const last = new Date(Date.UTC(year, m + 1, 0)).getUTCDate();
  return Date.UTC(year, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

describe('UTC calendar arithmetic', () => {
  const instant = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) });

  it('agrees with Date on random instants (1900-2200)', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -240, max: 240 }), (ms, months) => {
        const d = new Date(ms);
        expect(addMonths(ms, months)).toBe(dateAddMonths(ms, months));
        expect(startOfMonth(ms)).toBe(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
        expect(startOfYear(ms)).toBe(Date.UTC(d.getUTCFullYear(), 0, 1));
        expect(utcMonthOfYear(ms)).toBe(d.getUTCMonth() + 1);
      }),
      { numRuns: 5000 },
    );
  });

  it('clamps to the end of a shorter month, leap years included', () => {
    expect(new Date(addMonths(Date.UTC(2024, 0, 31, 12), 1)).toISOString()).toBe('2024-02-29T12:00:00.000Z');
    expect(new Date(addMonths(Date.UTC(2023, 0, 31), 1)).toISOString()).toBe('2023-02-28T00:00:00.000Z');
    expect(new Date(addMonths(Date.UTC(2024, 1, 29), 12)).toISOString()).toBe('2025-02-28T00:00:00.000Z');
  });
});

describe('formatInstant', () => {
  it('given any instant, when formatted, then the text is what toISOString writes', () => {
    const edges = [0, 1, 999, 86_399_999, 86_400_000, Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2100, 2, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
    for (const ms of [...edges, -1, -86_400_001, Date.UTC(10000, 0, 1)]) expect(formatInstant(ms)).toBe(new Date(ms).toISOString());
    fc.assert(
      fc.property(fc.integer({ min: -62_198_755_200_000, max: 253_402_300_799_999 + 10 ** 9 }), (ms) => formatInstant(ms) === new Date(ms).toISOString()),
      { numRuns: 20_000 },
    );
  });
});
