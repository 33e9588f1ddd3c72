// The read store's writer thread (see SqliteProjectionStore): SQLite writes a commit while the
// projector folds the next states.
import { workerData } from 'node:worker_threads';
import { openWorkerConnection, type WorkerConnection } from '@loyalty/sqlite-support';
import { serveRequests } from '@loyalty/thread-support';
import { committerOn } from './sqlite-committer';

serveRequests(committerOn(openWorkerConnection(workerData as WorkerConnection)));
