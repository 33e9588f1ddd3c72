import { defaultProgramRules } from '@loyalty/program-rules';
import { postingsFor } from '../posting/double-entry';
import { accepted, CUSTOMER, eventOf, history, plainRules, purchase, redeem, when } from '../testing/ledger-spec';
import type { MigrateOpeningBalance } from './ledger-commands';
import { foldLoyaltyAccount } from './evolve';
import { accountHoldingsAt } from './loyalty-account.state';

const CUTOVER = '2026-06-01T00:00:00.000Z';
const DAY = 86_400_000;
const after = (days: number) => new Date(Date.parse(CUTOVER) + days * DAY).toISOString();

const balance = (extra: Partial<MigrateOpeningBalance> = {}): MigrateOpeningBalance => ({
  type: 'MigrateOpeningBalance',
  customerId: CUSTOMER,
  migrationId: 'from-acme-2026-06',
  sourceProgram: 'acme-points',
  migratedAt: CUTOVER,
  memberSince: '2019-04-02T09:00:00Z',
  lots: [
    { ref: 'A', points: 700, earnedAt: '2025-06-20T10:00:00Z', expiresAt: after(20) },
    { ref: 'B', points: 300, earnedAt: '2026-05-28T10:00:00Z', availableAt: after(10), expiresAt: after(360) },
  ],
  ...extra,
});

describe('MigrateOpeningBalance', () => {
  it('opens the account with each lot as the other program held it: available, pending until its date, expiring at its own instant', () => {
    // When the balance is migrated
    const events = accepted(when(balance()));
    // Then the account opens at the cutover with one entry posted on the opening-balances account
    expect(events.map((e) => e.type)).toEqual(['AccountOpened', 'OpeningBalanceMigrated']);
    const migrated = eventOf(events, 'OpeningBalanceMigrated');
    expect(migrated).toMatchObject({ points: 1_000, memberSince: '2019-04-02T09:00:00.000Z' });
    expect(postingsFor(migrated)).toEqual([
      {
        debit: 'opening:migrated-balances',
        credit: 'liability:customer-points',
        points: 1_000,
        memo: 'opening balance migrated from acme-points (from-acme-2026-06)',
      },
    ]);
    // And what it holds is what the file said, at the cutover and after
    const state = foldLoyaltyAccount(events);
    expect(accountHoldingsAt(state, Date.parse(CUTOVER))).toMatchObject({
      available: 700,
      pending: 300,
      expiringWithinDays: { '30': 700, '60': 700, '90': 700 },
    });
    expect(accountHoldingsAt(state, Date.parse(after(10)))).toMatchObject({ available: 1_000, pending: 0 });
    // And nothing is owed before the cutover: the other program owed it then
    expect(accountHoldingsAt(state, Date.parse(CUTOVER) - 1)).toMatchObject({ available: 0, pending: 0, outstanding: 0 });
    // And a redemption spends the available lot only, an expiry run takes lot A at its own instant
    expect(when(redeem('R-1', 701, CUTOVER), { given: events })).toMatchObject({ outcome: 'rejected', rejection: { code: 'LEDGER.INSUFFICIENT_POINTS' } });
    const expired = accepted(when({ type: 'ExpirePoints', customerId: CUSTOMER, expiryRunId: 'X-1', asOf: after(30) }, { given: events }));
    expect(expired).toEqual([expect.objectContaining({ type: 'PointsExpired', asOf: after(20), points: 700, lots: [{ lotId: 'migrated:A', points: 700 }] })]);
  });

  it('takes the same balance again as a duplicate, and another one for the same customer as a conflict naming what differs', () => {
    const given = accepted(when(balance()));
    expect(when(balance(), { given })).toEqual({ outcome: 'duplicate', sourceKey: 'opening-balance' });
    const other = when(balance({ lots: [{ ref: 'A', points: 701, earnedAt: '2025-06-20T10:00:00Z', expiresAt: after(20) }] }), { given });
    expect(other).toMatchObject({ outcome: 'rejected', rejection: { code: 'LEDGER.SOURCE_CONFLICT', details: { field: 'lots' } } });
  });

  it('refuses an account that already has points entries, lots expired before the cutover, and refs given twice', () => {
    const given = history([purchase('O-1', 1_000, '2026-05-01T00:00:00Z')]);
    expect(when(balance(), { given })).toMatchObject({ outcome: 'rejected', rejection: { code: 'LEDGER.OPENING_BALANCE_NOT_FIRST' } });
    const stale = balance({ lots: [{ ref: 'A', points: 5, earnedAt: '2025-01-01T00:00:00Z', expiresAt: CUTOVER }] });
    expect(when(stale)).toMatchObject({ outcome: 'rejected', rejection: { code: 'LEDGER.INVALID_TIME', details: { field: 'lots[0].expiresAt' } } });
    const twice = balance({ lots: [balance().lots[0], { ...balance().lots[1], ref: 'A' }] });
    expect(when(twice)).toMatchObject({ outcome: 'rejected', rejection: { code: 'LEDGER.INVALID_VALUE', details: { field: 'lots[1].ref' } } });
  });

  it('keeps the tier the qualifying figures give under the rules, rates later purchases with it, and refuses a tier they do not give', () => {
    const rules = plainRules({ tiers: defaultProgramRules().tiers, earning: { firstPurchaseBonusPoints: 500 } });
    const gold = balance({ tier: { name: 'gold', qualifying: [{ at: '2026-03-15T00:00:00Z', spend: 320_000, points: 3_200 }] } });
    // Given a gold member migrated with 320,000 of qualifying spend in the window
    const given = accepted(when(gold, { rules }));
    expect(eventOf(given, 'OpeningBalanceMigrated').tier).toEqual({
      name: 'gold',
      qualifying: [{ at: '2026-03-15T00:00:00.000Z', spend: 320_000, points: 3_200 }],
    });
    // When they buy after the cutover, the purchase is rated gold (x1.5)
    const earned = eventOf(accepted(when(purchase('O-1', 10_000, after(1)), { given, rules })), 'PointsEarned');
    expect(earned.breakdown.tier.name).toBe('gold');
    // And a member who came over is not new: no first-purchase bonus
    expect(earned.breakdown.steps.map((s) => s.kind)).toEqual(['tier']);
    expect(earned.points).toBe(150);
    // And a file saying platinum for the same figures is refused, naming what the rules find
    const platinum = when({ ...gold, tier: { name: 'platinum', qualifying: gold.tier?.qualifying ?? [] } }, { rules });
    expect(platinum).toMatchObject({
      outcome: 'rejected',
      rejection: { code: 'LEDGER.OPENING_TIER_MISMATCH', details: { stated: 'platinum', found: 'gold', qualifyingTotal: 320_000 } },
    });
  });
});
