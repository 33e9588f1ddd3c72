import type { ThrottlerStorage } from '@nestjs/throttler';

interface Window {
  hits: number;
  endsAt: number;
  blockedUntil: number;
}

/**
 * The throttler's counters: one fixed window per key and throttler. The library's own
 * in-memory storage keeps a timer per request (thousands alive at a few thousand requests a
 * second); this one keeps a count and an end time, and sweeps ended windows now and then.
 */
export class FixedWindowStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    sweepEveryMs = 60_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  // The signature is the library's (ThrottlerStorage); nothing here waits.
  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    return this.hit(`${throttlerName}\u0000${key}`, ttl, limit, blockDuration);
  }

  /** Counts one hit; over the limit the key is blocked for blockDuration (ms), then starts afresh. */
  hit(key: string, ttl: number, limit: number, blockDuration: number) {
    const now = this.now();
    let w = this.windows.get(key);
    if (w && w.blockedUntil > 0 && w.blockedUntil <= now) w = undefined; // a block served: start afresh
    if (!w || (w.endsAt <= now && w.blockedUntil === 0)) {
      w = { hits: 0, endsAt: now + ttl, blockedUntil: 0 };
      this.windows.set(key, w);
    }
    if (w.blockedUntil === 0) {
      w.hits++;
      if (w.hits > limit) w.blockedUntil = now + Math.max(blockDuration, w.endsAt - now);
    }
    return {
      totalHits: w.hits,
      timeToExpire: secondsUntil(w.endsAt, now),
      isBlocked: w.blockedUntil > now,
      timeToBlockExpire: w.blockedUntil > now ? secondsUntil(w.blockedUntil, now) : 0,
    };
  }

  /** Seconds the key stays blocked (0: not blocked), without counting a hit. */
  blockedFor(key: string): number {
    const w = this.windows.get(key);
    const now = this.now();
    return w && w.blockedUntil > now ? secondsUntil(w.blockedUntil, now) : 0;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, w] of this.windows) if (w.endsAt <= now && w.blockedUntil <= now) this.windows.delete(key);
  }
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
