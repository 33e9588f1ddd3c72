import { ANY, NO_STREAM, WrongExpectedVersionError, type ResolvedEvent } from '@eventstore/db-client';
import { EventTypeRegistry } from '@loyalty/ledger-domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../port/event-store.port';
import { decodePosition, encodePosition, fromResolvedEvent, isSystemEventType, mapEsdbError, toEsdbEvent, toEsdbExpectedRevision } from './eventstoredb-codec';

const toAppend = {
  eventId: '5b6f1c2a-4e9b-5d4c-8a8e-5f0a1b2c3d4e',
  type: 'loyalty.points-earned',
  schemaVersion: 2,
  data: { customerId: 'C-1', points: 120 },
  metadata: { correlationId: 'req-1', causationId: 'req-1', rules: { id: 'default-program', version: 3, hash: 'sha256:ab' } },
};

function resolved(overrides: Partial<NonNullable<ResolvedEvent['event']>> = {}): ResolvedEvent {
  const written = toEsdbEvent(toAppend);
  return {
    event: {
      streamId: 'loyaltyAccount-C-1',
      id: written.id,
      revision: 4n,
      type: written.type,
      data: written.data,
      metadata: written.metadata,
      isJson: true,
      created: new Date('2026-11-22T00:00:00Z'),
      position: { commit: 1234n, prepare: 1200n },
      ...overrides,
    },
  } as unknown as ResolvedEvent;
}

describe('EventStoreDB codec', () => {
  it('maps expected revisions to the client values', () => {
    expect(toEsdbExpectedRevision('no-stream')).toBe(NO_STREAM);
    expect(toEsdbExpectedRevision('any')).toBe(ANY);
    expect(toEsdbExpectedRevision(7n)).toBe(7n);
  });

  it('packs a $all position into one ordered port position and back, losslessly', () => {
    const positions = [
      { commit: 0n, prepare: 0n },
      { commit: 100n, prepare: 90n },
      { commit: 100n, prepare: 95n },
      { commit: 101n, prepare: 0n },
      { commit: 2n ** 63n - 1n, prepare: 2n ** 63n - 1n },
    ];
    const encoded = positions.map(encodePosition);
    for (let i = 1; i < encoded.length; i++) expect(encoded[i] > encoded[i - 1]).toBe(true);
    expect(encoded.map(decodePosition).slice(1)).toEqual(positions.slice(1));
    expect(decodePosition(0n)).toBeNull();
  });

  it('writes the deterministic event id, the stored type, and the schema version and correlation in metadata', () => {
    const written = toEsdbEvent(toAppend);
    expect(written).toMatchObject({ id: toAppend.eventId, type: 'loyalty.points-earned', contentType: 'application/json', data: toAppend.data });
    expect(written.metadata).toMatchObject({ schemaVersion: 2, $correlationId: 'req-1', $causationId: 'req-1', rules: { version: 3 } });
  });

  it('reads an event back as the port stored it (schema version out of the metadata, position packed)', () => {
    expect(fromResolvedEvent(resolved())).toEqual({
      eventId: toAppend.eventId,
      type: 'loyalty.points-earned',
      schemaVersion: 2,
      data: toAppend.data,
      metadata: toAppend.metadata,
      stream: 'loyaltyAccount-C-1',
      revision: 4n,
      position: encodePosition({ commit: 1234n, prepare: 1200n }),
      recordedAt: '2026-11-22T00:00:00.000Z',
    });
  });

  it('treats an event written before schema versions were recorded as version 1 (so the registry upcasts it)', () => {
    const { schemaVersion: _v, ...metadata } = toEsdbEvent(toAppend).metadata as Record<string, unknown>;
    expect(fromResolvedEvent(resolved({ metadata }))?.schemaVersion).toBe(1);
  });

  it('hands old events to the registry with their stored version, so that they are upcast on read', () => {
    const registry = new EventTypeRegistry<{ type: 'PointsEarned'; customerId: string; points: number; currency: string }>({
      PointsEarned: { storedType: 'loyalty.points-earned', schemaVersion: 3, upcasters: { 2: (d) => ({ ...d, currency: 'JPY' }) } },
    });
    const stored = fromResolvedEvent(resolved())!;
    expect(registry.decode(stored.type, stored.schemaVersion, stored.data)).toEqual({ type: 'PointsEarned', customerId: 'C-1', points: 120, currency: 'JPY' });
  });

  it('recognises system events', () => {
    expect(isSystemEventType('$metadata')).toBe(true);
    expect(isSystemEventType('loyalty.points-earned')).toBe(false);
  });

  it('maps wrong expected version to the port conflict and unavailability to a retryable error', () => {
    const wrong = new WrongExpectedVersionError(undefined, { streamName: 's', expected: NO_STREAM, current: 3n } as never);
    const mapped = mapEsdbError(wrong, 's', 'no-stream');
    expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
    expect(mapped).toMatchObject({ stream: 's', expected: 'no-stream', actual: 3n });
    const unavailable = Object.assign(new Error('connection refused'), { type: 'unavailable' });
    expect(mapEsdbError(unavailable, 's', 'any')).toBeInstanceOf(EventStoreUnavailableError);
    const refused = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    expect(mapEsdbError(refused, 's', 'any')).toBeInstanceOf(EventStoreUnavailableError);
    const other = new Error('boom');
    expect(mapEsdbError(other, 's', 'any')).toBe(other);
  });
});
