import { replayProgress } from './replay-progress';

describe("a replay's progress", () => {
  const run = { projections: 2, head: 1_000n, startedMs: 0, nowMs: 10_000, updatedAt: '2026-12-02T00:00:10.000Z' };

  it('counts the events of every projection, stands at the slowest one and says the time left at the rate so far', () => {
    // given two projections, 300 and 200 events applied in 10 s, at positions 400 and 300 of 1,000
    const applied = new Map([
      ['balances', 300],
      ['customer_profiles', 200],
    ]);
    const positions = new Map([
      ['balances', 400n],
      ['customer_profiles', 300n],
    ]);
    // when the progress is asked
    const progress = replayProgress({ ...run, applied, positions, final: false });
    // then 2,000 events in all, 600 behind the slowest position: 1,400 left at 50/s
    expect(progress).toEqual({ eventsDone: 500, head: '1000', position: '300', ratePerSecond: 50, etaSeconds: 28, updatedAt: run.updatedAt });
  });

  it('counts what a stream-ordered rebuild has done when it has reached no position yet', () => {
    const progress = replayProgress({
      ...run,
      applied: new Map([
        ['balances', 900],
        ['customer_profiles', 100],
      ]),
      positions: new Map(),
      final: false,
    });
    expect(progress).toMatchObject({ eventsDone: 1_000, position: '0', ratePerSecond: 100, etaSeconds: 10 });
  });

  it('stands at the head with nothing left once caught up, and says no time left while nothing has been applied', () => {
    expect(replayProgress({ ...run, applied: new Map([['balances', 1_000]]), positions: new Map([['balances', 700n]]), final: true })).toMatchObject({
      position: '1000',
      etaSeconds: 0,
    });
    expect(replayProgress({ ...run, applied: new Map(), positions: new Map(), final: false })).toMatchObject({ ratePerSecond: 0, etaSeconds: null });
  });
});
