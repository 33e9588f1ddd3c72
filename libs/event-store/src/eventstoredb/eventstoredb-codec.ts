import type { AllStreamResolvedEvent, ResolvedEvent, Position, ExpectedRevision as EsdbExpectedRevision, JSONEventData } from '@eventstore/db-client';
import { esdb } from './eventstoredb-client';
import { EventStoreUnavailableError, WrongExpectedRevisionError, type EventToAppend, type ExpectedRevision, type StoredEvent } from '../port/event-store.port';

// Pure mapping between the port and the EventStoreDB client: unit-tested without a server.

/** The port's expected revision in the client's terms. */
export function toEsdbExpectedRevision(expected: ExpectedRevision): EsdbExpectedRevision {
  if (expected === 'no-stream') return esdb().NO_STREAM;
  if (expected === 'any') return esdb().ANY;
  return expected;
}

/** The client's current revision in the port's terms. */
export function fromEsdbRevision(revision: unknown): bigint | 'no-stream' {
  if (typeof revision === 'bigint') return revision;
  return 'no-stream';
}

const SIXTY_FOUR = 64n;
const MASK = (1n << SIXTY_FOUR) - 1n;

/**
 * A `$all` position as one port position: commit in the high 64 bits, prepare in the low
 * ones. Order is preserved (commit first, then prepare), and nothing is lost.
 */
export function encodePosition(position: Position): bigint {
  return (position.commit << SIXTY_FOUR) | (position.prepare & MASK);
}

/** The port position back as a `$all` position; 0n (the port's "before everything") is null. */
export function decodePosition(position: bigint): Position | null {
  if (position === 0n) return null;
  return { commit: position >> SIXTY_FOUR, prepare: position & MASK };
}

/** Metadata keys the adapter adds; EventStoreDB's own projections read $correlationId/$causationId. */
const SCHEMA_VERSION_KEY = 'schemaVersion';

export function toEsdbEvent(event: EventToAppend): JSONEventData {
  const correlation = event.metadata.correlationId;
  const causation = event.metadata.causationId;
  return esdb().jsonEvent({
    id: event.eventId,
    type: event.type,
    data: event.data,
    metadata: {
      ...event.metadata,
      [SCHEMA_VERSION_KEY]: event.schemaVersion,
      ...(typeof correlation === 'string' ? { $correlationId: correlation } : {}),
      ...(typeof causation === 'string' ? { $causationId: causation } : {}),
    },
  }) as JSONEventData;
}

/** A resolved event back as the port's stored event (null for one without an event body). */
export function fromResolvedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): StoredEvent | null {
  const event = resolved.event;
  if (!event) return null;
  const { [SCHEMA_VERSION_KEY]: schemaVersion, $correlationId: _c, $causationId: _k, ...metadata } = (event.metadata ?? {}) as Record<string, unknown>;
  const position =
    event.position ??
    ('commitPosition' in resolved && resolved.commitPosition !== undefined ? { commit: resolved.commitPosition, prepare: resolved.commitPosition } : undefined);
  return {
    eventId: event.id,
    type: event.type,
    schemaVersion: typeof schemaVersion === 'number' ? schemaVersion : 1,
    data: (event.data ?? {}) as Record<string, unknown>,
    metadata,
    stream: event.streamId,
    revision: event.revision,
    position: position ? encodePosition(position) : 0n,
    recordedAt: event.created instanceof Date ? event.created.toISOString() : new Date(Number(event.created)).toISOString(),
  };
}

/** System events ($-types such as $metadata or $>) are not the ledger's. */
export function isSystemEventType(type: string): boolean {
  return type.startsWith('$');
}

/** The client's errors in the port's terms: a concurrency conflict, or retryable unavailability. */
export function mapEsdbError(error: unknown, stream: string, expected: ExpectedRevision): unknown {
  const type = (error as { type?: string }).type;
  if (type === 'wrong-expected-version') {
    return new WrongExpectedRevisionError(stream, expected, fromEsdbRevision((error as { actualVersion?: unknown }).actualVersion));
  }
  // The client's typed errors, or a raw gRPC status (14 UNAVAILABLE, 4 DEADLINE_EXCEEDED) when no connection was made.
  const grpcCode = (error as { code?: unknown }).code;
  if (
    type === 'unavailable' ||
    type === 'deadline-exceeded' ||
    type === 'timeout' ||
    type === 'not-leader' ||
    (type === undefined && (grpcCode === 14 || grpcCode === 4))
  ) {
    return new EventStoreUnavailableError(`EventStoreDB ${type ?? `gRPC status ${String(grpcCode)}`}: ${(error as Error).message}`, error);
  }
  return error;
}
