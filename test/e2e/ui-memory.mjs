/* global document, getComputedStyle */
// The memory view in the real VS Code, asserted through its webview's DOM: FIG. 7 stopped on entry, a
// memory view of VS1 0x2000_0000 shows the PA column (0x1_0000_0000) and the C4 band, words of 4 bytes,
// the struct overlay of the declared object dnlc (field names), a byte typed over and written, a
// scroll by the wheel that draws only the rows on screen, and the greyed rows once the session ends.
// Screenshots: memory-view.png, memory-overlay.png, memory-no-session.png.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { acceptQuickInput, paused, runCommand, waitFor } from './ui-driver.mjs';

const TABLE = 0x2000_0000;

/** The memory view's frame whose address box shows `ref` (other memory views may be open). */
async function memoryFrame(page, ref) {
  return waitFor(page, async () => {
    for (const f of page.frames()) {
      const value = await f.evaluate(() => { const a = document.getElementById('address'); return a && document.getElementById('grid') ? a.value : null; }).catch(() => null);
      if (value === ref) return f;
    }
    return null;
  }, `a memory view at ${ref}`, 30_000);
}

export async function memoryUi(page, ws, results) {
  const shot = async (name) => { await page.screenshot({ path: path.join(results, `${name}.png`) }); };
  mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  writeFileSync(path.join(ws, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', configurations: [{ type: 'mover', request: 'launch', name: 'memory view', program: '${workspaceFolder}/examples/fig7-dnlc.mover', stopOnEntry: true }] }, null, 2));
  try {
    if (await page.locator('.debug-toolbar').isVisible()) {
      await page.keyboard.press('Shift+F5');
      await page.waitForSelector('.debug-toolbar', { state: 'hidden', timeout: 30_000 });
    }
    // The picker lists launch.json's configuration once VS Code has read the new file: ask again until it does.
    await waitFor(page, async () => {
      await runCommand(page, 'Debug: Select and Start Debugging');
      await page.keyboard.type('memory view');
      const listed = await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'memory view' }).first().waitFor({ timeout: 5_000 }).then(() => true, () => false);
      if (!listed) await page.keyboard.press('Escape');
      return listed;
    }, 'the configuration "memory view" in Select and Start Debugging', 45_000);
    await acceptQuickInput(page);
    await page.waitForSelector('.debug-toolbar', { timeout: 60_000 });
    await waitFor(page, () => paused(page), 'FIG. 7 to stop on entry', 60_000);
    // (The palette offers Mover: Show Memory once the debug context keys are set: ask again if it did not.)
    await waitFor(page, async () => {
      const ok = await runCommand(page, 'Mover: Show Memory').then(() => true, async () => { await page.keyboard.press('Escape'); return false; });
      return ok && page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 15_000 }).then(() => true, () => false);
    }, 'the Show Memory box', 60_000);
    await page.keyboard.type('vs1:0x2000_0000');
    await acceptQuickInput(page);
    const f = await memoryFrame(page, 'vs1:0x2000_0000');
    const row = (a) => f.locator(`#grid .row[data-address="${a}"]`);
    // The PA column and the chunk band: VS1 0x2000_0000 is C4's first byte, PA 0x1_0000_0000 (FIG. 5).
    await waitFor(page, async () => (await row(TABLE).locator('.pa').textContent()) === '0x1_0000_0000', 'the PA column to show 0x1_0000_0000', 20_000);
    // (Rows are drawn again as pages arrive: read an element's text and style in one go.)
    const band = await waitFor(page, () => row(TABLE).locator('.band').evaluate((e) => ({ text: e.textContent, colour: getComputedStyle(e).borderLeftColor })).then((b) => (b.colour ? b : null)), 'the chunk band', 10_000);
    if (band.text !== 'C4') throw new Error(`the chunk band of VS1 0x2000_0000 says "${band.text}", not C4`);
    if (band.colour === 'rgba(0, 0, 0, 0)') throw new Error('the chunk band has no colour');
    const hint = await f.locator('#hint').textContent();
    if (!/type hex to overwrite/.test(hint ?? '')) throw new Error(`no editing hint: ${hint}`);
    // The address box shows the whole reference with its `_` (not clipped).
    const clipped = await f.locator('#address').evaluate((e) => e.scrollWidth > e.clientWidth);
    if (clipped) throw new Error('the address box clips vs1:0x2000_0000');
    // Typed hex over a selected byte is written: the byte at 0x2000_0030 becomes ab.
    await row(TABLE + 0x30).locator(`.cell[data-address="${TABLE + 0x30}"]`).click();
    await page.keyboard.type('ab');
    await waitFor(page, async () => (await row(TABLE + 0x30).locator(`.cell[data-address="${TABLE + 0x30}"]`).textContent()) === 'ab', 'the typed byte ab to be written and read back', 15_000);
    // Words of 4 bytes, little-endian: the row 0x2000_0030 holds 000000ab.
    await f.locator('button.group[data-size="4"]').click();
    await waitFor(page, async () => (await row(TABLE + 0x30).locator('.cell').first().textContent()) === '000000ab', 'words of 4 bytes (000000ab)', 15_000);
    const cells = await row(TABLE + 0x30).locator('.cell').count();
    if (cells !== 4) throw new Error(`a row shows ${cells} words of 4 bytes, not 4`);
    await shot('memory-view');
    // The struct overlay: the declared object dnlc (dnlc_table), by name in the picker; its fields listed.
    await f.locator('#struct-picker').selectOption('o:dnlc');
    await waitFor(page, async () => (await f.locator('#overlay tr.field').count()) >= 10, 'the dnlc_table overlay\'s fields', 15_000);
    const names = await f.locator('#overlay tr.field td.name').allTextContents();
    for (const want of ['lock', 'buckets', 'capacity', 'used', 'free', 'entries', 'hits', 'misses', 'enters', 'removes']) if (!names.includes(want)) throw new Error(`the overlay does not list ${want}: ${names.join(', ')}`);
    const tip = await row(TABLE).locator('.cell').nth(1).getAttribute('title');
    if (!/buckets \(u32\) = /.test(tip ?? '')) throw new Error(`the overlaid word's tooltip does not name its field: ${tip}`);
    await shot('memory-overlay');
    // The wheel scrolls; only the rows on screen are drawn (a 4 GiB space).
    const drawn = await f.locator('#grid .row').count();
    if (drawn > 120) throw new Error(`${drawn} rows drawn: the view is not virtualized`);
    const firstRow = async () => Number(await f.locator('#grid .row[data-address]').first().getAttribute('data-address'));
    const before = await firstRow();
    await f.locator('#grid').hover();
    await page.mouse.wheel(0, 18 * 20);
    await waitFor(page, async () => (await firstRow()) >= before + 16 * 10, 'the wheel to scroll the rows', 10_000);
    // The session ends: the view says so and keeps its bytes, greyed.
    await page.keyboard.press('Shift+F5');
    await page.waitForSelector('.debug-toolbar', { state: 'hidden', timeout: 30_000 });
    await waitFor(page, async () => /No Mover debug session/.test((await f.locator('#status').textContent()) ?? ''), 'the view to say there is no session', 15_000);
    const stale = await f.locator('#grid').evaluate((e) => e.classList.contains('stale'));
    if (!stale) throw new Error('the rows are not greyed without a session');
    await shot('memory-no-session');
    await page.locator('.tabs-container .tab', { hasText: 'Memory vs1' }).first().locator('.codicon-close').click({ timeout: 5_000 }).catch(() => {});
  } finally {
    rmSync(path.join(ws, '.vscode'), { recursive: true, force: true });
  }
}
