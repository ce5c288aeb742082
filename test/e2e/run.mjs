/* global document, getComputedStyle */
// The real-VS-Code tests: builds the .vsix, starts code-server (a real VS Code) on 127.0.0.1 and
//   1. runs the extension integration suite (test/e2e/suite, mocha inside the extension host) through
//      the smoke-test driver's payload, with the extension unpacked from the .vsix;
//   2. drives the UI with playwright-core in Debian's chromium: an example with its colours, a live
//      hover, a debug session with the Mover views; screenshots go to test-results/.
//   3. where a desktop VS Code is available (VSCODE_EXECUTABLE_PATH; on Linux with a display, e.g. under
//      xvfb-run), runs the same integration suite under @vscode/test-electron, so the desktop path
//      stays real too.
// Exit code 0 when all that ran passed. Needs the cache from test/e2e/prepare.sh (run here if missing).
//   node test/e2e/run.mjs [--skip-ui] [--skip-suite]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { runTests } from '@vscode/test-electron';
import { e2ePaths, installExtension, makeHome, startCodeServer } from './vscode.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const results = path.join(root, 'test-results');
const args = new Set(process.argv.slice(2));
const t0 = Date.now();
const log = (m) => process.stdout.write(`e2e [${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status})`);
}

const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function browser() {
  return chromium.launch({ executablePath: e2ePaths().chromium, args: BROWSER_ARGS, headless: true });
}

function workspace() {
  const ws = mkdtempSync(path.join(tmpdir(), 'mover-ws-'));
  cpSync(path.join(root, 'examples'), path.join(ws, 'examples'), { recursive: true });
  return ws;
}

/** The extension as the .vsix holds it, unpacked under `dir`: its folder. */
function unpack(vsix, dir) {
  const ext = path.join(dir, 'ext');
  mkdirSync(ext);
  run('unzip', ['-q', vsix, 'extension/*', '-d', ext]);
  return path.join(ext, 'extension');
}

/** Phase 1: the integration suite in the extension host; resolves to its exit code. */
async function integrationSuite(vsix) {
  const home = makeHome();
  const extPath = unpack(vsix, home.home);
  const ws = workspace();
  const cs = await startCodeServer(home, { smokeTestDriver: true });
  const b = await browser();
  try {
    const page = await b.newPage({ viewport: { width: 1400, height: 900 } });
    let done;
    const exited = new Promise((resolve) => { done = resolve; });
    await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
      const line = format(...(Array.isArray(logArgs) ? logArgs : [logArgs]));
      if (line.trim()) process.stdout.write(`  | ${line}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => done(code));
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `vscode-remote://remote${extPath}`],
      ['extensionTestsPath', `vscode-remote://remote${path.join(root, 'out', 'e2e', 'index.js')}`],
    ]);
    await page.goto(`${cs.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
    const timer = setTimeout(() => done(124), 240_000);
    timer.unref();
    const code = await exited;
    clearTimeout(timer);
    await page.screenshot({ path: path.join(results, 'suite-end.png') }).catch(() => {});
    if (code !== 0) process.stdout.write(`code-server log:\n${cs.logs.join('').slice(-4000)}\n`);
    return code;
  } finally {
    await b.close();
    await cs.stop();
    rmSync(home.home, { recursive: true, force: true });
  }
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(results, `${name}.png`) });
  log(`screenshot test-results/${name}.png`);
}

/** Phase 2: the UI, driven like a person would, with screenshots. */
async function ui(vsix) {
  const home = makeHome();
  installExtension(home, vsix);
  const ws = workspace();
  const cs = await startCodeServer(home);
  const b = await browser();
  try {
    const page = await b.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${cs.url}/?folder=${encodeURIComponent(ws)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForTimeout(1500);
    // Open an example from the Explorer, as a person would.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'examples' }).first().click({ timeout: 30_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'fig5-layout.mover' }).first().click({ timeout: 30_000 });
    await page.waitForSelector('.monaco-editor .view-line', { timeout: 30_000 });
    // The grammar colours the text once the tokenizer has run: wait for several distinct colours.
    const colourCount = () => new Set([...document.querySelectorAll('.monaco-editor .view-line span[class*="mtk"]')].map((s) => getComputedStyle(s).color)).size;
    let colours = 0;
    for (const until = Date.now() + 30_000; Date.now() < until && colours < 4; await page.waitForTimeout(250)) colours = await page.evaluate(colourCount);
    if (colours < 4) throw new Error(`the editor shows only ${colours} colours: the grammar is not applied`);
    await shot(page, 'editor-colours');
    // Start debugging: F5 on a .mover file, no launch.json.
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('F5');
    await page.waitForSelector('.debug-toolbar', { timeout: 60_000 });
    await page.waitForSelector('text=Control Registers', { timeout: 30_000 });
    await page.waitForTimeout(1500);
    await shot(page, 'debug-start');
    // Step into VS1 a little (over boot, into enter_paged's CR3 and paging-on), then look at each view.
    for (let i = 0; i < 8; i++) { await page.keyboard.press('F10'); await page.waitForTimeout(250); }
    const header = (name) => page.locator('.pane-header', { hasText: name }).first();
    for (const name of ['Variables', 'Watch', 'Call Stack', 'Breakpoints']) {
      const h = header(name);
      if ((await h.getAttribute('aria-expanded')) === 'true') await h.click();
    }
    for (const [name, file] of [['Control Registers', 'view-control-registers'], ['Page Walk', 'view-page-walk'], ['TLB', 'view-tlb'], ['Chunk Map', 'view-chunk-map']]) {
      const h = header(name);
      if ((await h.getAttribute('aria-expanded')) !== 'true') await h.click();
      await page.waitForTimeout(1200);
      await shot(page, file);
      await h.click();
    }
    await shot(page, 'debug-views');
    // Hover a VA in the source while stopped: its translation in every space.
    const target = page.locator('.monaco-editor .view-line span', { hasText: '0x0080_0000' }).first();
    if (await target.count()) {
      await target.hover();
      await page.waitForSelector('.monaco-hover', { timeout: 15_000 }).catch(() => {});
      await page.waitForTimeout(1500);
      await shot(page, 'hover-translation');
    }
    return 0;
  } finally {
    await b.close();
    await cs.stop();
    rmSync(home.home, { recursive: true, force: true });
  }
}

/** Phase 3: the same suite in a desktop VS Code through @vscode/test-electron; resolves to its exit code. */
async function electronSuite(vsix, executable) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mover-electron-'));
  try {
    const extPath = unpack(vsix, dir);
    return await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: extPath,
      extensionTestsPath: path.join(root, 'out', 'e2e', 'index.js'),
      launchArgs: [workspace(), '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(dir, 'user'), '--extensions-dir', path.join(dir, 'extensions'), '--no-sandbox', '--disable-gpu'],
    }).then(() => 0, (e) => { log(`test-electron: ${e.message ?? e}`); return 1; });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  mkdirSync(results, { recursive: true });
  run('bash', [path.join(root, 'test', 'e2e', 'prepare.sh')]);
  log('building the .vsix and the integration suite');
  run('npm', ['run', '-s', 'package'], { stdio: ['ignore', 'ignore', 'inherit'] });
  run(process.execPath, ['test/e2e/build-suite.mjs']);
  const vsix = path.join(root, 'dist', 'mover.vsix');
  let failed = 0;
  if (!args.has('--skip-suite')) {
    log('integration suite in the extension host');
    const code = await integrationSuite(vsix);
    log(`integration suite exited ${code}`);
    if (code !== 0) failed++;
  }
  if (!args.has('--skip-ui')) {
    log('UI with playwright');
    try { await ui(vsix); } catch (e) { failed++; log(`UI failed: ${e.stack ?? e}`); }
  }
  const desktop = process.env.VSCODE_EXECUTABLE_PATH;
  if (desktop && !args.has('--skip-suite')) {
    log(`integration suite in a desktop VS Code (${desktop}) through @vscode/test-electron`);
    const code = await electronSuite(vsix, desktop);
    log(`test-electron suite exited ${code}`);
    if (code !== 0) failed++;
  } else if (!args.has('--skip-suite')) {
    log('no desktop VS Code here (VSCODE_EXECUTABLE_PATH is not set): the @vscode/test-electron run of the same suite is left out');
  }
  // The plain closing line CI reads.
  const total = (args.has('--skip-suite') ? 0 : desktop ? 2 : 1) + (args.has('--skip-ui') ? 0 : 1);
  process.stdout.write(`e2e: ${total - failed} passed, ${failed} failed\n`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => { process.stderr.write(`e2e: ${e.stack ?? e}\n`); process.exitCode = 1; });
