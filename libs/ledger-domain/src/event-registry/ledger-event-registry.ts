import type { LedgerEvent, LedgerEventType } from '../loyalty-account/ledger-events';

/** Turns the stored data of schema version v into version v + 1. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export interface EventTypeDefinition {
  /** The stable name stored with the event: never a class name, never renamed. */
  storedType: string;
  /** The version this code writes. */
  schemaVersion: number;
  /** upcasters[v] lifts data written at version v to v + 1. */
  upcasters: Readonly<Record<number, Upcaster>>;
}

/** An event as the store keeps it: a stored type name, a schema version and plain JSON data. */
export interface EncodedEvent {
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
}

export class UnknownEventTypeError extends Error {
  constructor(
    readonly storedType: string,
    readonly schemaVersion: number,
    reason: string,
  ) {
    super(`cannot decode stored event ${storedType} v${schemaVersion}: ${reason}`);
    this.name = 'UnknownEventTypeError';
  }
}

/** Maps domain events to stored ones and back, upcasting old schema versions on the way in. */
export class EventTypeRegistry<E extends { type: string }> {
  private readonly byDomainType = new Map<string, EventTypeDefinition>();
  private readonly byStoredType = new Map<string, { domainType: string; definition: EventTypeDefinition }>();

  constructor(definitions: Readonly<Record<E['type'], EventTypeDefinition>>) {
    for (const [domainType, definition] of Object.entries(definitions) as [string, EventTypeDefinition][]) {
      if (this.byStoredType.has(definition.storedType)) throw new Error(`stored type ${definition.storedType} registered twice`);
      this.byDomainType.set(domainType, definition);
      this.byStoredType.set(definition.storedType, { domainType, definition });
    }
  }

  encode(event: E): EncodedEvent {
    const definition = this.byDomainType.get(event.type);
    if (!definition) throw new UnknownEventTypeError(event.type, 0, 'not in the registry');
    const { type: _type, ...data } = event as E & Record<string, unknown>;
    return { type: definition.storedType, schemaVersion: definition.schemaVersion, data };
  }

  decode(storedType: string, schemaVersion: number, data: Record<string, unknown>): E {
    const entry = this.byStoredType.get(storedType);
    if (!entry) throw new UnknownEventTypeError(storedType, schemaVersion, 'not in the registry');
    const { definition, domainType } = entry;
    if (schemaVersion > definition.schemaVersion) {
      throw new UnknownEventTypeError(storedType, schemaVersion, `newer than this code's v${definition.schemaVersion}; upgrade before reading`);
    }
    let current = data;
    for (let v = schemaVersion; v < definition.schemaVersion; v++) {
      const upcast = definition.upcasters[v];
      if (!upcast) throw new UnknownEventTypeError(storedType, schemaVersion, `no upcaster from v${v}`);
      current = upcast(current);
    }
    return { type: domainType, ...current } as unknown as E;
  }

  storedTypeOf(domainType: E['type']): string {
    const definition = this.byDomainType.get(domainType);
    if (!definition) throw new UnknownEventTypeError(domainType, 0, 'not in the registry');
    return definition.storedType;
  }
}

const v1 = (storedType: string): EventTypeDefinition => ({ storedType, schemaVersion: 1, upcasters: {} });

/** The ledger's stored event types. Add a version with an upcaster; never rename or reuse a name. */
export const LEDGER_EVENT_TYPES: Readonly<Record<LedgerEventType, EventTypeDefinition>> = {
  AccountOpened: v1('loyalty.account-opened'),
  OpeningBalanceMigrated: v1('loyalty.opening-balance-migrated'),
  CustomerEnrolled: v1('loyalty.customer-enrolled'),
  PurchaseRecorded: v1('loyalty.purchase-recorded'),
  PointsEarned: v1('loyalty.points-earned'),
  BonusAwarded: v1('loyalty.bonus-awarded'),
  PointsReversed: v1('loyalty.points-reversed'),
  PointsRedeemed: v1('loyalty.points-redeemed'),
  RedemptionCancelled: v1('loyalty.redemption-cancelled'),
  PointsExpired: v1('loyalty.points-expired'),
  PointsAdjusted: v1('loyalty.points-adjusted'),
  SurveyAnswered: v1('loyalty.survey-answered'),
  SupportContactRecorded: v1('loyalty.support-contact-recorded'),
};

export const ledgerEventRegistry = new EventTypeRegistry<LedgerEvent>(LEDGER_EVENT_TYPES);
