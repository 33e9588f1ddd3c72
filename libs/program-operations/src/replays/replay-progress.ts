import type { ReplayRecord } from '../operations-store/operations-store.port';

/** Where a replay's runners stand, for its progress: events applied and last position per projection. */
export interface ReplayRunState {
  projections: number;
  applied: ReadonlyMap<string, number>;
  positions: ReadonlyMap<string, bigint>;
  /** The ledger's head the replay catches up to. */
  head: bigint;
  startedMs: number;
  nowMs: number;
  /** Caught up: at the head, nothing left. */
  final: boolean;
  updatedAt: string;
}

/** A replay's progress: events done, rate, and the time left at that rate. */
export function replayProgress({ projections, applied, positions, head, startedMs, nowMs, final, updatedAt }: ReplayRunState): ReplayRecord['progress'] {
  const eventsDone = [...applied.values()].reduce((n, v) => n + v, 0);
  const total = Number(head) * projections;
  const seconds = Math.max((nowMs - startedMs) / 1000, 0.001);
  const ratePerSecond = Math.round(eventsDone / seconds);
  const position = [...positions.values()].reduce((min, p) => (p < min ? p : min), positions.size ? [...positions.values()][0] : 0n);
  // A stream-ordered rebuild reaches no position before its end: count what it has done instead.
  const remaining = Math.max(total - Math.max(Number(position) * projections, eventsDone), 0);
  return {
    eventsDone,
    head: head.toString(),
    position: (final ? head : position).toString(),
    ratePerSecond,
    etaSeconds: final ? 0 : ratePerSecond > 0 ? Math.ceil(remaining / ratePerSecond) : null,
    updatedAt,
  };
}
