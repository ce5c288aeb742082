// Standalone debug adapter: `node dist/debugAdapter.js` speaks DAP on stdin/stdout;
// `node dist/debugAdapter.js --server=PORT` accepts connections on 127.0.0.1:PORT (0 picks a free port
// and prints it), one session per connection.

import * as net from 'node:net';
import { MoverDebugSession } from './session';

export function main(argv = process.argv.slice(2)): void {
  const server = argv.map((a) => /^--server=(\d+)$/.exec(a)).find(Boolean);
  if (server) {
    const port = Number(server[1]);
    const srv = net.createServer((socket) => {
      // A response and the event after it are separate writes: without this, Nagle holds the event
      // back until the client's delayed ACK (~40 ms on every step).
      socket.setNoDelay(true);
      const session = new MoverDebugSession();
      session.setRunAsServer(true);
      session.start(socket, socket);
      socket.on('error', () => socket.destroy());
    });
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      process.stderr.write(`mover debug adapter listening on 127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}\n`);
    });
    return;
  }
  const session = new MoverDebugSession();
  process.on('SIGTERM', () => session.shutdown());
  session.start(process.stdin, process.stdout);
}

if (require.main === module) main();

export { MoverDebugSession };
