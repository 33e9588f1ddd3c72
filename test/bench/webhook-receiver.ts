// A webhook receiver in a process of its own, for the notifications benchmark: a receiver is
// another system, never the sender's busy thread. Answers 204 and counts; tells its port and,
// when asked over IPC, its count.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let received = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('message', (message: { kind: 'count' | 'stop' }) => {
  if (message.kind === 'count') process.send?.({ received });
  else server.close(() => process.exit(0));
});
