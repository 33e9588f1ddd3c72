// The sealing thread (see SealingThread): reads and hashes the new entries of an embedded ledger
// on a connection of its own and appends their digest, whatever the main thread is busy with.
import { workerData } from 'node:worker_threads';
import { SqliteEventStore } from '@loyalty/event-store';
import { serveRequests } from '@loyalty/thread-support';
import { auditKey, LedgerSealer } from './ledger-digests';
import type { SealRequest, SealingThreadSetup } from './sealing-thread';

const { ledgerFile, secret } = workerData as SealingThreadSetup;
const ledger = new SqliteEventStore({ file: ledgerFile, writerThread: false, readAheadThread: false });
let now = new Date();
const sealer = new LedgerSealer(ledger, auditKey(secret), () => now);

serveRequests((request: SealRequest) => {
  now = new Date(request.now);
  return sealer.seal();
});
