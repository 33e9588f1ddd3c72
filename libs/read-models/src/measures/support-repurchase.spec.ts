import type { CustomerProfile, ProfileSupportContact } from '../customer-profile/customer-profile.projection';
import { supportRepurchase } from './support-repurchase';

const contact = (contactId: string, openedAt: string, resolvedAt: string | null, satisfaction: number | null): ProfileSupportContact => ({
  contactId,
  channel: 'phone',
  openedAt,
  resolvedAt,
  resolved: resolvedAt !== null,
  satisfaction,
});
const customer = (id: string, contacts: ProfileSupportContact[], purchases: [string, number, number?][]): CustomerProfile => ({
  customerId: id,
  enrolledAt: null,
  birthDate: null,
  purchases: purchases.map(([at, amount, refunded], i) => ({ orderId: `${id}-${i}`, at, amount, refunded: refunded ?? 0, points: 0 })),
  surveyAnswers: [],
  supportContacts: contacts,
});

describe('repurchase after a support contact', () => {
  it('counts, per resolution band and satisfaction, the contacts followed by a purchase within the window (hand-computed)', () => {
    // Given a 30-day window over March contacts, measured at 1 June:
    // A: resolved in 30 min, satisfaction 5, buys 10 days later            -> band 0-60, came back
    // B: resolved in 30 min, satisfaction 5, buys 40 days later (too late) -> band 0-60, not back
    // C: resolved in 2 h, satisfaction 3, buys 1 day later but fully refunds it -> band 60-240, not back
    // D: resolved in 2 days, satisfaction 2, buys 29 days after resolution -> band 1440-4320, came back
    // E: unresolved, no satisfaction, buys 5 days after opening           -> unresolved, came back
    // F: opened 20 May: its window closes after 1 June                     -> left out
    // G: opened in February: outside the period                           -> left out
    // H: resolved in 10 min, satisfaction 5, bought only before the contact -> band 0-60, not back
    const profiles = [
      customer('A', [contact('a', '2026-03-02T10:00:00.000Z', '2026-03-02T10:30:00.000Z', 5)], [['2026-03-12T10:00:00.000Z', 1000]]),
      customer('B', [contact('b', '2026-03-03T10:00:00.000Z', '2026-03-03T10:30:00.000Z', 5)], [['2026-04-12T11:00:00.000Z', 1000]]),
      customer('C', [contact('c', '2026-03-04T10:00:00.000Z', '2026-03-04T12:00:00.000Z', 3)], [['2026-03-05T12:00:00.000Z', 1000, 1000]]),
      customer('D', [contact('d', '2026-03-05T10:00:00.000Z', '2026-03-07T10:00:00.000Z', 2)], [['2026-04-05T10:00:00.000Z', 500]]),
      customer('E', [contact('e', '2026-03-06T10:00:00.000Z', null, null)], [['2026-03-11T10:00:00.000Z', 700]]),
      customer('F', [contact('f', '2026-05-20T10:00:00.000Z', '2026-05-20T10:05:00.000Z', 5)], [['2026-05-21T10:00:00.000Z', 700]]),
      customer('G', [contact('g', '2026-02-20T10:00:00.000Z', '2026-02-20T10:05:00.000Z', 5)], [['2026-02-21T10:00:00.000Z', 700]]),
      customer('H', [contact('h', '2026-03-08T10:00:00.000Z', '2026-03-08T10:10:00.000Z', 5)], [['2026-03-01T10:00:00.000Z', 900]]),
    ];
    // When measured over March to June with a 30-day window
    const report = supportRepurchase(profiles, { from: '2026-03-01T00:00:00.000Z', to: '2026-06-01T00:00:00.000Z' }, 30);
    // Then 6 contacts count (F's window is open, G is outside), 3 came back: 50 %
    expect(report.overall).toEqual({ group: 'all', contacts: 6, repurchased: 3, ratePercent: 50 });
    expect(report.windowNotClosed).toBe(1);
    expect(report.byResolutionTime).toEqual([
      { group: '0-60 min', contacts: 3, repurchased: 1, ratePercent: 33.3 },
      { group: '60-240 min', contacts: 1, repurchased: 0, ratePercent: 0 },
      { group: '240-1440 min', contacts: 0, repurchased: 0, ratePercent: null },
      { group: '1440-4320 min', contacts: 1, repurchased: 1, ratePercent: 100 },
      { group: 'over 4320 min', contacts: 0, repurchased: 0, ratePercent: null },
      { group: 'unresolved', contacts: 1, repurchased: 1, ratePercent: 100 },
    ]);
    expect(report.bySatisfaction.filter((r) => r.contacts > 0)).toEqual([
      { group: '2', contacts: 1, repurchased: 1, ratePercent: 100 },
      { group: '3', contacts: 1, repurchased: 0, ratePercent: 0 },
      { group: '5', contacts: 3, repurchased: 1, ratePercent: 33.3 },
      { group: 'none', contacts: 1, repurchased: 1, ratePercent: 100 },
    ]);
  });
});
