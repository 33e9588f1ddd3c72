import { createHash, createHmac } from 'node:crypto';
import { WrongExpectedRevisionError, type EventStore, type StoredEvent } from '@loyalty/event-store';
import { canonicalJson } from '@loyalty/program-rules';

/** The stream of sealed digests, in the ledger itself (append-only like every stream). */
export const LEDGER_DIGEST_STREAM = '$ledger-digests';
export const LEDGER_DIGEST_TYPE = 'audit.ledger-digest-sealed';

/** A signed-off digest of a range of the global feed: (fromPosition, toPosition]. */
export interface LedgerDigest {
  fromPosition: string;
  toPosition: string;
  events: number;
  /** The digest before this one ('genesis' for the first): the digests form a chain of their own. */
  previousDigest: string;
  /** HMAC-SHA256 with the audit key over previousDigest and every entry's leaf hash, in position order. */
  digest: string;
  algorithm: 'HMAC-SHA256';
  /** Which key signed it (a fingerprint, never the key). */
  keyId: string;
  sealedAt: string;
}

export interface AuditKey {
  secret: string;
  keyId: string;
}

export function auditKey(secret: string): AuditKey {
  return { secret, keyId: createHash('sha256').update(secret).digest('hex').slice(0, 16) };
}

/**
 * One entry as the digest sees it: its place in the feed, its stream and revision, and all
 * of its content (metadata included, so the per-stream chain link is covered too).
 */
export function leafHash(e: StoredEvent): string {
  return createHash('sha256')
    .update(`${e.position}\u0000${e.stream}\u0000${e.revision}\u0000${e.eventId}\u0000${e.type}\u0000${e.schemaVersion}\u0000${e.recordedAt}\u0000`)
    .update(canonicalJson(e.data))
    .update('\u0000')
    .update(canonicalJson(e.metadata))
    .digest('hex');
}

/** Builds one digest over consecutive entries. */
export class DigestBuilder {
  private readonly hmac;
  events = 0;

  constructor(key: AuditKey, previousDigest: string) {
    this.hmac = createHmac('sha256', key.secret).update(previousDigest);
  }

  add(e: StoredEvent): void {
    this.hmac.update(leafHash(e));
    this.events++;
  }

  digest(): string {
    return this.hmac.digest('hex');
  }
}

export interface StoredDigest {
  digest: LedgerDigest;
  revision: bigint;
  position: bigint;
  /** The digest entry's own leaf hash: what an auditor signs off (see SignedOffDigest). */
  entryHash: string;
}

/**
 * What the auditor keeps outside the ledger when signing off: the newest digest's range end
 * and the hash of its whole entry. Verify then proves nothing up to there was changed, and
 * that the digests after it were not removed.
 */
export interface SignedOffDigest {
  toPosition: string;
  entryHash: string;
}

export async function readDigests(store: EventStore): Promise<StoredDigest[]> {
  return (await store.readStream(LEDGER_DIGEST_STREAM)).map((s) => ({
    digest: s.data as unknown as LedgerDigest,
    revision: s.revision,
    position: s.position,
    entryHash: leafHash(s),
  }));
}

export function signOff(digest: StoredDigest): SignedOffDigest {
  return { toPosition: digest.digest.toPosition, entryHash: digest.entryHash };
}

/** What seals a ledger: here (LedgerSealer) or in a thread of its own (SealingThread). */
export interface Sealer {
  /** Seals what is new; the digests written. */
  seal(): Promise<LedgerDigest[]>;
  /** The newest digest in the ledger. */
  lastDigest(): Promise<StoredDigest | null>;
  close(): Promise<void>;
}

/**
 * Seals the global feed: appends a signed digest of every entry since the last digest. Run
 * periodically (the projector role does); two sealers cannot both seal the same range, the
 * digest stream's expected revision lets one win. A feed that only grew by digests is not
 * resealed.
 */
export class LedgerSealer implements Sealer {
  constructor(
    private readonly store: EventStore,
    private readonly key: AuditKey,
    private readonly clock: () => Date = () => new Date(),
    private readonly maxEventsPerDigest = 1_000_000,
  ) {}

  /** The newest digest, read once and then followed (a seal every few seconds must not reread them all). */
  private newest: StoredDigest | null = null;

  /** Nothing of its own to close: the ledger is its owner's. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The newest sealed digest (by this sealer or another), null on a ledger never sealed. */
  async lastDigest(): Promise<StoredDigest | null> {
    const newer = await this.store.readStream(LEDGER_DIGEST_STREAM, { fromRevision: this.newest ? this.newest.revision + 1n : 0n });
    const last = newer[newer.length - 1];
    if (last) this.newest = { digest: last.data as unknown as LedgerDigest, revision: last.revision, position: last.position, entryHash: leafHash(last) };
    return this.newest;
  }

  /**
   * Seals up to the head as it is when called (in digests of at most maxEventsPerDigest);
   * resolves with the digests written. Entries appended meanwhile wait for the next seal: under
   * continuous ingestion a seal that chased the head would never end.
   */
  async seal(): Promise<LedgerDigest[]> {
    const written: LedgerDigest[] = [];
    const head = await this.store.headPosition();
    for (;;) {
      const last = await this.lastDigest();
      const from = last ? BigInt(last.digest.toPosition) : 0n;
      if (from >= head) return written;
      const builder = new DigestBuilder(this.key, last ? last.digest.digest : 'genesis');
      let to = from;
      let accountEntries = 0;
      for (let after = from; after < head && builder.events < this.maxEventsPerDigest;) {
        // Small pages, and a turn of the event loop between them: a seal runs beside live traffic.
        if (after > from) await new Promise((resolve) => setImmediate(resolve));
        const page = await this.store.readAll(after, Math.min(SEAL_PAGE_EVENTS, this.maxEventsPerDigest - builder.events));
        if (page.length === 0) break;
        for (const e of page) {
          if (e.position > head) break;
          builder.add(e);
          to = e.position;
          if (e.stream !== LEDGER_DIGEST_STREAM) accountEntries++;
        }
        after = page[page.length - 1].position;
      }
      if (accountEntries === 0) return written;
      const digest: LedgerDigest = {
        fromPosition: from.toString(),
        toPosition: to.toString(),
        events: builder.events,
        previousDigest: last ? last.digest.digest : 'genesis',
        digest: builder.digest(),
        algorithm: 'HMAC-SHA256',
        keyId: this.key.keyId,
        sealedAt: this.clock().toISOString(),
      };
      try {
        await this.store.append(
          LEDGER_DIGEST_STREAM,
          [
            {
              eventId: digestEventId(digest),
              type: LEDGER_DIGEST_TYPE,
              schemaVersion: 1,
              data: digest as unknown as Record<string, unknown>,
              metadata: { sealer: 'ledger-sealer' },
            },
          ],
          last ? last.revision : 'no-stream',
        );
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError) return written; // another sealer sealed it first
        throw error;
      }
      written.push(digest);
    }
  }
}

/** Entries read and hashed between two turns of the event loop (about 25 ms of work). */
const SEAL_PAGE_EVENTS = 500;

/** A UUID derived from the digest: a retried append is recognised as the same digest. */
function digestEventId(d: LedgerDigest): string {
  const h = createHash('sha256').update(`${d.fromPosition}:${d.toPosition}:${d.digest}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
