import type { OperationsStore } from '../operations-store/operations-store.port';

/**
 * This instance's claims to run replays: a claim lasts `leaseMs` unless renewed, so that when an
 * instance dies another takes its replays over (wall-clock time: leases are not business time).
 */
export class ReplayLeases {
  private readonly renewals = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly operations: OperationsStore,
    readonly owner: string,
    readonly leaseMs: number,
  ) {}

  /** Claims or renews this instance's right to run a replay; false if another instance holds it. */
  claim(id: string): Promise<boolean> {
    const now = Date.now();
    return this.operations.claimReplayRunner(id, this.owner, new Date(now).toISOString(), new Date(now + this.leaseMs).toISOString());
  }

  /** Renews the claim every third of the lease and tells whether it is still held (an unreachable store is not told: the lease decides). */
  keep(id: string, renewed: (held: boolean) => Promise<void>): void {
    this.stopKeeping(id);
    const renewal = setInterval(
      () => {
        this.claim(id)
          .then(renewed)
          .catch(() => undefined);
      },
      Math.max(Math.floor(this.leaseMs / 3), 10),
    );
    renewal.unref();
    this.renewals.set(id, renewal);
  }

  stopKeeping(id: string): void {
    const renewal = this.renewals.get(id);
    if (renewal) clearInterval(renewal);
    this.renewals.delete(id);
  }

  /** Gives the claim up, so that another instance (or this one's orphan sweep) may take the replay at once. */
  release(id: string): Promise<void> {
    return this.operations.releaseReplayRunner(id, this.owner);
  }
}
