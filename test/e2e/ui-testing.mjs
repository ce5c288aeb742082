// The Test Explorer in a real VS Code, through the DOM: a .mover file with a passing and a failing
// `.test` shows both in the Test Explorer; after Run All, the failing one is marked failed and the
// assert's values are shown in the editor at the assert's line; after Run with Coverage the editor marks
// run and unrun lines.
// Called by test/e2e/run.mjs's UI phase with the page (a workbench open on workspaceFolder).

import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { endSession, runCommand, waitFor } from './ui-driver.mjs';

const FILE = 'explorer-check.test.mover';
const ASSERT_LINE = 9; // one-based: the line of the failing assert below
const PASS_ASSERT_LINE = 5; // the passing test's assert: run
const UNREACHED_LINE = 10; // the halt after the failing assert: never run
const SOURCE = `; Written by test/e2e/ui-testing.mjs: one test passes, one fails at line ${ASSERT_LINE}.
.test passes_in_the_explorer, t_pass
.test fails_in_the_explorer, t_fail
t_pass:
    assert r0, 0, "r0 starts at zero"
    halt
t_fail:
    mov r1, 2
    assert r1, 3, "two is three"
    halt
`;


/** Throws unless a failing test shows in the Test Explorer and at its assert's line in the editor. */
export async function testExplorerUi(page, workspaceFolder, resultsDir) {
  writeFileSync(path.join(workspaceFolder, FILE), SOURCE);
  await endSession(page);
  // Open the file: the extension and the language server see it, and the Test Explorer asks for its symbols.
  // Through the workbench's own buttons, as a person would: the activity bar, the view's title actions.
  // (Clicking the entry of the view already shown would close the side bar.)
  if (!(await page.locator('.explorer-folders-view').first().isVisible())) await page.locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click({ timeout: 15_000 });
  // The Explorer learns of the new file from a file watcher: refresh it until the file shows.
  const entry = page.locator('.explorer-folders-view .monaco-list-row', { hasText: FILE }).first();
  for (const until = Date.now() + 30_000; !(await entry.isVisible()) && Date.now() < until;) {
    await page.locator('.sidebar a[aria-label^="Refresh Explorer"]').first().click({ timeout: 5_000 }).catch(() => {});
    await page.waitForTimeout(1000);
  }
  await entry.click({ timeout: 10_000 });
  await page.locator('.tabs-container .tab', { hasText: FILE }).first().waitFor({ timeout: 30_000 });
  await page.waitForSelector('.editor-group-container.active .monaco-editor .view-line', { timeout: 30_000 });
  if (!(await page.locator('.test-explorer').first().isVisible())) await page.locator('.activitybar .action-item a[aria-label^="Testing"]').first().click({ timeout: 15_000 });
  await page.locator('.test-explorer').first().waitFor({ timeout: 30_000 });
  const row = (text) => page.locator('.test-explorer .monaco-list-row', { hasText: text }).first();
  // The file's item, then its tests (expand it if VS Code shows it collapsed).
  await row(FILE).waitFor({ timeout: 60_000 });
  // Other files' tests are still being discovered and the list reorders under the mouse: expand the
  // file's row until its tests show.
  await waitFor(page, async () => {
    if (await row('fails_in_the_explorer').isVisible()) return true;
    const r = row(FILE);
    if ((await r.getAttribute('aria-expanded')) !== 'true') await r.locator('.monaco-tl-twistie').click({ timeout: 5_000 }).catch(() => {});
    return row('fails_in_the_explorer').waitFor({ timeout: 3_000 }).then(() => true, () => false);
  }, `the tests of ${FILE} in the Test Explorer`, 60_000);
  await row('passes_in_the_explorer').waitFor({ timeout: 30_000 });
  await page.locator('.sidebar a[aria-label^="Run Tests"]').first().click({ timeout: 15_000 });
  await row('fails_in_the_explorer').locator('.codicon-testing-failed-icon').waitFor({ timeout: 60_000 });
  await row('passes_in_the_explorer').locator('.codicon-testing-passed-icon').waitFor({ timeout: 30_000 });
  // The failure in the editor: VS Code puts it at the end of the line it is located at, as the
  // assert's values (actual != expected) since the message carries them.
  const inline = page.locator('.editor-group-container.active .monaco-editor .test-error-content-widget').first();
  await inline.waitFor({ timeout: 30_000 });
  const text = (await inline.textContent()) ?? '';
  if (!text.includes('2 (0x2)') || !text.includes('3 (0x3)')) throw new Error(`the inline failure shows ${JSON.stringify(text)}, not the assert's values`);
  const lineOf = async (locator) => {
    const box = await locator.boundingBox();
    if (!box) throw new Error('an element the check needs is not on screen');
    return box.y + box.height / 2;
  };
  const y = await lineOf(inline);
  const numbers = page.locator('.editor-group-container.active .monaco-editor .line-numbers');
  let at = -1;
  for (const n of await numbers.all()) {
    const box = await n.boundingBox();
    if (box && y >= box.y && y <= box.y + box.height) at = Number((await n.textContent())?.trim());
  }
  if (at !== ASSERT_LINE) throw new Error(`the failure shows at line ${at}, not at the assert's line ${ASSERT_LINE}`);
  await page.screenshot({ path: path.join(resultsDir, 'test-explorer.png') });
  await coverageInEditor(page, resultsDir);
}

/**
 * Run with Coverage: the editor's line numbers carry VS Code's coverage marks, a hit on the passing
 * test's assert and a miss on the halt after the failing assert (never reached).
 */
async function coverageInEditor(page, resultsDir) {
  await runCommand(page, 'Test: Run All Tests with Coverage');
  const number = (line) => page.locator('.editor-group-container.active .monaco-editor .line-numbers', { hasText: new RegExp(`^\\s*${line}\\s*$`) }).first();
  const marked = async (line, cls) => ((await number(line).getAttribute('class').catch(() => '')) ?? '').includes(cls);
  await waitFor(page, async () => (await marked(PASS_ASSERT_LINE, 'coverage-deco-hit')) && (await marked(UNREACHED_LINE, 'coverage-deco-miss')), `coverage marks in the editor: a hit at line ${PASS_ASSERT_LINE}, a miss at line ${UNREACHED_LINE}`, 60_000);
  await page.screenshot({ path: path.join(resultsDir, 'test-coverage.png') });
}

export default testExplorerUi;
