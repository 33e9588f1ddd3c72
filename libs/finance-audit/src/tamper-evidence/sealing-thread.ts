import { join } from 'node:path';
import type { EventStore } from '@loyalty/event-store';
import { RequestThread, startWorkerModule } from '@loyalty/thread-support';
import { LedgerSealer, type AuditKey, type LedgerDigest, type Sealer, type StoredDigest } from './ledger-digests';

export interface SealingThreadSetup {
  ledgerFile: string;
  secret: string;
}

export interface SealRequest {
  /** The sealing instant, from the caller's clock. */
  now: string;
}

/** A seal's outcome as it crosses from the thread (its positions as text). */
export interface PlainSealing {
  sealed: LedgerDigest[];
  newest: (Omit<StoredDigest, 'revision' | 'position'> & { revision: string; position: string }) | null;
}

export function plainSealing(sealed: LedgerDigest[], newest: StoredDigest | null): PlainSealing {
  return { sealed, newest: newest && { ...newest, revision: newest.revision.toString(), position: newest.position.toString() } };
}

/**
 * Seals an embedded (SQLite) ledger in a worker thread: reading and hashing every new entry was a
 * quarter of the main thread while a seal ran beside live traffic, and reads waited behind it.
 * The thread has its own connection; its digest append is a write like any other process's
 * (the digest stream's expected revision lets one sealer win). If the thread fails, sealing goes
 * on here, told once.
 */
export class SealingThread implements Sealer {
  private thread: RequestThread<SealRequest, PlainSealing> | null;
  private here: LedgerSealer | null = null;
  private newest: StoredDigest | null = null;

  constructor(
    private readonly ledger: EventStore,
    ledgerFile: string,
    private readonly key: AuditKey,
    private readonly clock: () => Date,
    private readonly onThreadFailure: (error: Error) => void = () => undefined,
  ) {
    this.thread = new RequestThread(
      startWorkerModule(join(__dirname, 'ledger-sealing.worker'), { ledgerFile, secret: key.secret } satisfies SealingThreadSetup),
      {
        failurePrefix: 'sealing failed in its thread',
      },
    );
  }

  async seal(): Promise<LedgerDigest[]> {
    const thread = this.thread;
    if (thread) {
      try {
        const { sealed, newest } = await thread.request({ now: this.clock().toISOString() });
        this.newest = newest && { ...newest, revision: BigInt(newest.revision), position: BigInt(newest.position) };
        return sealed;
      } catch (error) {
        if (!thread.broken) throw error;
        this.thread = null;
        this.onThreadFailure(error as Error);
      }
    }
    const here = this.sealerHere();
    const sealed = await here.seal();
    this.newest = await here.lastDigest();
    return sealed;
  }

  /** Whether seals are done in the thread (false once it failed). */
  get threaded(): boolean {
    return this.thread !== null;
  }

  async lastDigest(): Promise<StoredDigest | null> {
    return this.newest ?? (await this.sealerHere().lastDigest());
  }

  async close(): Promise<void> {
    await this.thread?.close('the sealer was closed');
    this.thread = null;
  }

  private sealerHere(): LedgerSealer {
    return (this.here ??= new LedgerSealer(this.ledger, this.key, this.clock));
  }
}
