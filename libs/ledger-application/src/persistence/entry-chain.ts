import { hash as oneShotHash } from 'node:crypto';
import { canonicalJson } from '@loyalty/program-rules';

/** The hash before an account stream's first entry. */
export const CHAIN_GENESIS = 'sha256:genesis';

/** Where an entry's link in its account stream's hash chain is kept (in its metadata). */
export interface EntryChainLink {
  /** The hash of the entry before it in the stream (CHAIN_GENESIS for the first). */
  previous: string;
  /** sha256 over `previous` and everything the entry says; see entryHash. */
  hash: string;
}

export interface ChainedEntry {
  stream: string;
  revision: bigint;
  eventId: string;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  /** The metadata without its `chain` field. */
  metadata: Record<string, unknown>;
}

/**
 * An entry's hash covers the previous entry's hash and every field of the entry (canonical
 * JSON, so storage that reorders keys does not matter): changing, removing or reordering any
 * entry of a stream breaks every link after it. One chain per account stream keeps writes
 * parallel; the sealed digests (LedgerSealer) cover the order across streams.
 */
export function entryHash(previous: string, entry: ChainedEntry): string {
  return entryHashOfCanonical(previous, entry, canonicalJson(entry.data), canonicalJson(entry.metadata));
}

/**
 * entryHash with the data and metadata already in canonical JSON: the events of one command
 * share their metadata, so the writer serialises it once per command, not once per entry.
 */
export function entryHashOfCanonical(
  previous: string,
  entry: Omit<ChainedEntry, 'data' | 'metadata'>,
  canonicalData: string,
  canonicalMetadata: string,
): string {
  // One update of the joined text: the same bytes as one update per field, at a fraction of the calls.
  const text = `${previous}\u0000${entry.stream}\u0000${entry.revision}\u0000${entry.eventId}\u0000${entry.type}\u0000${entry.schemaVersion}\u0000${canonicalData}\u0000${canonicalMetadata}`;
  return `sha256:${oneShotHash('sha256', text, 'hex')}`;
}

/** The JSON text of metadata (an object, without `chain`) with its chain link added as the last field. */
export function withChainField(metadataJson: string, link: EntryChainLink): string {
  const chain = `"chain":{"previous":${JSON.stringify(link.previous)},"hash":${JSON.stringify(link.hash)}}}`;
  return metadataJson === '{}' ? `{${chain}` : `${metadataJson.slice(0, -1)},${chain}`;
}

/** The chain link stored in an entry's metadata, if it has one. */
export function chainLinkOf(metadata: Record<string, unknown>): EntryChainLink | null {
  const link = metadata.chain as EntryChainLink | undefined;
  return link && typeof link.previous === 'string' && typeof link.hash === 'string' ? link : null;
}

/** The metadata the hash covers: all of it but the link itself. */
export function metadataWithoutChain(metadata: Record<string, unknown>): Record<string, unknown> {
  if (!('chain' in metadata)) return metadata;
  const { chain: _chain, ...rest } = metadata;
  return rest;
}
