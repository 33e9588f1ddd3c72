// The ledger's reader thread (see StreamReadAhead): pages of a stream-ordered read (a rebuild,
// the account cache's warm-up) are read while the caller folds the previous ones.
import { workerData } from 'node:worker_threads';
import { openWorkerConnection, type WorkerConnection } from '@loyalty/sqlite-support';
import { serveRequests } from '@loyalty/thread-support';
import { streamOrderedPagesOn } from './stream-ordered-pages';

serveRequests(streamOrderedPagesOn(openWorkerConnection({ ...(workerData as WorkerConnection), readonly: true })));
