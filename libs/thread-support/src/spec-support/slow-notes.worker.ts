// A worker of the thread module's spec whose work answers with a promise, later for smaller notes.
import { serveRequests } from '../request-thread';

const notes: number[] = [];
serveRequests(async (n: number) => {
  await new Promise((resolve) => setTimeout(resolve, (5 - n) * 10));
  if (n === 0) throw Object.assign(new Error('zero is not a note'), { code: 'NOTE_ZERO' });
  notes.push(n);
  return { where: 'thread', count: notes.length, notes: [...notes] };
});
