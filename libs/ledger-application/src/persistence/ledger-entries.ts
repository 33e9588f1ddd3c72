import type { LedgerEvent } from '@loyalty/ledger-domain';
import type { EventToAppend } from '@loyalty/event-store';
import { canonicalJson } from '@loyalty/program-rules';
import { entryHashOfCanonical, withChainField } from './entry-chain';
import { encodeLedgerEvent, type LedgerEntryMetadata } from './ledger-event-codec';
import type { Provenance } from './provenance';

/** Where a command's entries go: after this revision of the stream, chained onto this hash. */
export interface ChainPosition {
  stream: string;
  afterRevision: bigint;
  previousHash: string;
}

/**
 * A command's decided events as stored entries: registry type, deterministic id, the command's
 * metadata, and each entry's link in the stream's hash chain (tamper evidence, see entry-chain).
 * The canonical JSON hashed is the text stored: no second serialisation.
 */
export function ledgerEntries(
  events: readonly LedgerEvent[],
  metadata: LedgerEntryMetadata,
  at: ChainPosition,
): { entries: EventToAppend[]; lastHash: string } {
  const canonicalMetadata = canonicalJson(metadata);
  let revision = at.afterRevision;
  let lastHash = at.previousHash;
  const entries = events.map((event, i) => {
    const entry = encodeLedgerEvent(event, i, metadata);
    const canonicalData = canonicalJson(entry.data);
    const hash = entryHashOfCanonical(
      lastHash,
      { stream: at.stream, revision: ++revision, eventId: entry.eventId, type: entry.type, schemaVersion: entry.schemaVersion },
      canonicalData,
      canonicalMetadata,
    );
    const chain = { previous: lastHash, hash };
    entry.metadata = { ...entry.metadata, chain };
    entry.json = { data: canonicalData, metadata: withChainField(canonicalMetadata, chain) };
    lastHash = hash;
    return entry;
  });
  return { entries, lastHash };
}

/** What traces an entry to its request, message or job. */
export function correlationOf(provenance: Provenance): string {
  switch (provenance.channel) {
    case 'http':
      return provenance.requestId;
    case 'kafka':
      return provenance.messageId;
    case 'batch':
      return `${provenance.batchId}#${provenance.index}`;
    case 'import':
      return `${provenance.file}:${provenance.line}`;
    case 'system':
      return provenance.job;
  }
}
