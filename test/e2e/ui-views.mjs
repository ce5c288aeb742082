/* global document, window, requestAnimationFrame, getComputedStyle, MutationObserver */
// Issue 13 in the real VS Code: the time from a stop to each Mover view painting that stop's content
// (logged and written to test-results/view-timings.json, not asserted), the Page Walk's range and PTE
// modes, the chunk map in the editor area (all of FIG. 5 in the window, labels inside their column in
// the theme's colours, a click on a chunk or a mapping opening its memory), the snapshot queue's bars
// and the order of the Mover views. Waits on what the page shows, never on time.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { acceptQuickInput, endSession, paused, runCommand, stackLine, stopAt, topFrameLineInPage, waitFor } from './ui-driver.mjs';

const log = (m) => console.log(`[ui-views] ${m}`);

/** The pane header of a side bar view by its title. */
const header = (page, name) => page.locator(`.sidebar .pane-header[aria-label^="${name}"]`).first();

/** Collapses every expanded pane of the side bar but `name`'s, and expands that one. */
async function only(page, name) {
  for (const h of await page.locator('.sidebar .pane-header:visible').all()) {
    const label = (await h.getAttribute('aria-label')) ?? '';
    if ((await h.getAttribute('aria-expanded')) === 'true' && !label.startsWith(name)) await h.click();
  }
  const h = header(page, name);
  if ((await h.getAttribute('aria-expanded')) !== 'true') await h.click();
}

/** The rows a tree view shows, as text. */
function rowsOf(page, name) {
  return page.evaluate((n) => {
    const pane = [...document.querySelectorAll('.sidebar .pane-header')].find((h) => (h.getAttribute('aria-label') ?? '').startsWith(n))?.parentElement;
    return pane ? [...pane.querySelectorAll('.pane-body .monaco-list-row')].map((r) => r.textContent).join('\n') : '';
  }, name);
}

/** The chunk map webview frames: each with its size and its drawing's facts. */
async function chunkMapFrames(page) {
  const out = [];
  for (const f of page.frames()) {
    const facts = await f.evaluate(() => {
      const svg = document.querySelector('svg');
      if (!svg || !(document.body.textContent ?? '').includes('Physical')) return null;
      const fg = getComputedStyle(document.body).color;
      const columns = [...svg.querySelectorAll('rect[stroke]')].map((r) => r.getBBox());
      const labels = [...svg.querySelectorAll('text.last-access')].map((t) => {
        const b = t.getBBox();
        const col = columns.find((c) => b.x >= c.x - 4 && b.x < c.x + c.width);
        return { text: t.textContent, right: b.x + b.width, columnRight: col ? col.x + col.width : null, fill: getComputedStyle(t).fill, fg };
      });
      return {
        width: window.innerWidth, height: window.innerHeight, svgHeight: svg.getBoundingClientRect().height,
        chunks: [...svg.querySelectorAll('rect.chunk title')].map((t) => t.textContent.split(':')[0]), labels, text: document.body.textContent,
      };
    }).catch(() => null);
    if (facts) out.push({ frame: f, ...facts });
  }
  return out;
}

/** Installs a watcher in the page that notes when the stop lands on `target` and when `pane`'s rows then differ from `before`. */
function watchStop(page, target, pane, before) {
  return page.evaluate(({ target, pane, before, lineSource }) => {
    const w = { stopAt: 0, paintedAt: 0, done: false };
    window.__moverTiming = w;
    const line = new Function(`return (${lineSource})`)();
    const rows = () => {
      const p = [...document.querySelectorAll('.sidebar .pane-header')].find((h) => (h.getAttribute('aria-label') ?? '').startsWith(pane))?.parentElement;
      return p ? [...p.querySelectorAll('.pane-body .monaco-list-row')].map((r) => r.textContent).join('\n') : '';
    };
    // A view whose rows read the same after the step still redraws them: the first change to its rows'
    // DOM after the stop counts as painted when the text does not change.
    const paneEl = [...document.querySelectorAll('.sidebar .pane-header')].find((h) => (h.getAttribute('aria-label') ?? '').startsWith(pane))?.parentElement;
    w.redrawnAt = 0;
    if (paneEl) new MutationObserver(() => { if (w.stopAt && !w.redrawnAt) w.redrawnAt = Date.now(); }).observe(paneEl.querySelector('.pane-body') ?? paneEl, { childList: true, subtree: true, characterData: true });
    const start = Date.now();
    const tick = () => {
      const now = Date.now();
      if (!w.stopAt) {
        const cont = document.querySelector('.debug-toolbar .codicon-debug-continue');
        if (cont && cont.getBoundingClientRect().width > 0 && line() === target) w.stopAt = now;
      }
      if (w.stopAt && before !== null && rows() !== before) { w.paintedAt = now; w.done = true; return; }
      if (w.stopAt && before === null) { w.done = true; return; }
      if (w.stopAt && w.redrawnAt && now - w.redrawnAt > 3_000) { w.paintedAt = w.redrawnAt; w.same = true; w.done = true; return; }
      if (now - start > 20_000) { w.done = true; return; }
      requestAnimationFrame(tick);
    };
    tick();
  }, { target, pane, before, lineSource: topFrameLineInPage.toString() });
}

/**
 * Steps over the line (F10) and measures, for the view `name`, the time from the stop (Continue visible,
 * the frame on the next line) to the view showing rows that differ from before the step. Steps back after.
 */
async function timeView(page, name, from, to, shotTo, isWebview = false) {
  await only(page, name);
  let before;
  let mapFrame;
  if (isWebview) {
    mapFrame = (await waitFor(page, async () => (await chunkMapFrames(page)).sort((a, b) => a.width - b.width)[0], 'the chunk map webview', 30_000)).frame;
    before = await mapFrame.evaluate(() => document.body.textContent);
    // The drawing is rebuilt or updated in place for every layout the extension posts: each change is noted with whether
    // it says "running" (the run's, before the stop) or not (the stop's layout).
    await mapFrame.evaluate((before) => {
      window.__moverDraws = [];
      new MutationObserver(() => {
        const text = document.body.textContent ?? '';
        window.__moverDraws.push({ t: Date.now(), running: text.includes('(running'), changed: text !== before });
      }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
    }, before);
  } else {
    before = await waitFor(page, async () => { const r = await rowsOf(page, name); return r.length ? r : undefined; }, `${name} to show rows`, 30_000);
  }
  await watchStop(page, to, name, isWebview ? null : before);
  await page.keyboard.press('F10');
  await page.waitForFunction(() => window.__moverTiming?.done, null, { timeout: 30_000, polling: 'raf' });
  let { stopAt, paintedAt, same } = await page.evaluate(() => window.__moverTiming);
  if (!stopAt) throw new Error(`${name}: F10 from line ${from} did not stop on line ${to}`);
  if (isWebview) {
    // The first drawing after the step that is not the running one and differs from before it: when
    // it came before the stop showed in the workbench, the map was painted by then (0 ms).
    const draw = await waitFor(page, async () => (await mapFrame.evaluate(() => window.__moverDraws.find((d) => !d.running && d.changed))), 'the chunk map to draw the stop', 20_000).catch(() => null);
    paintedAt = draw ? Math.max(draw.t, stopAt) : 0;
    same = false;
  }
  const ms = paintedAt ? paintedAt - stopAt : null;
  const after = isWebview ? await mapFrame.evaluate(() => document.body.textContent) : await rowsOf(page, name);
  if (!after.trim()) throw new Error(`${name} shows nothing after the stop`);
  log(ms === null ? `timing: ${name} showed no change within 20 s of the stop` : `timing: ${name} painted ${ms} ms after the stop${same ? ' (its rows read the same: the time of their redraw)' : ''}`);
  await page.screenshot({ path: shotTo });
  // Back to the breakpoint's stop before the step (step back would land inside the call): reverse continue.
  await page.locator('.debug-toolbar .codicon-debug-reverse-continue').click();
  await waitFor(page, async () => (await paused(page)) && (await stackLine(page)) === from, `reverse continue to line ${from}`, 30_000);
  return { ms, same: !!same, after };
}

export async function uiViews(page, ws, results) {
  const shot = async (name) => { await page.screenshot({ path: path.join(results, `${name}.png`) }); log(`screenshot test-results/${name}.png`); };
  // FIG. 11 with three snapshots, stopped on the call that reads snapshot 1 block 3 (1 -> 2 -> 3 -> the clone).
  const from = await stopAt(page, ws, 'fig11-three-snapshots.mover', 'call check                          ; 1 -> 2 -> 3 -> clone');
  const to = from + 1;
  // The Mover views come machine first, then the modules, after VS Code's own debug views.
  const order = await page.evaluate(() => [...document.querySelectorAll('.sidebar .pane-header')].map((h) => h.getAttribute('aria-label') ?? ''));
  const want = ['Control Registers', 'Page Walk', 'TLB', 'Chunk Map', 'Snapshot Queue'];
  const at = want.map((w) => order.findIndex((o) => o.startsWith(w)));
  if (at.some((i) => i < 0) || at.some((i, k) => k > 0 && i < at[k - 1])) throw new Error(`the Mover views are not in the order ${want.join(', ')}: the side bar shows ${order.join(' | ')}`);
  log(`pane order: ${order.join(' | ')}`);
  // The Page Walk follows the last access (earlier checks may have walked the cursor's address).
  await runCommand(page, 'Mover: Walk the Last Access');
  const timings = {};
  const rec = async (name, isWebview = false, start = from, end = to) => {
    const r = await timeView(page, name, start, end, path.join(results, `timing-${name.toLowerCase().replace(/\s+/g, '-')}.png`), isWebview);
    timings[name] = r.ms;
    return r.after;
  };
  await rec('Control Registers');
  await rec('TLB');
  const snap = await rec('Snapshot Queue');
  if (!snap.includes('last read: snapshot 1, block 3') || !snap.includes('1 → 2 → 3 → clone')) throw new Error(`the Snapshot Queue after the read does not show its path:\n${snap}`);
  // The snapshot queue's bars and the read drawn through the entries, at the stop after the read.
  await page.keyboard.press('F10');
  await waitFor(page, async () => (await paused(page)) && (await stackLine(page)) === to, `F10 to line ${to}`, 30_000);
  await page.locator('.sidebar .pane-body .monaco-list-row', { hasText: 'last read, step 1 of 4' }).first().waitFor({ timeout: 15_000 });
  const bars = await rowsOf(page, 'Snapshot Queue');
  if (!/save volume\s*▰▰▰▱▱▱▱▱▱▱ 1\/4 blocks used/.test(bars)) throw new Error(`no save-volume bar in the Snapshot Queue:\n${bars}`);
  await shot('view-snapshot-queue-path');
  // The Page Walk's other modes, typed into its title action's box.
  await only(page, 'Page Walk');
  const typeWalk = async (text, expect) => {
    // The view's title action (shown while the pointer is over the header), else the palette.
    await page.locator('.sidebar .pane-header[aria-label^="Page Walk"]').hover();
    const action = page.locator('.sidebar .pane-header[aria-label^="Page Walk"] .codicon-list-flat').first();
    if (await action.isVisible()) await action.click();
    else { log('the Page Walk title action is not visible: the palette instead'); await runCommand(page, 'Mover: Walk Address, Range, CR3 or PTE'); }
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.type(text);
    await acceptQuickInput(page);
    await page.locator('.sidebar .pane-body .monaco-list-row', { hasText: expect }).first().waitFor({ timeout: 15_000 });
  };
  await typeWalk('vs1 0x1ff0_0000 0x2010_0000', '0x2000_0000 – 0x200f_ffff');
  const range = await rowsOf(page, 'Page Walk');
  if (!range.includes('1M → 0x1_0000_0000 (C4)') || !range.includes('1M → 0x1ff0_0000 (C1)')) throw new Error(`the range walk's rows:\n${range}`);
  await shot('view-page-walk-range');
  await typeWalk('pa:0xef10_2008', 'VS1 PTE');
  await shot('view-page-walk-pte');
  // The DNLC (FIG. 7): its own program; the step enters /etc/passwd.
  const dFrom = await stopAt(page, ws, 'fig7-dnlc.mover', 'call dnlc_enter_vs0                 ; /etc/passwd = 21');
  const d = await timeView(page, 'DNLC', dFrom, dFrom + 1, path.join(results, 'timing-dnlc.png'));
  timings.DNLC = d.ms;
  // The timing's last read may come before a slow repaint: the rows must show the fifth enter soon after.
  const dnlcRows = d.after.includes('enters 5') ? d.after : await waitFor(page, async () => { const r = await rowsOf(page, 'DNLC'); return r.includes('enters 5') ? r : undefined; }, 'the DNLC after the fifth enter', 20_000).catch(() => d.after);
  if (!dnlcRows.includes('enters 5')) throw new Error(`the DNLC after the fifth enter:\n${dnlcRows}`);
  // The Page Walk and the Chunk Map change on a step that moves the last access to another chunk:
  // FIG. 4's store to 0x2000_0000 (C4 in VS1) after the load from 0x2000 (C1).
  const wFrom = await stopAt(page, ws, 'fig4-walk.mover', 'st32 [r3], 0x600D');
  await runCommand(page, 'Mover: Walk the Last Access');
  await rec('Page Walk', false, wFrom, wFrom + 1);
  await rec('Chunk Map', true, wFrom, wFrom + 1);
  writeFileSync(path.join(results, 'view-timings.json'), JSON.stringify({ stop: 'F10 over a call (FIG. 11, FIG. 7) or a store (FIG. 4: Page Walk, Chunk Map): from the Continue button showing the new stop to the view\'s rows differing from before the step', ms: timings }, null, 2) + '\n');
  log(`timings written to test-results/view-timings.json: ${JSON.stringify(timings)}`);
  // The chunk map in the editor area: all of FIG. 5 in the window; labels inside their column, in the theme's foreground.
  // One editor group, so the editor area is the window's width (earlier steps split it).
  await runCommand(page, 'View: Single Column Editor Layout');
  await runCommand(page, 'Mover: Open Chunk Map in Editor');
  await page.locator('.tabs-container .tab', { hasText: 'Chunk Map (FIG. 5)' }).first().waitFor({ timeout: 15_000 });
  const widest = async () => (await chunkMapFrames(page)).sort((a, b) => b.width - a.width).find((f) => f.width > 700);
  const editorMap = await waitFor(page, widest, 'the chunk map in the editor area', 30_000);
  if (editorMap.chunks.join(' ') !== 'C1 C2 C3 C4 C5') throw new Error(`the editor's chunk map shows chunks ${editorMap.chunks.join(' ')}`);
  if (editorMap.svgHeight > editorMap.height) throw new Error(`FIG. 5 does not fit the editor: ${editorMap.svgHeight} px in ${editorMap.height} px`);
  for (const f of await chunkMapFrames(page)) {
    for (const l of f.labels) {
      if (l.columnRight !== null && l.right > l.columnRight + 1) throw new Error(`the label "${l.text}" runs past its column (${l.right} > ${l.columnRight})`);
      if (l.fill !== l.fg) throw new Error(`the label "${l.text}" is ${l.fill}, not the theme's foreground ${l.fg}`);
    }
  }
  log(`chunk map in the editor: ${editorMap.chunks.length} chunks in ${Math.round(editorMap.svgHeight)} of ${editorMap.height} px; labels: ${editorMap.labels.map((l) => l.text).join(', ')}`);
  await shot('chunk-map-editor');
  // A click on C4 opens its memory at its base; a click on VS1's C4 band opens VS1 at 0x2000_0000.
  await editorMap.frame.locator('rect.chunk', { has: editorMap.frame.locator('title', { hasText: /^C4:/ }) }).click();
  await page.locator('.tabs-container .tab', { hasText: 'Memory pa:0x1_0000_0000' }).first().waitFor({ timeout: 15_000 });
  await shot('chunk-map-click-memory');
  // The memory view opened beside the map: closed, the map has the editor area again.
  await runCommand(page, 'View: Close Editor');
  await page.locator('.tabs-container .tab', { hasText: 'Chunk Map (FIG. 5)' }).first().click();
  const again = await waitFor(page, widest, 'the chunk map in the editor area again', 30_000);
  // The band lies under the flows drawn over it: the click goes to the band itself, as the map's handler reads it.
  await again.frame.locator('rect.mapping', { has: again.frame.locator('title', { hasText: /^VS1 0x2000_0000/ }) }).dispatchEvent('click');
  await page.locator('.tabs-container .tab', { hasText: 'Memory vs1:0x2000_0000' }).first().waitFor({ timeout: 15_000 });
  log('chunk map: a click on C4 opened memory at pa:0x1_0000_0000, on VS1\'s C4 band at vs1:0x2000_0000');
  await endSession(page);
  await runCommand(page, 'View: Close All Editors');
}
