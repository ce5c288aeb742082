// Standalone debug adapter: `node dist/debugAdapter.js` speaks DAP on stdin/stdout;
// `node dist/debugAdapter.js --server=PORT [--token=TOKEN]` accepts connections on 127.0.0.1:PORT only
// (0 picks a free port), one session per connection. Any local program can connect to a port, so a
// socket session serves a client only once it sends the token (`moverToken` in initialize); without
// --token one is made up and printed with the port.

import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { MoverDebugSession } from './session';

/** Random bytes in a made-up token (printed as hex). */
const TOKEN_BYTES = 16;

export function main(argv = process.argv.slice(2)): void {
  const server = argv.map((a) => /^--server=(\d+)$/.exec(a)).find(Boolean);
  const sessions = new Set<MoverDebugSession>();
  // Nothing may end the adapter silently: an error that escaped every handler ends each session with it.
  const fail = (e: unknown) => { for (const s of sessions) s.fatal(e instanceof Error ? e.stack ?? e.message : String(e)); if (!sessions.size) process.stderr.write(`mover debug adapter: ${String(e)}\n`); process.exitCode = 1; };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  if (server) {
    const port = Number(server[1]);
    const token = argv.map((a) => /^--token=(.+)$/.exec(a)?.[1]).find((t) => t !== undefined) ?? randomBytes(TOKEN_BYTES).toString('hex');
    const srv = net.createServer((socket) => {
      // A response and the event after it are separate writes: without this, Nagle holds the event
      // back until the client's delayed ACK (~40 ms on every step).
      socket.setNoDelay(true);
      const session = new MoverDebugSession({ token });
      sessions.add(session);
      session.setRunAsServer(true);
      session.start(socket, socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sessions.delete(session));
    });
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      process.stderr.write(`mover debug adapter listening on 127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port} (token ${token})\n`);
    });
    return;
  }
  const session = new MoverDebugSession();
  sessions.add(session);
  process.on('SIGTERM', () => session.shutdown());
  // A failed write to stdout cannot carry the terminated event: stderr says why, and the exit code is not 0.
  process.stdout.on('error', (e: Error) => { process.stderr.write(`mover debug adapter: writing to the client failed: ${e.message}\n`); process.exit(1); });
  session.start(process.stdin, process.stdout);
}

if (require.main === module) main();

export { MoverDebugSession };
