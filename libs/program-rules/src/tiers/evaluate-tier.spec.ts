import type { TierRules } from '../program-rules.types';
import { describeTierStatus, evaluateTier } from './evaluate-tier';
import type { QualifyingActivity } from './qualifying-activity-log';

const levels = [
  { name: 'regular', threshold: 0, earnMultiplierPercent: 100 },
  { name: 'silver', threshold: 100_000, earnMultiplierPercent: 125 },
  { name: 'gold', threshold: 300_000, earnMultiplierPercent: 150 },
];
const rolling: TierRules = { basis: 'spend', window: { kind: 'rolling-months', months: 12 }, downgradeGraceDays: 0, levels };
const spend = (iso: string, spendMinor: number): QualifyingActivity => ({ atMs: Date.parse(iso), spendMinor, points: spendMinor / 100 });
const tierAt = (activities: QualifyingActivity[], rules: TierRules, iso: string) => evaluateTier(activities, rules, Date.parse(iso));

describe('evaluateTier', () => {
  it('upgrades at once when the window total reaches a threshold (activities strictly before as-of)', () => {
    const history = [spend('2026-01-10T00:00:00Z', 60_000), spend('2026-02-10T00:00:00Z', 40_000)];
    expect(tierAt(history, rolling, '2026-02-10T00:00:00Z').level.name).toBe('regular');
    const status = tierAt(history, rolling, '2026-02-10T00:00:00.001Z');
    expect(status).toMatchObject({ level: { name: 'silver' }, basis: 'current-window', qualifyingTotal: 100_000 });
    expect(describeTierStatus(status, rolling)).toBe('silver: 100000 qualifying spend in the rolling 12 months to 2026-02-10T00:00:00.001Z (threshold 100000)');
  });

  it('downgrades only at the end of the period in which the window total fell', () => {
    const history = [spend('2025-03-15T00:00:00Z', 150_000)];
    // The purchase leaves the rolling window on 2026-03-15, but silver is held until the month ends.
    const held = tierAt(history, rolling, '2026-03-20T00:00:00Z');
    expect(held).toMatchObject({ level: { name: 'silver' }, basis: 'previous-period', qualifyingTotal: 0 });
    expect(describeTierStatus(held, rolling)).toBe(
      'silver: held until the period end after 150000 qualifying spend in the period ending 2026-03-01T00:00:00.000Z',
    );
    expect(tierAt(history, rolling, '2026-04-01T00:00:00Z').level.name).toBe('regular');
  });

  it('keeps the old tier during the grace days after the period end', () => {
    const history = [spend('2025-03-15T00:00:00Z', 150_000)];
    const withGrace = { ...rolling, downgradeGraceDays: 10 };
    const graced = tierAt(history, withGrace, '2026-04-10T23:59:59.999Z');
    expect(graced).toMatchObject({ level: { name: 'silver' }, basis: 'grace' });
    expect(describeTierStatus(graced, withGrace)).toBe('silver: kept in the 10-day grace period after 2026-04-01T00:00:00.000Z');
    expect(tierAt(history, withGrace, '2026-04-11T00:00:00Z').level.name).toBe('regular');
  });

  it("on a calendar-year window, holds last year's tier for the whole of this year", () => {
    const calendar: TierRules = { ...rolling, window: { kind: 'calendar-year' } };
    const history = [spend('2025-06-01T00:00:00Z', 320_000), spend('2026-02-01T00:00:00Z', 120_000)];
    expect(tierAt(history, calendar, '2025-12-31T00:00:00Z').level.name).toBe('gold');
    expect(tierAt(history, calendar, '2026-12-31T23:59:59.999Z')).toMatchObject({ level: { name: 'gold' }, basis: 'previous-period' });
    expect(tierAt(history, calendar, '2027-01-01T00:00:00Z').level.name).toBe('silver');
  });

  it('can qualify on points instead of spend', () => {
    const byPoints: TierRules = { ...rolling, basis: 'points', levels: [levels[0], { ...levels[1], threshold: 1_000 }] };
    expect(tierAt([spend('2026-01-01T00:00:00Z', 100_000)], byPoints, '2026-01-02T00:00:00Z').level.name).toBe('silver');
    expect(tierAt([spend('2026-01-01T00:00:00Z', 99_900)], byPoints, '2026-01-02T00:00:00Z').level.name).toBe('regular');
  });
});
