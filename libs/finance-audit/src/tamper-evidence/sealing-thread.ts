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

/**
 * Seals an embedded (SQLite) ledger in a worker thread: reading and hashing every new entry was a
 * quarter of the main thread while a seal ran beside live traffic, and reads waited behind it.
 * The thread has its own connection; its digest append is a write like any other process's
 * (the digest stream's expected revision lets one sealer win). If the thread fails, sealing goes
 * on here, told once.
 */
export class SealingThread implements Sealer {
  private thread: RequestThread<SealRequest, LedgerDigest[]> | null;
  /** Reads the newest digest on the caller's connection, and seals here once the thread failed. */
  private readonly here: LedgerSealer;

  constructor(
    ledger: EventStore,
    ledgerFile: string,
    key: AuditKey,
    private readonly clock: () => Date,
    private readonly onThreadFailure: (error: Error) => void = () => undefined,
  ) {
    this.here = new LedgerSealer(ledger, key, clock);
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
        return await thread.request({ now: this.clock().toISOString() });
      } catch (error) {
        if (!thread.broken) throw error;
        this.thread = null;
        this.onThreadFailure(error as Error);
      }
    }
    return this.here.seal();
  }

  /** Whether seals are done in the thread (false once it failed). */
  get threaded(): boolean {
    return this.thread !== null;
  }

  async lastDigest(): Promise<StoredDigest | null> {
    return this.here.lastDigest();
  }

  async close(): Promise<void> {
    await this.thread?.close('the sealer was closed');
    this.thread = null;
  }
}
