import { customerIdOfStream, ledgerEventRegistry, type LedgerEvent } from '@loyalty/ledger-domain';
import type { EventStore, StoredEvent } from '@loyalty/event-store';

export interface ScanProgress {
  position: bigint;
  head: bigint;
  events: number;
}

export interface ScanOptions {
  /** Stop after this position (default: the head when the scan starts, so a report is a fixed cut). */
  upTo?: bigint;
  pageSize?: number;
  onProgress?(progress: ScanProgress): void;
}

/**
 * Streams the whole ledger in position order, a page at a time (memory stays flat), up to a
 * fixed position. `visit` sees every stored entry; `decoded` is the loyalty event for account
 * streams and null for anything else (e.g. the sealed digests).
 */
export async function scanLedger(
  store: EventStore,
  visit: (stored: StoredEvent, decoded: LedgerEvent | null) => void,
  options: ScanOptions = {},
): Promise<{ upTo: bigint; events: number }> {
  const upTo = options.upTo ?? (await store.headPosition());
  const pageSize = options.pageSize ?? 5000;
  let after = 0n;
  let events = 0;
  while (after < upTo) {
    const page = await store.readAll(after, pageSize);
    if (page.length === 0) break;
    for (const stored of page) {
      if (stored.position > upTo) return { upTo, events };
      const decoded = customerIdOfStream(stored.stream) === null ? null : ledgerEventRegistry.decode(stored.type, stored.schemaVersion, stored.data);
      visit(stored, decoded);
      events++;
    }
    after = page[page.length - 1].position;
    options.onProgress?.({ position: after, head: upTo, events });
  }
  return { upTo, events };
}
