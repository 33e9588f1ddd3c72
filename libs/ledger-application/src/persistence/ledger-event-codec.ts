import { ledgerEventRegistry, type LedgerEvent } from '@loyalty/ledger-domain';
import type { EventToAppend, StoredEvent } from '@loyalty/event-store';
import type { RulesReference } from '@loyalty/program-rules';
import { deterministicEventId } from './deterministic-event-id';
import type { Provenance } from './provenance';

/** What every ledger entry carries besides its event: its trace for the auditor. */
export interface LedgerEntryMetadata {
  correlationId: string;
  causationId: string;
  sourceKey: string;
  commandType: string;
  provenance: Provenance;
  rules: RulesReference;
  decidedAt: string;
}

export function encodeLedgerEvent(event: LedgerEvent, index: number, metadata: LedgerEntryMetadata): EventToAppend {
  const encoded = ledgerEventRegistry.encode(event);
  return {
    eventId: deterministicEventId(event.customerId, metadata.sourceKey, index),
    type: encoded.type,
    schemaVersion: encoded.schemaVersion,
    data: encoded.data,
    metadata: metadata as unknown as Record<string, unknown>,
  };
}

export function decodeLedgerEvent(stored: StoredEvent): LedgerEvent {
  return ledgerEventRegistry.decode(stored.type, stored.schemaVersion, stored.data);
}
