import fc from 'fast-check';
import { QualifyingActivityLog, type QualifyingActivity } from './qualifying-activity-log';

describe('QualifyingActivityLog', () => {
  it('sums any window exactly like a plain scan, with out-of-order arrivals and refunds', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        atMs: fc.integer({ min: 0, max: 1000 }),
        spend: fc.integer({ min: 0, max: 10_000 }),
        points: fc.integer({ min: 0, max: 100 }),
      }),
      fc.record({ kind: fc.constant('adjust' as const), pick: fc.nat(), spend: fc.integer({ min: -500, max: 0 }), points: fc.integer({ min: -5, max: 0 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: -10, max: 1010 }), fc.integer({ min: -10, max: 1010 }), (ops, a, b) => {
        const log = new QualifyingActivityLog();
        const plain: QualifyingActivity[] = [];
        for (const o of ops) {
          if (o.kind === 'add') plain.push(log.add({ atMs: o.atMs, spendMinor: o.spend, points: o.points }));
          else if (plain.length > 0) log.adjust(plain[o.pick % plain.length], o.spend, o.points);
        }
        const [from, to] = a <= b ? [a, b] : [b, a];
        const inWindow = plain.filter((x) => x.atMs >= from && x.atMs < to);
        expect(log.total('spend', from, to)).toBe(inWindow.reduce((s, x) => s + x.spendMinor, 0));
        expect(log.total('points', from, to)).toBe(inWindow.reduce((s, x) => s + x.points, 0));
      }),
      { numRuns: 500 },
    );
  });

  it('built at once from activities in any order, sums every window as one built by adding them, and takes new ones after', () => {
    const activity = fc.record({
      atMs: fc.integer({ min: 0, max: 1000 }),
      spendMinor: fc.integer({ min: 0, max: 10_000 }),
      points: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(
        fc.array(activity, { maxLength: 300 }),
        activity,
        fc.integer({ min: -10, max: 1010 }),
        fc.integer({ min: -10, max: 1010 }),
        (activities, later, a, b) => {
          // Given the same activities, unordered: one log built at once, one added to one by one
          const built = QualifyingActivityLog.of(activities);
          const added = new QualifyingActivityLog();
          for (const x of activities) added.add({ ...x });
          // When both then take one more activity
          built.add({ ...later });
          added.add({ ...later });
          const [from, to] = a <= b ? [a, b] : [b, a];
          // Then every window sums the same, on both bases
          expect(built.size).toBe(added.size);
          expect(built.total('spend', from, to)).toBe(added.total('spend', from, to));
          expect(built.total('points', from, to)).toBe(added.total('points', from, to));
          expect(built.total('spend', -1, 2000)).toBe(activities.reduce((s, x) => s + x.spendMinor, later.spendMinor));
        },
      ),
      { numRuns: 300 },
    );
  });
});
