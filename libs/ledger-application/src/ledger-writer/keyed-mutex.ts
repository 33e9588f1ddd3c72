/**
 * In-process mutual exclusion per key. The writer holds an account's key from load to append,
 * so no other command in this process decides on a state that holds events not yet stored.
 * Keys are taken in sorted order, so two batches never wait on each other in a cycle.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async lockAll(keys: Iterable<string>): Promise<() => void> {
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    for (const key of sorted) {
      const previous = this.tails.get(key);
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      this.tails.set(key, mine);
      releases.push(() => {
        release();
        if (this.tails.get(key) === mine) this.tails.delete(key);
      });
      if (previous) await previous;
    }
    return () => {
      for (const r of releases) r();
    };
  }

  /** True while a holder has the key (or waits for it): its state may hold events not yet stored. */
  isLocked(key: string): boolean {
    return this.tails.has(key);
  }

  get heldKeys(): number {
    return this.tails.size;
  }
}
