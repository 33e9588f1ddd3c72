import type { EventStore } from '@loyalty/event-store';
import type { ProjectionStore } from '@loyalty/projection-runner';
import { LedgerSealer, readDigests, signOff, type AuditKey, type LedgerDigest, type SignedOffDigest } from './ledger-digests';
import { LedgerVerifier, type VerificationReport } from './ledger-verifier';

/** What a seal answers: how many digests it added, and the newest one's sign-off to keep outside the ledger (null on an empty ledger). */
export interface SealResponse {
  sealed: number;
  signOff: SignedOffDigest | null;
  keyId: string;
}

/** Every sealed digest, with its place in the ledger and the value to sign off. */
export interface DigestsResponse {
  digests: (LedgerDigest & { position: string; signOff: SignedOffDigest })[];
  keyId: string;
}

/** Injection token of the audit key (HMAC secret and its fingerprint). */
export const AUDIT_KEY = Symbol('AUDIT_KEY');

/** Sealing, listing and verifying, for the HTTP endpoints and the CLI alike. */
export class LedgerAuditService {
  private readonly sealer: LedgerSealer;

  constructor(
    private readonly ledger: EventStore,
    private readonly key: AuditKey,
    private readonly projections: ProjectionStore | null,
    clock: () => Date = () => new Date(),
  ) {
    this.sealer = new LedgerSealer(ledger, key, clock);
  }

  verify(anchor?: SignedOffDigest, onProgress?: (done: bigint, head: bigint) => void): Promise<VerificationReport> {
    return new LedgerVerifier(this.ledger, this.key, this.projections).verify({ anchor, onProgress });
  }

  /** Seals what is not sealed yet; returns the newest digest to sign off (null on an empty ledger). */
  async seal(): Promise<SealResponse> {
    const sealed = await this.sealer.seal();
    const newest = await this.sealer.lastDigest();
    return { sealed: sealed.length, signOff: newest ? signOff(newest) : null, keyId: this.key.keyId };
  }

  async digests(): Promise<DigestsResponse> {
    const all = await readDigests(this.ledger);
    return { digests: all.map((d) => ({ ...d.digest, position: d.position.toString(), signOff: signOff(d) })), keyId: this.key.keyId };
  }
}
