import type { EventStore } from '@loyalty/event-store';
import type { ProjectionStore } from '@loyalty/projection-runner';
import { LedgerSealer, readDigests, signOff, type AuditKey, type SignedOffDigest } from './ledger-digests';
import { LedgerVerifier, type VerificationReport } from './ledger-verifier';

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
  async seal(): Promise<{ sealed: number; signOff: SignedOffDigest | null; keyId: string }> {
    const sealed = await this.sealer.seal();
    const all = await readDigests(this.ledger);
    return { sealed: sealed.length, signOff: all.length ? signOff(all[all.length - 1]) : null, keyId: this.key.keyId };
  }

  async digests(): Promise<{ digests: unknown[]; keyId: string }> {
    const all = await readDigests(this.ledger);
    return { digests: all.map((d) => ({ ...d.digest, position: d.position.toString(), signOff: signOff(d) })), keyId: this.key.keyId };
  }
}
