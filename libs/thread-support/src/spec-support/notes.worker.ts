// The worker of the thread module's spec: keeps a list of notes and answers with where it ran.
import { workerData } from 'node:worker_threads';
import { serveRequests } from '../request-thread';
import { noteTaker } from './note-taker';

if ((workerData as { failAtStart?: boolean } | null)?.failAtStart) throw new Error('the notes could not load');
serveRequests(noteTaker('thread'));
