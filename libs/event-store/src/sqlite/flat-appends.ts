import { errorOfPlain } from '@loyalty/thread-support';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type EventToAppend,
  type ExpectedRevision,
  type StreamAppend,
  type StreamAppendOutcome,
} from '../port/event-store.port';
import type { FlatAppend, FlatOutcome } from './sqlite-appender';
import { uuidHex } from './uuid-bytes';

/**
 * Serialising stays with the caller, who owns the objects: the writer only runs SQL. JSON text
 * the caller already has is taken as is; events of one command share one metadata object,
 * serialised once. Throws (writing nothing) on an event
 * id that is not a UUID or data that is not JSON.
 */
export function flatAppends(appends: readonly StreamAppend[]): FlatAppend[] {
  return appends.map(({ stream, expectedRevision, events }) => {
    let lastMetadata: EventToAppend['metadata'] | null = null;
    let lastMetadataJson = '';
    return {
      stream,
      expected: typeof expectedRevision === 'bigint' ? Number(expectedRevision) : expectedRevision,
      events: events.map((e) => {
        if (e.json) return { idHex: uuidHex(e.eventId), type: e.type, schemaVersion: e.schemaVersion, data: e.json.data, metadata: e.json.metadata };
        if (e.metadata !== lastMetadata) {
          lastMetadata = e.metadata;
          lastMetadataJson = JSON.stringify(e.metadata);
        }
        return { idHex: uuidHex(e.eventId), type: e.type, schemaVersion: e.schemaVersion, data: JSON.stringify(e.data), metadata: lastMetadataJson };
      }),
    };
  });
}

export function appendOutcomes(appends: readonly StreamAppend[], outcomes: readonly FlatOutcome[]): StreamAppendOutcome[] {
  return outcomes.map((o, i) => {
    const { stream, expectedRevision } = appends[i];
    if (o.ok) return { stream, ok: true, result: { nextExpectedRevision: BigInt(o.next), position: BigInt(o.position), deduplicated: o.deduplicated } };
    const actual: ExpectedRevision = o.current === null ? 'no-stream' : BigInt(o.current);
    return { stream, ok: false, error: new WrongExpectedRevisionError(stream, expectedRevision, actual) };
  });
}

/** A failed append as the caller sees it: a busy database is "unavailable" (retry later), the rest as is. */
export function appendError(error: unknown): Error {
  const plain = error as { message?: string; code?: string } | null;
  if (plain?.code === 'SQLITE_BUSY') return new EventStoreUnavailableError('the ledger database is busy', error);
  return errorOfPlain(error);
}
