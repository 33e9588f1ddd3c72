// A webhook receiver in a process of its own, for the notifications benchmark: a receiver is
// another system, never the sender's busy thread. Answers 204 and counts requests and the
// notifications in them (a batch carries several); tells its port and, when asked over IPC, its counts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let received = 0;
let notifications = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; notifications?: unknown[] };
    received++;
    notifications += body.type === 'notification.batch' ? (body.notifications?.length ?? 0) : 1;
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('message', (message: { kind: 'count' | 'stop' }) => {
  if (message.kind === 'count') process.send?.({ received, notifications });
  else server.close(() => process.exit(0));
});
