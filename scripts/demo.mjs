// `npm run demo`: builds the .vsix and starts a real VS Code (code-server) on 127.0.0.1 with Mover
// installed and examples/ open; prints the URL and stops code-server and every child on Ctrl-C or
// SIGTERM. The first run installs Node 24, code-server, chromium and libkrb5-dev (test/e2e/prepare.sh).
//   node scripts/demo.mjs [--port N] [--cli]     (--cli: the command-line tour instead of VS Code)
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const DEFAULT_PORT = 8080;

function fail(message) {
  process.stderr.write(`\ndemo: ${message}\n`);
  process.exit(1);
}

function cliTour() {
  const mover = path.join(root, 'bin', 'mover.js');
  for (const args of [['demo'], ['run', path.join(root, 'examples', 'missing-flush.mover')]]) {
    const r = spawnSync(process.execPath, [mover, ...args], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}

/** True when nothing listens on 127.0.0.1:port. */
function portFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function choosePort() {
  const i = argv.indexOf('--port');
  if (i >= 0) {
    const port = Number(argv[i + 1]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port needs a port number (1-65535), not ${argv[i + 1] ?? 'nothing'}`);
    if (!(await portFree(port))) fail(`port ${port} is in use (another demo?). Stop it, or choose another: npm run demo -- --port N`);
    return port;
  }
  if (await portFree(DEFAULT_PORT)) return DEFAULT_PORT;
  process.stdout.write(`demo: port ${DEFAULT_PORT} is in use (another demo?); using a free port instead\n`);
  return 0;
}

if (argv.includes('--cli')) {
  cliTour();
  process.exit(0);
}

const prep = spawnSync('bash', [path.join(root, 'test', 'e2e', 'prepare.sh')], { stdio: 'inherit' });
if (prep.status !== 0) {
  fail('could not prepare code-server (the reason is above). Fix it and retry with: npm run demo\n'
    + '      (bash test/e2e/prepare.sh does the install alone; npm run demo -- --cli gives the command-line tour)');
}
const pkg = spawnSync('npm', ['run', '-s', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (pkg.status !== 0) fail('packaging the extension failed (see above); retry with: npm run demo');

const { installExtension, makeHome, startCodeServer } = await import('../test/e2e/vscode.mjs');
const port = await choosePort();
const home = makeHome();
installExtension(home, path.join(root, 'dist', 'mover.vsix'));
const cs = await startCodeServer(home, { port: port || undefined });
const url = `${cs.url}/?folder=${encodeURIComponent(path.join(root, 'examples'))}`;
process.stdout.write(`\nMover is running in VS Code at:\n\n  ${url}\n\nOpen an example (missing-flush.mover, fig5-layout.mover) and press F5. Ctrl-C stops it.\n`);

let stopping = false;
const stop = async (why) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${why}: stopping code-server\n`);
  await cs.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGHUP', () => void stop('SIGHUP'));
// npm may exit on a signal without passing it on; when our parent goes, we go too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop('the parent process ended');
}, 500);
