import type { EventStore, StoredEvent } from '@loyalty/event-store';
import { datedPostings, liabilityEffect } from '@loyalty/finance';
import { CHAIN_GENESIS, chainLinkOf, entryHash, metadataWithoutChain } from '@loyalty/ledger-application';
import { customerIdOfStream, ledgerEventRegistry, type LedgerEvent } from '@loyalty/ledger-domain';
import type { ProjectionStore } from '@loyalty/projection-runner';
import { balancesProjection, projectionKey, type CustomerBalance } from '@loyalty/read-models';
import { DigestBuilder, LEDGER_DIGEST_STREAM, readDigests, type AuditKey, type LedgerDigest, type SignedOffDigest } from './ledger-digests';

export interface BrokenLink {
  kind:
    | 'digest-anchor-missing'
    | 'revision-gap'
    | 'unchained-entry'
    | 'previous-hash-mismatch'
    | 'entry-hash-mismatch'
    | 'digest-mismatch'
    | 'digest-chain-broken'
    | 'digest-range-gap'
    | 'digest-key-unknown';
  position: string;
  stream: string;
  revision: string;
  detail: string;
}

export interface ProjectionDrift {
  customerId: string;
  field: string;
  ledger: number;
  projection: number | null;
}

export interface VerificationReport {
  ok: boolean;
  ledgerPosition: string;
  entries: number;
  streams: number;
  chain: { brokenStreams: number; firstBrokenLink: BrokenLink | null };
  digests: { checked: number; failed: number; firstBrokenLink: BrokenLink | null; sealedUpTo: string; unsealedEntries: number };
  projections: { checked: string[]; customers: number; drift: ProjectionDrift[]; driftCount: number; note?: string };
}

interface LedgerSums {
  migrated: number;
  earned: number;
  redeemed: number;
  expired: number;
  adjusted: number;
  outstanding: number;
}

/**
 * Recomputes the ledger's evidence and compares: every account stream's hash chain (an entry
 * changed, removed or moved breaks its link), every sealed digest of the global feed (an
 * entry deleted, a stream dropped, or two entries swapped across streams changes the digest),
 * and the balances read model against sums taken straight from the ledger (drift).
 * It reads, never writes, and reports the first broken link (lowest position).
 */
export class LedgerVerifier {
  constructor(
    private readonly ledger: EventStore,
    private readonly key: AuditKey,
    private readonly projections: ProjectionStore | null,
  ) {}

  /**
   * `anchor`: the last digest the auditor signed off (kept outside the ledger). Without it,
   * deleting the newest digests would only make their range look unsealed.
   */
  async verify(options: { anchor?: SignedOffDigest; onProgress?: (done: bigint, head: bigint) => void } = {}): Promise<VerificationReport> {
    const { anchor, onProgress } = options;
    const head = await this.ledger.headPosition();
    const breaks: BrokenLink[] = [];
    const digestBreaks: BrokenLink[] = [];
    const digests = (await readDigests(this.ledger)).filter((d) => {
      if (d.position > head) return false;
      if (isDigest(d.digest)) return true;
      digestBreaks.push({
        kind: 'digest-chain-broken',
        position: d.position.toString(),
        stream: LEDGER_DIGEST_STREAM,
        revision: d.revision.toString(),
        detail: 'a digest entry is malformed',
      });
      return false;
    });
    const streams = new Map<string, { revision: bigint; hash: string; broken: boolean }>();

    // The digests' own chain: each continues the previous range and signs on from its digest.
    let expectedFrom = 0n;
    let previousDigest = 'genesis';
    digests.forEach(({ digest, position }) => {
      const at = { position: position.toString(), stream: LEDGER_DIGEST_STREAM, revision: '' };
      if (digest.keyId !== this.key.keyId)
        digestBreaks.push({ kind: 'digest-key-unknown', ...at, detail: `signed by key ${digest.keyId}, verifying with ${this.key.keyId}` });
      if (BigInt(digest.fromPosition) !== expectedFrom)
        digestBreaks.push({ kind: 'digest-range-gap', ...at, detail: `covers from ${digest.fromPosition}, the previous digest ended at ${expectedFrom}` });
      if (digest.previousDigest !== previousDigest)
        digestBreaks.push({ kind: 'digest-chain-broken', ...at, detail: 'previousDigest is not the digest before it' });
      expectedFrom = BigInt(digest.toPosition);
      previousDigest = digest.digest;
    });
    const sealedUpTo = expectedFrom;
    if (anchor && !digests.some((d) => d.digest.toPosition === anchor.toPosition && d.entryHash === anchor.entryHash)) {
      digestBreaks.push({
        kind: 'digest-anchor-missing',
        position: anchor.toPosition,
        stream: LEDGER_DIGEST_STREAM,
        revision: '',
        detail: `the signed-off digest up to ${anchor.toPosition} is not in the ledger as signed`,
      });
    }

    // Projection cut: the ledger sums are taken up to the balances' checkpoint.
    const balancesKey = projectionKey(balancesProjection);
    const projectionCut = this.projections ? await this.projections.checkpoint(balancesKey) : 0n;
    const sums = new Map<string, LedgerSums>();

    let d = 0;
    let builder = digests.length ? new DigestBuilder(this.key, digests[0].digest.previousDigest) : null;
    let entries = 0;
    let unsealed = 0;
    const closeDigestsBefore = (position: bigint) => {
      while (builder && d < digests.length && position > BigInt(digests[d].digest.toPosition)) {
        checkDigest(digests[d].digest, digests[d].position, builder, digestBreaks);
        d++;
        builder = d < digests.length ? new DigestBuilder(this.key, digests[d].digest.previousDigest) : null;
      }
    };

    for (let after = 0n; after < head;) {
      const page = await this.ledger.readAll(after, 5000);
      if (page.length === 0) break;
      for (const e of page) {
        if (e.position > head) break;
        entries++;
        closeDigestsBefore(e.position);
        if (builder && e.position > BigInt(digests[d].digest.fromPosition)) builder.add(e);
        else if (e.position > sealedUpTo && e.stream !== LEDGER_DIGEST_STREAM) unsealed++;
        if (e.stream === LEDGER_DIGEST_STREAM) continue;
        this.checkLink(e, streams, breaks);
        const customerId = customerIdOfStream(e.stream);
        if (customerId !== null && e.position <= projectionCut) addSums(sums, customerId, ledgerEventRegistry.decode(e.type, e.schemaVersion, e.data));
      }
      after = page[page.length - 1].position;
      onProgress?.(after, head);
    }
    closeDigestsBefore(head + 1n);

    const projections = await this.crossCheck(sums, projectionCut);
    const firstOf = (list: BrokenLink[]) =>
      list.reduce<BrokenLink | null>((first, b) => (first === null || BigInt(b.position || '0') < BigInt(first.position || '0') ? b : first), null);
    const report: VerificationReport = {
      ok: breaks.length === 0 && digestBreaks.length === 0 && projections.driftCount === 0,
      ledgerPosition: head.toString(),
      entries,
      streams: streams.size,
      chain: { brokenStreams: [...streams.values()].filter((s) => s.broken).length, firstBrokenLink: firstOf(breaks) },
      digests: {
        checked: digests.length,
        failed: digestBreaks.length,
        firstBrokenLink: firstOf(digestBreaks),
        sealedUpTo: sealedUpTo.toString(),
        unsealedEntries: unsealed,
      },
      projections,
    };
    return report;
  }

  private checkLink(e: StoredEvent, streams: Map<string, { revision: bigint; hash: string; broken: boolean }>, breaks: BrokenLink[]): void {
    const state = streams.get(e.stream) ?? { revision: -1n, hash: CHAIN_GENESIS, broken: false };
    streams.set(e.stream, state);
    const at = { position: e.position.toString(), stream: e.stream, revision: e.revision.toString() };
    const report = (kind: BrokenLink['kind'], detail: string) => {
      if (!state.broken) breaks.push({ kind, ...at, detail });
      state.broken = true;
    };
    if (e.revision !== state.revision + 1n) report('revision-gap', `expected revision ${state.revision + 1n}, found ${e.revision}`);
    const link = chainLinkOf(e.metadata);
    if (!link) {
      report('unchained-entry', 'the entry carries no chain link');
    } else {
      if (link.previous !== state.hash)
        report('previous-hash-mismatch', `links to ${link.previous.slice(0, 19)}…, the entry before hashes to ${state.hash.slice(0, 19)}…`);
      const recomputed = entryHash(link.previous, {
        stream: e.stream,
        revision: e.revision,
        eventId: e.eventId,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: e.data,
        metadata: metadataWithoutChain(e.metadata),
      });
      if (recomputed !== link.hash) report('entry-hash-mismatch', 'the entry no longer hashes to its recorded hash: its content changed');
    }
    state.revision = e.revision;
    state.hash = link?.hash ?? state.hash;
  }

  private async crossCheck(sums: Map<string, LedgerSums>, cut: bigint): Promise<VerificationReport['projections']> {
    if (!this.projections) return { checked: [], customers: 0, drift: [], driftCount: 0, note: 'no read store configured' };
    const key = projectionKey(balancesProjection);
    const drift: ProjectionDrift[] = [];
    const seen = new Set<string>();
    for await (const [customerId, raw] of this.projections.entries(key)) {
      const state = raw as CustomerBalance;
      seen.add(customerId);
      const ledger = sums.get(customerId) ?? { migrated: 0, earned: 0, redeemed: 0, expired: 0, adjusted: 0, outstanding: 0 };
      const projected: LedgerSums = {
        migrated: state.lifetime.migrated ?? 0,
        earned: state.lifetime.earned,
        redeemed: state.lifetime.redeemed,
        expired: state.lifetime.expired,
        adjusted: state.lifetime.adjusted,
        outstanding: Object.values(state.lots).reduce((n, l) => n + l.remaining, 0),
      };
      for (const field of Object.keys(ledger) as (keyof LedgerSums)[])
        if (ledger[field] !== projected[field]) drift.push({ customerId, field, ledger: ledger[field], projection: projected[field] });
    }
    for (const [customerId, ledger] of sums)
      if (!seen.has(customerId) && ledger.migrated + ledger.earned + ledger.adjusted !== 0)
        drift.push({ customerId, field: 'missing from the read model', ledger: ledger.outstanding, projection: null });
    // A live projector may commit while we read: a moved checkpoint means compare again later, not drift.
    if ((await this.projections.checkpoint(key)) !== cut)
      return {
        checked: [key],
        customers: seen.size,
        drift: [],
        driftCount: 0,
        note: 'the projection moved during the check; run verify again for the cross-check',
      };
    return { checked: [key], customers: seen.size, drift: drift.slice(0, 100), driftCount: drift.length };
  }
}

function isDigest(d: unknown): d is LedgerDigest {
  const x = d as Record<string, unknown> | null;
  return (
    !!x &&
    ['fromPosition', 'toPosition', 'previousDigest', 'digest', 'keyId'].every((k) => typeof x[k] === 'string') &&
    /^\d+$/.test(x.fromPosition as string) &&
    /^\d+$/.test(x.toPosition as string) &&
    typeof x.events === 'number'
  );
}

function checkDigest(digest: LedgerDigest, position: bigint, builder: DigestBuilder, breaks: BrokenLink[]): void {
  const recomputed = builder.digest();
  if (recomputed !== digest.digest || builder.events !== digest.events) {
    breaks.push({
      kind: 'digest-mismatch',
      position: position.toString(),
      stream: LEDGER_DIGEST_STREAM,
      revision: '',
      detail: `entries (${digest.fromPosition}, ${digest.toPosition}] no longer match their sealed digest (${builder.events} entries now, ${digest.events} sealed)`,
    });
  }
}

function addSums(sums: Map<string, LedgerSums>, customerId: string, event: LedgerEvent): void {
  let s = sums.get(customerId);
  if (!s) sums.set(customerId, (s = { migrated: 0, earned: 0, redeemed: 0, expired: 0, adjusted: 0, outstanding: 0 }));
  for (const p of datedPostings(event)) s.outstanding += liabilityEffect(p);
  switch (event.type) {
    case 'OpeningBalanceMigrated':
      s.migrated += event.points;
      return;
    case 'PointsEarned':
    case 'BonusAwarded':
      s.earned += event.points;
      return;
    case 'PointsRedeemed':
      s.redeemed += event.points;
      return;
    case 'RedemptionCancelled':
      s.redeemed -= event.points;
      return;
    case 'PointsExpired':
      s.expired += event.points;
      return;
    case 'PointsAdjusted':
      s.adjusted += event.points;
      return;
    default:
      return;
  }
}
