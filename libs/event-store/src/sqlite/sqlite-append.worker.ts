// The ledger's writer thread (see SqliteEventStore): SQLite writes a large append while the
// caller decides the next one.
import { workerData } from 'node:worker_threads';
import { openWorkerConnection, type WorkerConnection } from '@loyalty/sqlite-support';
import { serveRequests } from '@loyalty/thread-support';
import { appenderOn } from './sqlite-appender';

serveRequests(appenderOn(openWorkerConnection(workerData as WorkerConnection)));
