import type { EventStore } from '@loyalty/event-store';
import { effectiveAtOf } from '@loyalty/finance';
import { scanLedger, type ScanProgress } from './ledger-scan';

/**
 * The latest business time of any entry of the ledger (null: no entry): what a rules version
 * declared for the past must not reach. A scan of the whole ledger, in position order.
 */
export async function latestEffectiveAt(store: EventStore, onProgress?: (progress: ScanProgress) => void): Promise<string | null> {
  let latestMs = -Infinity;
  await scanLedger(
    store,
    (_stored, event) => {
      if (!event) return;
      const ms = Date.parse(effectiveAtOf(event));
      if (ms > latestMs) latestMs = ms;
    },
    onProgress ? { onProgress } : {},
  );
  return latestMs === -Infinity ? null : new Date(latestMs).toISOString();
}
