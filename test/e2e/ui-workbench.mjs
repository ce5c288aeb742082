/* global document */
// The workbench contributions of issue 19 in a real VS Code, through the DOM: inline values at a stop
// (VS Code's `.debug-inline-value` injected text), the editor title's Run/Debug button of a .mover
// file, a `mover` task's problem in the Problems view (the `$mover` matcher), the walkthrough, the
// layout schema's problems and the context menu of an address.
// Called by test/e2e/run.mjs's UI phase with the page (a workbench open on the workspace folder).

import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { acceptQuickInput, endSession, focusEditor, paused, quickOpen, runCommand, stackLine, waitFor } from './ui-driver.mjs';

/** The texts of the inline values the active editor shows. */
async function inlineValues(page) {
  // VS Code writes them with no-break spaces: read them as plain spaces.
  return page.evaluate(() => [...document.querySelectorAll('.editor-group-container.active .monaco-editor .debug-inline-value')].map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ')));
}

/**
 * Stopped in fig7-dnlc.mover's a_main on `mov r1, READY`: one step over lands on `st32 [r1], 1`, whose
 * end shows r1 and the translation of [r1] (VS0, paging off: PA = VA, in C1).
 */
export async function inlineValuesUi(page, shot) {
  const before = await stackLine(page);
  await page.keyboard.press('F10');
  await waitFor(page, async () => (await stackLine(page)) === before + 1, `F10 from line ${before} to line ${before + 1}`, 30_000);
  // A long value wraps over several spans: read them as one text.
  const shown = await waitFor(page, async () => {
    const v = (await inlineValues(page)).join('');
    return v.includes('[r1] VS0') && v.includes('→ PA 0x90_0000 (C1)') ? v : undefined;
  }, 'an inline value with the translation of [r1]', 20_000).catch(async (e) => { throw new Error(`${e.message}; the editor shows ${JSON.stringify(await inlineValues(page))}`); });
  if (!/r1 = 0x900000/.test(shown)) throw new Error(`no inline value shows r1: ${shown}`);
  await shot('inline-values');
}

/** The active .mover editor's title has the Run/Debug Mover Program button (its menu lists both). */
export async function editorTitleButtonUi(page, shot) {
  const actions = page.locator('.editor-group-container.active .editor-actions');
  const labels = () => actions.evaluate((el) => [...el.querySelectorAll('[aria-label], [title]')].map((e) => `${e.getAttribute('aria-label') ?? ''} ${e.getAttribute('title') ?? ''}`).join(' | '));
  const found = await waitFor(page, async () => ((await labels()).includes('Mover Program') ? true : undefined), 'the editor title\'s Run/Debug Mover Program button', 15_000)
    .catch(() => false);
  if (!found) {
    // The run menu's primary button may be named for the group ("Run or Debug..."): its menu must list ours.
    const shown = await labels();
    const chevron = actions.locator('.codicon-chevron-down, .codicon-dropdown-caret, [aria-label^="Run or Debug"]').first();
    if (!(await chevron.isVisible())) throw new Error(`no Run/Debug button in the editor title: ${shown}`);
    await chevron.click();
    await page.locator('.monaco-menu .action-label', { hasText: 'Debug Mover Program' }).first().waitFor({ timeout: 10_000 })
      .catch(() => { throw new Error(`the editor title's run menu does not list Debug Mover Program (buttons: ${shown})`); });
    await shot('editor-title-run');
    await page.keyboard.press('Escape');
    return;
  }
  await shot('editor-title-run');
}

const BROKEN = 'broken-task.mover';

/** Runs the task `mover: run broken-task.mover` from Tasks: Run Task; its error shows in the Problems view with the matcher's source. */
export async function taskProblemUi(page, ws, shot) {
  writeFileSync(path.join(ws, BROKEN), '; written by test/e2e/ui-workbench.mjs\nstart:\n    mvo r1, 1\n    halt\n');
  await endSession(page);
  // The first list names the task types: pick mover's, then its task for the broken file. The picker
  // waits for every task provider; ask again if it has not come (the palette may have lost the Enter).
  const row = (text) => page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
  await focusEditor(page);
  await waitFor(page, async () => {
    if (!(await page.locator('.quick-input-widget').isVisible())) await runCommand(page, 'Tasks: Run Task');
    return row('mover').waitFor({ timeout: 10_000 }).then(() => true, () => false);
  }, 'the task picker listing mover', 45_000);
  await page.keyboard.type('mover');
  await waitFor(page, async () => (await page.locator('.quick-input-widget .monaco-list-row').first().innerText()).trim().startsWith('mover'), 'the mover task type in the list');
  await page.keyboard.press('Enter');
  await row(`run ${BROKEN}`).waitFor({ timeout: 30_000 });
  await page.keyboard.type(`run ${BROKEN}`);
  await waitFor(page, async () => (await page.locator('.quick-input-widget .monaco-list-row').first().innerText()).includes(`run ${BROKEN}`), `the task run ${BROKEN} first in the list`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 }).catch(() => {});
  // The terminal shows the CLI's report; then the Problems view, opened as a person would (its tab, or Ctrl+Shift+M).
  await page.locator('.terminal-wrapper, .xterm').first().waitFor({ timeout: 30_000 }).catch(() => {});
  await page.locator('.part.panel .composite-bar').getByText('Problems', { exact: true }).first().click({ timeout: 5_000 })
    .catch(() => page.keyboard.press('Control+Shift+M'));
  const rowsOf = '.markers-panel .monaco-list-row, [id="workbench.panel.markers"] .monaco-list-row';
  const problem = page.locator(rowsOf, { hasText: 'unknown instruction mvo' }).filter({ hasText: 'mover CLI' }).first();
  // A task whose terminal output raced its matcher leaves nothing: run it once more (Tasks: Rerun Last Task).
  if (!(await problem.waitFor({ timeout: 30_000 }).then(() => true, () => false))) {
    await runCommand(page, 'Tasks: Rerun Last Task');
    await page.locator('.part.panel .composite-bar').getByText('Problems', { exact: true }).first().click({ timeout: 5_000 }).catch(() => page.keyboard.press('Control+Shift+M'));
  }
  await problem.waitFor({ timeout: 30_000 }).catch(async (e) => {
    const rows = await page.locator(rowsOf).allInnerTexts().catch(() => []);
    throw new Error(`${e.message}; the Problems view shows: ${JSON.stringify(rows)}`);
  });
  const text = await problem.innerText();
  if (!/\[Ln 3, Col 5\]/.test(text)) throw new Error(`the task's problem is not at line 3, column 5: ${text}`);
  await shot('task-problem');
}

/** Welcome: Open Walkthrough... picks the Mover walkthrough; its steps show, and a step's markdown. */
export async function walkthroughUi(page, shot) {
  await runCommand(page, 'Welcome: Open Walkthrough...');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type('Debug a PAE data mover program');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Debug a PAE data mover program' }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.getByText('Break on a VS switch').first().waitFor({ timeout: 30_000 });
  const container = page.locator('.editor-group-container.active').first();
  await waitFor(page, async () => {
    const text = await container.innerText();
    return ['Debug a PAE data mover program', 'Open an example', 'Press F5', 'Break on a VS switch', 'Read a walk', 'Open memory by PA'].every((t) => text.includes(t));
  }, 'the walkthrough and its five steps', 30_000).catch(async (e) => { throw new Error(`${e.message}; it shows: ${(await container.innerText().catch(() => '')).slice(0, 400)}`); });
  // The first step's markdown (a webview) describes FIG. 7's gate.
  await waitFor(page, async () => {
    for (const f of page.frames()) if (await f.evaluate(() => !!document.body && (document.body.textContent ?? '').includes('preemption off (step 91)')).catch(() => false)) return true;
    return false;
  }, 'the step\'s markdown', 30_000);
  await shot('walkthrough');
}

const BAD_LAYOUT = 'bad.layout.json';

/** A layout file with a wrong type: the JSON schema (contributes.jsonValidation) flags it in the Problems view. */
export async function layoutSchemaUi(page, ws, shot) {
  writeFileSync(path.join(ws, BAD_LAYOUT), JSON.stringify({ name: 5, chunks: [], spaces: [] }, null, 2) + '\n');
  await quickOpen(page, BAD_LAYOUT);
  await page.locator('.part.panel .composite-bar').getByText('Problems', { exact: true }).first().click({ timeout: 5_000 })
    .catch(() => page.keyboard.press('Control+Shift+M'));
  const rowsOf = '.markers-panel .monaco-list-row, [id="workbench.panel.markers"] .monaco-list-row';
  // The schema says what "name" must be: VS Code's JSON service words it "Incorrect type. Expected "string"."
  const problem = page.locator(rowsOf, { hasText: 'Incorrect type' }).first();
  await problem.waitFor({ timeout: 30_000 }).catch(async (e) => {
    const rows = await page.locator(rowsOf).allInnerTexts().catch(() => []);
    throw new Error(`${e.message}; the Problems view shows: ${JSON.stringify(rows)}`);
  });
  const text = await problem.innerText();
  if (!/string/.test(text) || !/\[Ln 2, Col 1[0-9]?\]/.test(text)) throw new Error(`the schema's problem is not the name's type at line 2: ${text}`);
  await shot('layout-schema');
}

/** The entries of the context menu that opens on `row` (right click): label and whether it is greyed out. */
async function contextMenu(page, row) {
  await row.click({ button: 'right' });
  const items = page.locator('.context-view .monaco-menu .action-label');
  await items.first().waitFor({ timeout: 15_000 });
  // A disabled entry is greyed: its item carries `disabled` (or aria-disabled).
  return items.evaluateAll((els) => els.map((e) => {
    const item = e.closest('.action-item');
    const disabled = !!item && (item.classList.contains('disabled') || item.getAttribute('aria-disabled') === 'true' || e.classList.contains('disabled'));
    return { label: (e.textContent ?? '').trim(), disabled };
  }).filter((x) => x.label));
}

/**
 * Mover: Compare Across Spaces on 0x2000_0000: the view lists each space's PA, chunk and bytes (the
 * patent layout puts C2, C4 and C5 there); then a right click on its VS1 row (it has a VA and a PA)
 * offers what an address can do. Run while a session is stopped.
 */
export async function addressMenuUi(page, shot) {
  await runCommand(page, 'Mover: Compare Across Spaces');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type('0x2000_0000');
  await acceptQuickInput(page);
  const row = page.locator('.pane-body .monaco-list-row', { hasText: 'PA 0x1_0000_0000 · C4 · separate' }).first();
  await row.waitFor({ timeout: 15_000 }).catch(async (e) => {
    throw new Error(`${e.message}; the Compare Across Spaces view shows: ${JSON.stringify(await page.locator('.pane-body .monaco-list-row').allInnerTexts())}`);
  });
  for (const want of ['PA 0x2000_0000 · C2', 'PA 0x1_d000_0000 · C5']) {
    if (!(await page.locator('.pane-body .monaco-list-row', { hasText: want }).first().isVisible())) throw new Error(`the Compare Across Spaces view does not show ${want}`);
  }
  await shot('view-compare');
  const labels = await contextMenu(page, row);
  await shot('context-menu');
  await page.keyboard.press('Escape');
  const want = ['Open Memory', 'Copy Address', 'Walk This Address', 'Whereis (Every VA of This PA)', 'Compare Across Spaces', 'Add Data Breakpoint'];
  const missing = want.filter((w) => !labels.some((l) => l.label === w));
  const list = labels.map((l) => `${l.label}${l.disabled ? ' (disabled)' : ''}`).join(' | ');
  if (missing.length) throw new Error(`the address's menu lacks ${missing.join(', ')}: it lists ${list}`);
  const disabled = want.filter((w) => labels.some((l) => l.label === w && l.disabled));
  if (disabled.length) throw new Error(`the address's menu greys out ${disabled.join(', ')} while stopped: ${list}`);
}

/**
 * The TLB-coherence sanitizer as a user meets it: the Breakpoints view's "Stale TLB use" box ticked,
 * missing-flush.mover debugged (F5 on entry, F5 again) stops at the stale read; the Call Stack says
 * why, the Problems view lists the finding, and the Machine Diff view shows what changed since the stop
 * on entry (the remapped PTE, the TLB).
 */
export async function sanitizerUi(page, shot) {
  await endSession(page);
  await quickOpen(page, 'missing-flush.mover');
  const header = (name) => page.locator('.pane-header', { hasText: name }).first();
  const expand = async (name) => { const h = header(name); if ((await h.getAttribute('aria-expanded')) !== 'true') await h.click(); };
  // The Run and Debug side bar, with only Breakpoints open (the exception filters are its first rows).
  if (!(await page.locator('.pane-header', { hasText: 'Breakpoints' }).first().isVisible())) await runCommand(page, 'View: Show Run and Debug');
  for (let i = 0; i < 20; i++) {
    const open = page.locator('.sidebar .pane-header[aria-expanded="true"]').first();
    if (!(await open.count())) break;
    await open.click();
  }
  await expand('Breakpoints');
  const filterRow = page.locator('.pane-body .monaco-list-row', { hasText: 'Stale TLB use' }).first();
  await filterRow.waitFor({ timeout: 15_000 });
  // The row's check box (an input VS Code may draw over): ticked through the input itself.
  const box = filterRow.locator('input[type="checkbox"], [role="checkbox"]').first();
  const ticked = () => box.evaluate((e) => e.checked === true || e.getAttribute('aria-checked') === 'true').catch(() => false);
  if (!(await ticked())) await box.click({ force: true });
  await waitFor(page, ticked, 'the Stale TLB use box ticked', 10_000);
  try {
    await page.keyboard.press('F5');
    await page.waitForSelector('.debug-toolbar', { timeout: 60_000 });
    await waitFor(page, async () => (await paused(page)) && (await stackLine(page)) > 0, 'the stop on entry', 60_000);
    const entry = await stackLine(page);
    await page.keyboard.press('F5');
    await waitFor(page, async () => (await paused(page)) && (await stackLine(page)) > 0 && (await stackLine(page)) !== entry, 'the stop at the stale read', 60_000);
    await expand('Call Stack');
    await page.locator('.pane-body', { hasText: 'stale TLB use' }).first().waitFor({ timeout: 15_000 })
      .catch(async (e) => { throw new Error(`${e.message}; the Call Stack shows ${JSON.stringify(await page.locator('.debug-call-stack, .pane-body').first().innerText().catch(() => ''))}`); });
    await page.locator('.part.panel .composite-bar').getByText('Problems', { exact: true }).first().click({ timeout: 5_000 }).catch(() => page.keyboard.press('Control+Shift+M'));
    const finding = page.locator('.markers-panel .monaco-list-row, [id="workbench.panel.markers"] .monaco-list-row', { hasText: 'through a stale TLB entry' }).first();
    await finding.waitFor({ timeout: 30_000 });
    await shot('sanitizer');
    // The Machine Diff since the stop on entry: cpu1's remap of the PTE, what the TLBs filled.
    // Collapse the open panes one at a time (each click changes which headers are open).
    for (let i = 0; i < 20; i++) {
      const open = page.locator('.sidebar .pane-header[aria-expanded="true"]:not([aria-label^="Machine Diff"])').first();
      if (!(await open.count())) break;
      await open.click();
    }
    await expand('Machine Diff');
    for (const want of ['Page tables', 'TLB']) {
      await page.locator('.pane-body .monaco-list-row', { hasText: want }).first().waitFor({ timeout: 30_000 })
        .catch(async (e) => { throw new Error(`${e.message}; the Machine Diff view shows ${JSON.stringify(await page.locator('.pane-body .monaco-list-row').allInnerTexts())}`); });
    }
    await shot('view-machine-diff');
  } finally {
    await endSession(page).catch(() => {});
    await expand('Breakpoints').catch(() => {});
    if (await ticked()) await box.click({ force: true }).catch(() => {});
  }
}
