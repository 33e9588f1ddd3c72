/**
 * Long work on a thread that also serves requests. An embedded store answers synchronously, so
 * a pass over every customer never lets the event loop turn by itself; cut into slices of a few
 * milliseconds, each followed by one turn of the event loop, it lets waiting requests in at that
 * interval for about a turn's cost per slice.
 */
export const DEFAULT_SLICE_MS = 8;

export class TimeSlices {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs = DEFAULT_SLICE_MS) {}

  /** At once while the current slice lasts; once it is spent, after one turn of the event loop. */
  async giveWay(): Promise<void> {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}

/** The items of `source`, giving way to the event loop whenever the caller's work on them has used a slice. */
export async function* givingWay<T>(source: AsyncIterable<T> | Iterable<T>, sliceMs = DEFAULT_SLICE_MS): AsyncGenerator<T> {
  const slices = new TimeSlices(sliceMs);
  for await (const item of source) {
    yield item;
    await slices.giveWay();
  }
}
