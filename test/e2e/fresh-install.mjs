// The cache of the real-VS-Code tests, made ready, and the test of a from-scratch install.
//
// When the cache lacks the marker of the current prepare.sh (a new machine, or a change to the install
// steps), prepare.sh runs the way `npm test` runs it: inside npm's environment (npm_config_user_agent
// naming Node 20, as an outer npm exports it), with MOVER_E2E_CACHE pointing at an empty temporary
// folder. The result is checked (Node 24, code-server's version, the marker), then moved into place as
// the cache. With the marker present the test is skipped, since nothing it would prove has changed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { e2ePaths } from './vscode.mjs';

const prepareSh = path.join(path.dirname(fileURLToPath(import.meta.url)), 'prepare.sh');
/** What an outer `npm test` on the machine's Node 20 exports; the nested installs must ignore it. */
const OUTER_NPM_AGENT = `npm/11 node/${process.version} linux x64 workspaces/false`;
const CODE_SERVER_VERSION = /^4\.139\.1\b/m;

function prepare(env) {
  return spawnSync('bash', [prepareSh], { env, stdio: 'inherit' }).status;
}

function ready(cache) {
  return spawnSync('bash', [prepareSh, '--check'], { env: { ...process.env, MOVER_E2E_CACHE: cache } }).status === 0;
}

/**
 * Makes the cache ready. Returns null when it already was (the fresh-install test skipped), or the
 * test's outcome: { passed, seconds, size, problems }.
 */
export function ensureCache(log) {
  const cache = e2ePaths().cache;
  if (ready(cache)) {
    if (prepare(process.env) !== 0) throw new Error('prepare.sh failed');
    log('fresh-install test skipped: the cache already holds the marker of this prepare.sh');
    return null;
  }
  mkdirSync(path.dirname(cache), { recursive: true });
  const fresh = mkdtempSync(path.join(path.dirname(cache), '.mover-e2e-fresh-'));
  log(`fresh-install test: prepare.sh into the empty folder ${fresh}, inside npm's environment`);
  const t0 = Date.now();
  const env = { ...process.env, MOVER_E2E_CACHE: fresh, npm_config_user_agent: process.env.npm_config_user_agent ?? OUTER_NPM_AGENT };
  const problems = [];
  const status = prepare(env);
  const seconds = Math.round((Date.now() - t0) / 1000);
  if (status !== 0) problems.push(`prepare.sh exited ${status}`);
  const p = e2ePaths(fresh);
  if (!problems.length) {
    const node = spawnSync(p.node, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    if (!node.startsWith('v24.')) problems.push(`the cache's node is ${node || 'missing'}, not v24`);
    // code-server writes a default config on its first start: keep that in the checked folder too.
    const xdg = path.join(fresh, '.version-check');
    const cs = spawnSync(p.node, [p.codeServer, '--version'], { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: xdg, XDG_DATA_HOME: xdg } }).stdout?.trim() ?? '';
    rmSync(xdg, { recursive: true, force: true });
    if (!CODE_SERVER_VERSION.test(cs)) problems.push(`code-server --version says ${cs || 'nothing'}`);
    if (!ready(fresh)) problems.push('prepare.sh --check does not find its marker');
  }
  const size = spawnSync('du', ['-sh', fresh], { encoding: 'utf8' }).stdout.split('\t')[0];
  if (problems.length) {
    rmSync(fresh, { recursive: true, force: true });
    return { passed: false, seconds, size, problems };
  }
  rmSync(cache, { recursive: true, force: true });
  renameSync(fresh, cache);
  return { passed: true, seconds, size, problems };
}
