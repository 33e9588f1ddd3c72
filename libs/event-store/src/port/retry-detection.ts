import type { AppendResult, ExpectedRevision } from './event-store.port';

/** What retry detection needs to see of a stream. */
export interface StreamProbe {
  /** Revision of the stream's last event, null for no stream. */
  current: bigint | null;
  /** The stored event at a revision: its id (as `eventIds` are given) and global position. */
  at(revision: bigint): { eventId: string; position: bigint } | undefined;
}

/**
 * An append is a retry when its events already stand where its expected revision puts them
 * (for 'any': at the end of the stream), same ids, same order. Then it is done, not repeated.
 */
export function detectRetry(probe: StreamProbe, eventIds: readonly string[], expected: ExpectedRevision): AppendResult | null {
  if (eventIds.length === 0 || probe.current === null) return null;
  const start = expected === 'no-stream' ? 0n : expected === 'any' ? probe.current - BigInt(eventIds.length) + 1n : expected + 1n;
  if (start < 0n || start + BigInt(eventIds.length) - 1n > probe.current) return null;
  let position = 0n;
  for (let i = 0; i < eventIds.length; i++) {
    const stored = probe.at(start + BigInt(i));
    if (!stored || stored.eventId !== eventIds[i]) return null;
    position = stored.position;
  }
  return { nextExpectedRevision: probe.current, position, deduplicated: true };
}
