import { EventTypeRegistry, LEDGER_EVENT_TYPES, ledgerEventRegistry, UnknownEventTypeError } from './ledger-event-registry';
import type { LedgerEvent } from '../loyalty-account/ledger-events';

describe('event type registry', () => {
  it('stores explicit, stable type names (never class names), unique per event type', () => {
    const stored = Object.values(LEDGER_EVENT_TYPES).map((d) => d.storedType);
    expect(new Set(stored).size).toBe(stored.length);
    for (const name of stored) expect(name).toMatch(/^loyalty\.[a-z-]+$/);
    expect(ledgerEventRegistry.storedTypeOf('PointsEarned')).toBe('loyalty.points-earned');
  });

  it('round-trips an event: the type goes to the stored name, the rest to data', () => {
    const event: LedgerEvent = { type: 'AccountOpened', customerId: 'C-1', openedAt: '2026-01-01T00:00:00.000Z' };
    const encoded = ledgerEventRegistry.encode(event);
    expect(encoded).toEqual({ type: 'loyalty.account-opened', schemaVersion: 1, data: { customerId: 'C-1', openedAt: '2026-01-01T00:00:00.000Z' } });
    expect(ledgerEventRegistry.decode(encoded.type, encoded.schemaVersion, encoded.data)).toEqual(event);
  });

  // A registry in which SurveyAnswered is at v3: v1 had `nps`, v2 renamed it `score`, v3 added `touchpoint`.
  type Answered = { type: 'SurveyAnswered'; score: number; touchpoint: string | null };
  const evolved = new EventTypeRegistry<Answered>({
    SurveyAnswered: {
      storedType: 'loyalty.survey-answered',
      schemaVersion: 3,
      upcasters: {
        1: ({ nps, ...rest }) => ({ ...rest, score: nps }),
        2: (data) => ({ ...data, touchpoint: null }),
      },
    },
  });

  it('upcasts old stored versions step by step to the current one', () => {
    expect(evolved.decode('loyalty.survey-answered', 1, { nps: 9 })).toEqual({ type: 'SurveyAnswered', score: 9, touchpoint: null });
    expect(evolved.decode('loyalty.survey-answered', 2, { score: 7 })).toEqual({ type: 'SurveyAnswered', score: 7, touchpoint: null });
    expect(evolved.decode('loyalty.survey-answered', 3, { score: 5, touchpoint: 'app' })).toEqual({ type: 'SurveyAnswered', score: 5, touchpoint: 'app' });
  });

  it('refuses what it cannot read: unknown types and versions newer than the code', () => {
    expect(() => evolved.decode('loyalty.survey-answered', 4, {})).toThrow(
      new UnknownEventTypeError('loyalty.survey-answered', 4, "newer than this code's v3; upgrade before reading"),
    );
    expect(() => ledgerEventRegistry.decode('loyalty.teleported', 1, {})).toThrow('cannot decode stored event loyalty.teleported v1: not in the registry');
    expect(
      () => new EventTypeRegistry({ A: { storedType: 'x', schemaVersion: 1, upcasters: {} }, B: { storedType: 'x', schemaVersion: 1, upcasters: {} } }),
    ).toThrow('stored type x registered twice');
  });
});
