import type { LedgerEvent } from '@loyalty/ledger-domain';
import { defaultProgramRules } from '@loyalty/program-rules';
import { balancesProjection, type CustomerBalance } from '../balances/balances.projection';
import { customerProfileProjection, type CustomerProfile } from '../customer-profile/customer-profile.projection';
import { deriveFromEvent, initialNotifierState, type NotifierCustomerState } from './derive-from-event';
import { DEFAULT_SCAN_SETTINGS, deriveFromScan, type ScanInput, type Standing } from './derive-from-scan';

const rules = defaultProgramRules(); // silver from ¥100,000 in a rolling 12 months, downgrades at a month start after 30 days of grace
const CUSTOMER = 'C-1';
let position = 0n;

const purchase = (orderId: string, occurredAt: string, amount: number) =>
  ({ type: 'PurchaseRecorded', customerId: CUSTOMER, orderId, occurredAt, currency: 'JPY', amount, lines: [], channel: null }) as LedgerEvent;
const earned = (lotId: string, orderId: string, earnedAt: string, points: number, availableAt: string, expiresAt: string) =>
  ({
    type: 'PointsEarned',
    customerId: CUSTOMER,
    lotId,
    source: { kind: 'purchase', orderId },
    points,
    deficitSettled: 0,
    earnedAt,
    availableAt,
    expiresAt,
  }) as unknown as LedgerEvent;

/** Folds events through the derivation: the notifications in order, and the final state. */
function follow(events: LedgerEvent[], from: NotifierCustomerState = initialNotifierState(CUSTOMER)) {
  let state = from;
  const notifications = [];
  for (const event of events) {
    const result = deriveFromEvent(state, { eventId: `E-${++position}`, position, event }, rules);
    state = result.state;
    notifications.push(...result.notifications);
  }
  return { state, notifications };
}

function balanceOf(events: LedgerEvent[]): CustomerBalance {
  return events.reduce((b, e) => balancesProjection.apply(b, e), balancesProjection.initial(CUSTOMER));
}
function profileOf(events: LedgerEvent[]): CustomerProfile {
  return events.reduce((p, e) => customerProfileProjection.apply(p, e), customerProfileProjection.initial(CUSTOMER));
}
const scan = (over: Partial<ScanInput>) =>
  deriveFromScan({
    customerId: CUSTOMER,
    profile: null,
    balance: null,
    memory: null,
    standing: null,
    rules,
    after: '2026-01-01T00:00:00.000Z',
    asOf: '2026-01-02T00:00:00.000Z',
    position: '7',
    settings: DEFAULT_SCAN_SETTINGS,
    otherSegment: 'other',
    ...over,
  });

describe('notifications derived from ledger events', () => {
  it('announces points earned with their dates, under an id the same event always gets', () => {
    // Given a purchase and its points
    const events = [
      purchase('O-1', '2026-03-01T10:00:00.000Z', 5_000),
      earned('L-1', 'O-1', '2026-03-01T10:00:00.000Z', 50, '2026-03-15T10:00:00.000Z', '2027-03-01T10:00:00.000Z'),
    ];
    // When followed twice from scratch
    const first = follow(events).notifications;
    position -= 2n;
    const again = follow(events).notifications;
    // Then one points.earned, the same both times
    expect(first).toEqual([
      expect.objectContaining({
        type: 'points.earned',
        customerId: CUSTOMER,
        occurredAt: '2026-03-01T10:00:00.000Z',
        data: { points: 50, lotId: 'L-1', reason: 'purchase', orderId: 'O-1', availableAt: '2026-03-15T10:00:00.000Z', expiresAt: '2027-03-01T10:00:00.000Z' },
      }),
    ]);
    expect(again.map((n) => n.id)).toEqual(first.map((n) => n.id));
    expect(first[0].id).toMatch(/^ntf_[0-9a-f]{32}$/);
  });

  it('announces exactly one tier.upgraded when a purchase crosses the silver threshold, with what gold still needs', () => {
    // Given ¥60,000 spent, then ¥50,000 (crossing ¥100,000) with its points, then ¥10,000 more
    const { notifications } = follow([
      purchase('O-1', '2026-03-01T10:00:00.000Z', 60_000),
      purchase('O-2', '2026-03-02T10:00:00.000Z', 50_000),
      earned('L-2', 'O-2', '2026-03-02T10:00:00.000Z', 500, '2026-03-16T10:00:00.000Z', '2027-03-02T10:00:00.000Z'),
      purchase('O-3', '2026-03-03T10:00:00.000Z', 10_000),
    ]);
    // Then one upgrade, at the crossing purchase
    const upgrades = notifications.filter((n) => n.type.startsWith('tier.'));
    expect(upgrades).toEqual([
      expect.objectContaining({
        type: 'tier.upgraded',
        occurredAt: '2026-03-02T10:00:00.000Z',
        data: { from: 'regular', to: 'silver', qualifyingTotal: 110_000, basis: 'spend', next: { tier: 'gold', missing: 190_000 } },
      }),
    ]);
  });

  it('announces redeemed and expired points, and a refund that takes the tier back down', () => {
    const { notifications } = follow([
      purchase('O-1', '2026-03-01T10:00:00.000Z', 120_000),
      {
        type: 'PointsRedeemed',
        customerId: CUSTOMER,
        redemptionId: 'R-1',
        points: 300,
        reward: 'coupon',
        occurredAt: '2026-03-05T00:00:00.000Z',
        fromLots: [],
      } as LedgerEvent,
      {
        type: 'PointsReversed',
        customerId: CUSTOMER,
        refundId: 'RF-1',
        orderId: 'O-1',
        refundAmount: 30_000,
        occurredAt: '2026-03-06T00:00:00.000Z',
        points: 0,
        fromLots: [],
        addedToDeficit: 0,
        writtenOff: 0,
      } as LedgerEvent,
      { type: 'PointsExpired', customerId: CUSTOMER, expiryRunId: 'X-1', asOf: '2026-03-07T00:00:00.000Z', points: 40, lots: [] } as LedgerEvent,
    ]);
    expect(notifications.map((n) => [n.type, n.occurredAt])).toEqual([
      ['tier.upgraded', '2026-03-01T10:00:00.000Z'],
      ['points.redeemed', '2026-03-05T00:00:00.000Z'],
      ['tier.downgraded', '2026-03-06T00:00:00.000Z'],
      ['points.expired', '2026-03-07T00:00:00.000Z'],
    ]);
  });
});

describe('the notifier state', () => {
  it('keeps only what the tier can still depend on: purchases of the last two windows and a grace period, trimmed a window at a time', () => {
    // Given a purchase in 2022, one in 2023 and two in 2026
    const { state, notifications } = follow([
      purchase('OLD', '2022-06-10T00:00:00.000Z', 200_000),
      purchase('MID', '2023-06-10T00:00:00.000Z', 10_000),
      purchase('O-1', '2026-03-01T10:00:00.000Z', 60_000),
      purchase('O-2', '2026-03-02T10:00:00.000Z', 50_000),
    ]);
    // Then the 2022 purchase, more than three windows old, starts a trim to the horizon of two
    // windows and a grace period: the 2023 purchase goes with it; the 2026 upgrade is still found
    expect(state.profile.purchases.map((p) => p.orderId)).toEqual(['O-1', 'O-2']);
    expect(notifications.filter((n) => n.type === 'tier.upgraded').map((n) => n.occurredAt)).toEqual(['2022-06-10T00:00:00.000Z', '2026-03-02T10:00:00.000Z']);
  });
});

describe('notifications derived from a scan of the read models', () => {
  const lotEvents = [
    purchase('O-1', '2026-03-01T10:00:00.000Z', 5_000),
    earned('L-1', 'O-1', '2026-03-01T10:00:00.000Z', 50, '2026-03-15T10:00:00.000Z', '2026-09-01T10:00:00.000Z'),
  ];
  const balance = balanceOf(lotEvents);

  it('makes a lot available exactly at availableAt: the scan whose window ends there announces it, the next one does not', () => {
    const atTheInstant = scan({ balance, after: '2026-03-15T09:00:00.000Z', asOf: '2026-03-15T10:00:00.000Z' }).notifications;
    expect(atTheInstant).toEqual([
      expect.objectContaining({
        type: 'points.available',
        occurredAt: '2026-03-15T10:00:00.000Z',
        data: expect.objectContaining({ points: 50, lotId: 'L-1' }),
      }),
    ]);
    expect(scan({ balance, after: '2026-03-15T08:00:00.000Z', asOf: '2026-03-15T09:59:59.999Z' }).notifications).toEqual([]);
    expect(scan({ balance, after: '2026-03-15T10:00:00.000Z', asOf: '2026-03-15T11:00:00.000Z' }).notifications).toEqual([]);
    // A repeated scan of the same window gives the same id (harmless)
    expect(scan({ balance, after: '2026-03-15T09:00:00.000Z', asOf: '2026-03-15T10:00:00.000Z' }).notifications[0].id).toBe(atTheInstant[0].id);
  });

  it('warns of expiring points 30 and 7 days before, and not for a lot already spent', () => {
    const windows = [
      ['2026-08-01T00:00:00.000Z', '2026-08-03T00:00:00.000Z'],
      ['2026-08-24T00:00:00.000Z', '2026-08-26T00:00:00.000Z'],
    ];
    const found = windows.flatMap(([after, asOf]) => scan({ balance, after, asOf }).notifications);
    expect(found.map((n) => [n.type, n.occurredAt, (n.data as { daysBefore: number }).daysBefore])).toEqual([
      ['points.expiring', '2026-08-02T10:00:00.000Z', 30],
      ['points.expiring', '2026-08-25T10:00:00.000Z', 7],
    ]);
    const spent = balanceOf([
      ...lotEvents,
      {
        type: 'PointsRedeemed',
        customerId: CUSTOMER,
        redemptionId: 'R-1',
        points: 50,
        reward: 'x',
        occurredAt: '2026-04-01T00:00:00.000Z',
        fromLots: [{ lotId: 'L-1', points: 50 }],
      } as LedgerEvent,
    ]);
    expect(scan({ balance: spent, after: windows[0][0], asOf: windows[0][1] }).notifications).toEqual([]);
  });

  describe('tier downgrades', () => {
    // ¥120,000 on 15 June 2025: silver. The rolling window loses it on 15 June 2026, the month's
    // period keeps silver through June, the 30 grace days through 30 July: the drop is 31 July.
    const silver = profileOf([purchase('O-1', '2025-06-15T00:00:00.000Z', 120_000)]);

    it('warns only a customer who will really drop, from 30 days before the drop, with what would keep the tier', () => {
      const warned = scan({ profile: silver, after: '2026-07-01T00:00:00.000Z', asOf: '2026-07-02T00:00:00.000Z' }).notifications;
      expect(warned).toEqual([
        expect.objectContaining({
          type: 'tier.downgrade-warning',
          data: { tier: 'silver', dropsTo: 'regular', at: '2026-07-31T00:00:00.000Z', qualifyingTotal: 0, missing: 100_000, basis: 'spend' },
        }),
      ]);
      // Too early: more than 30 days before the drop
      expect(scan({ profile: silver, after: '2026-06-20T00:00:00.000Z', asOf: '2026-06-21T00:00:00.000Z' }).notifications).toEqual([]);
      // Requalified: ¥100,000 in July keeps silver, no warning
      const requalified = profileOf([purchase('O-1', '2025-06-15T00:00:00.000Z', 120_000), purchase('O-2', '2026-07-01T12:00:00.000Z', 100_000)]);
      expect(scan({ profile: requalified, after: '2026-07-01T00:00:00.000Z', asOf: '2026-07-02T00:00:00.000Z' }).notifications).toEqual([]);
    });

    it('announces the drop once, in the scan whose window holds the instant it takes effect', () => {
      const dropped = scan({ profile: silver, after: '2026-07-30T00:00:00.000Z', asOf: '2026-07-31T00:00:00.000Z' }).notifications;
      expect(dropped.filter((n) => n.type === 'tier.downgraded')).toEqual([
        expect.objectContaining({ occurredAt: '2026-07-31T00:00:00.000Z', data: expect.objectContaining({ from: 'silver', to: 'regular' }) }),
      ]);
      expect(scan({ profile: silver, after: '2026-07-31T00:00:00.000Z', asOf: '2026-08-01T00:00:00.000Z' }).notifications).toEqual([]);
    });
  });

  describe('segments and loyalty classes', () => {
    const loyal: Standing = { segment: 'loyal', loyaltyClass: 'loyal', lacks: { behavioural: [], psychological: null } };
    const near: Standing = { segment: 'A', loyaltyClass: 'one-step-from-loyal', lacks: { behavioural: ['3 more purchase(s)'], psychological: null } };

    it('announces a segment entered once, not at every scan, and left when the customer moves on', () => {
      const first = scan({ standing: near });
      expect(first.notifications.map((n) => [n.type, (n.data as { name: string }).name])).toEqual([
        ['segment.entered', 'A'],
        ['segment.entered', 'one-step-from-loyal'],
      ]);
      expect(scan({ standing: near, memory: first.memory }).notifications).toEqual([]);
      const moved = scan({ standing: loyal, memory: first.memory });
      expect(moved.notifications.map((n) => [n.type, (n.data as { name: string }).name])).toEqual([
        ['segment.left', 'A'],
        ['segment.entered', 'loyal'],
        ['segment.left', 'one-step-from-loyal'],
        ['segment.entered', 'loyal'],
      ]);
      // Entering again later is a new fact with a new id
      const back = scan({ standing: near, memory: scan({ standing: near, memory: moved.memory }).memory });
      expect(back.notifications).toEqual([]);
      const reentered = scan({ standing: near, memory: moved.memory }).notifications.find((n) => n.type === 'segment.entered');
      expect(reentered?.id).not.toBe(first.notifications[0].id);
    });

    it('learns every standing silently at the very first scan (no flood of old facts)', () => {
      expect(scan({ standing: loyal, after: null })).toEqual({ memory: { segment: 'loyal', loyaltyClass: 'loyal', changes: 0 }, notifications: [] });
    });
  });
});

describe('the tier the notifier keeps in memory', () => {
  it('gives the same notifications as a state read back from the outbox before every event', () => {
    // Given a customer's purchases, points and refunds over three years, some arriving late
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const events: LedgerEvent[] = [];
    let clock = Date.parse('2024-01-01T00:00:00.000Z');
    for (let i = 0; i < 400; i++) {
      clock += Math.floor((random() < 0.04 ? 200 : random() * 6) * 86_400_000); // bursts, and long pauses that lose a tier
      const late = random() < 0.1 ? Math.floor(random() * 60 * 86_400_000) : 0;
      const at = new Date(clock - late).toISOString();
      const orderId = `O-${i}`;
      events.push(purchase(orderId, at, 1_000 + Math.floor(random() * 40_000)));
      events.push(earned(`L-${i}`, orderId, at, 10 + Math.floor(random() * 400), at, '2030-01-01T00:00:00.000Z'));
      if (random() < 0.15) {
        const refunded = events.filter((e) => e.type === 'PurchaseRecorded')[Math.floor(random() * (i + 1))] as Extract<
          LedgerEvent,
          { type: 'PurchaseRecorded' }
        >;
        events.push({
          type: 'PointsReversed',
          customerId: CUSTOMER,
          orderId: refunded.orderId,
          refundId: `R-${i}`,
          occurredAt: new Date(clock).toISOString(),
          refundAmount: Math.floor(refunded.amount / 3),
          points: 5,
          lots: [],
          addedToDeficit: 0,
          writtenOff: 0,
        } as unknown as LedgerEvent);
      }
    }
    for (const basis of ['spend', 'points'] as const) {
      const book = {
        ...rules,
        tiers: { ...rules.tiers, basis, levels: rules.tiers.levels.map((l, i) => ({ ...l, threshold: basis === 'points' ? i * 2_000 : l.threshold })) },
      };
      // When it is derived once in memory, and once with the state stored and read back before each event
      const derive = (roundTrip: boolean) => {
        let state = initialNotifierState(CUSTOMER);
        const out: string[] = [];
        events.forEach((event, i) => {
          const result = deriveFromEvent(
            roundTrip ? (JSON.parse(JSON.stringify(state)) as NotifierCustomerState) : state,
            { eventId: `E-${i}`, position: BigInt(i + 1), event },
            book,
          );
          state = result.state;
          for (const n of result.notifications) if (n.type.startsWith('tier.')) out.push(`${n.id} ${JSON.stringify(n.data)}`);
        });
        return out;
      };
      const inMemory = derive(false);
      // Then the tier changes are the same, and there are some
      expect(inMemory.filter((n) => n.includes('"from"')).length).toBeGreaterThan(6);
      expect(inMemory).toEqual(derive(true));
    }
  });
});
