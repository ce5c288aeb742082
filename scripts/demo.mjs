// `npm run demo`: builds the .vsix and starts a real VS Code (code-server) on 127.0.0.1 with Mover
// installed and examples/ open; prints the URL and stops cleanly on Ctrl-C. The first run installs
// Node 24, code-server and chromium's neighbours into a cache (test/e2e/prepare.sh, a few minutes).
//   node scripts/demo.mjs [--port N] [--cli]     (--cli: just the command-line tour, no VS Code)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const portArg = argv.find((a, i) => argv[i - 1] === '--port');

function cliTour() {
  spawnSync(process.execPath, [path.join(root, 'bin', 'mover.js'), 'demo'], { stdio: 'inherit' });
  spawnSync(process.execPath, [path.join(root, 'bin', 'mover.js'), 'run', path.join(root, 'examples', 'missing-flush.mover')], { stdio: 'inherit' });
}

if (argv.includes('--cli')) {
  cliTour();
} else {
  const prep = spawnSync('bash', [path.join(root, 'test', 'e2e', 'prepare.sh')], { stdio: 'inherit' });
  if (prep.status !== 0) {
    process.stderr.write('\ndemo: could not prepare code-server (see above); here is the command-line tour instead.\n\n');
    cliTour();
    process.exit(0);
  }
  const pkg = spawnSync('npm', ['run', '-s', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (pkg.status !== 0) { process.stderr.write('demo: packaging the extension failed\n'); process.exit(1); }
  const { installExtension, makeHome, startCodeServer } = await import('../test/e2e/vscode.mjs');
  const home = makeHome();
  installExtension(home, path.join(root, 'dist', 'mover.vsix'));
  const cs = await startCodeServer(home, { port: portArg ? Number(portArg) : 8080 });
  const url = `${cs.url}/?folder=${encodeURIComponent(path.join(root, 'examples'))}`;
  process.stdout.write(`\nMover is running in VS Code at:\n\n  ${url}\n\nOpen an example (missing-flush.mover, fig5-layout.mover) and press F5. Ctrl-C stops it.\n`);
  const stop = async () => { process.stdout.write('\nstopping code-server\n'); await cs.stop(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => {}, 1 << 30);
}
