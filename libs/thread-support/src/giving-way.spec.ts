import { givingWay, TimeSlices } from './giving-way';

/** Counts the event loop's turns (setImmediate callbacks) until stopped. */
function turnCounter(): { turns: () => number; stop: () => void } {
  let turns = 0;
  let running = true;
  const tick = () => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return { turns: () => turns, stop: () => (running = false) };
}

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('giving way to the event loop during long work', () => {
  it('turns the event loop about once a slice while the caller works on the items of a synchronous source', async () => {
    // Given a source that never waits, and a caller that works 1 ms per item for 40 items
    const counter = turnCounter();
    const start = counter.turns();
    // When the items are taken through givingWay with 5 ms slices
    for await (const item of givingWay([...Array(40).keys()], 5)) {
      void item;
      busy(1);
    }
    const turns = counter.turns() - start;
    counter.stop();
    // Then the loop turned several times (about 40 / 5), not once per item
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(turns).toBeLessThan(20);
  });

  it('does not turn the event loop while a slice lasts', async () => {
    // Given a fresh slice of a second
    const slices = new TimeSlices(1000);
    const counter = turnCounter();
    const start = counter.turns();
    // When the work gives way a hundred times within it
    for (let i = 0; i < 100; i++) await slices.giveWay();
    const turns = counter.turns() - start;
    counter.stop();
    // Then nothing else ran meanwhile
    expect(turns).toBe(0);
  });
});
