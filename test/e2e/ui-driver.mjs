/* global document */
// Driving the real VS Code page as a person would, waiting on what the page shows rather than on time:
// the command palette, the debug toolbar and stack frame, the Debug Console.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Polls `probe` (an async function) until it returns a truthy value; throws `what` after `timeout` ms. */
export async function waitFor(page, probe, what, timeout = 15_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`waited ${timeout} ms for ${what}`);
    await page.waitForTimeout(100);
  }
}

/**
 * Runs a command from the command palette by its title, once the palette lists a match (its own title,
 * or the command VS Code offers for it, as "Close Secondary Side Bar" finds "Toggle Secondary Side Bar").
 */
/**
 * Presses Enter in the open quick input (palette, Go to Line, Quick Open, an input box) until it takes
 * it: the widget closes, or shows another picker (a command that asks next). A key can be lost while the
 * workbench is busy; Enter is pressed again only while the same input still shows the same text, so a
 * late first press never reaches the editor or the next picker.
 */
export async function acceptQuickInput(page) {
  const widget = page.locator('.quick-input-widget');
  const input = page.locator('.quick-input-widget input');
  const state = async () => `${await input.getAttribute('aria-label').catch(() => '')}\n${await input.inputValue().catch(() => '')}`;
  const before = await state();
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Enter');
    const taken = await waitFor(page, async () => !(await widget.isVisible()) || (await state()) !== before, 'the quick input to take Enter', 5_000).then(() => true, () => false);
    if (taken) return;
  }
  throw new Error(`the quick input did not take Enter: ${before}`);
}

/**
 * Gives the keyboard back to the active editor: after the Test Explorer the Test Results terminal keeps
 * the focus, and the workbench's keys (F1, Ctrl+P) do not reach the workbench from there.
 */
export async function focusEditor(page) {
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click({ timeout: 10_000 }).catch(() => {});
}

/** Opens a workspace file with Quick Open (Ctrl+P), asking again while a new file is not listed yet. */
export async function quickOpen(page, name) {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
  await waitFor(page, async () => {
    if (await input.isVisible()) { await page.keyboard.press('Escape'); await input.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {}); }
    await focusEditor(page);
    await page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await page.keyboard.type(name);
    return row.waitFor({ timeout: 5_000 }).then(() => true, () => false);
  }, `Quick Open to list ${name}`, 45_000);
  await acceptQuickInput(page);
  // Its tab, clicked: its group becomes the active one (F5 debugs the active editor's file).
  const tab = page.locator(`.tab.active[aria-label*="${name}"]`).first();
  await tab.waitFor({ timeout: 30_000 });
  await tab.click();
  await page.locator(`.editor-group-container.active .tab.active[aria-label*="${name}"]`).first().waitFor({ timeout: 10_000 });
}

export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type(title);
  // The palette ranks by fuzzy match and recent use: "Tasks: Run Task" may come after "Tasks: Restart
  // Running Task". Pick the row whose label is exactly the title.
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  const typed = Date.now();
  const index = await waitFor(page, async () => {
    if (!(await input.inputValue()).endsWith(title)) return undefined;
    const labels = await rows.locator('.label-name').allInnerTexts().catch(() => []);
    const k = labels.findIndex((l) => l.trim() === title);
    if (k >= 0) return k + 1;
    // No row named exactly so (a command VS Code lists under another name): the best match, first.
    return (labels.length === 0 || Date.now() - typed > 3_000) && (await rows.count()) > 0 ? 1 : undefined;
  }, `the palette to list ${title}`);
  for (let k = 1; k < index; k++) await page.keyboard.press('ArrowDown');
  await acceptQuickInput(page);
}

/**
 * Go to Line (Ctrl+G): Enter only once the widget offers the line (an Enter pressed while it is still
 * taking the typed number is lost on a busy machine), then until the widget has closed (Enter again if not).
 */
export async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type(String(line));
  await waitFor(page, async () => (await input.inputValue()).endsWith(String(line)) && (await page.locator('.quick-input-widget .monaco-list-row', { hasText: `line ${line}` }).count()) > 0, `Go to Line to offer line ${line}`);
  await acceptQuickInput(page);
}

/** Runs in the page: the 1-based line of the top stack frame in the active editor (the yellow arrow), or 0. */
export function topFrameLineInPage() {
  const editor = document.querySelector('.editor-group-container.active .monaco-editor');
  const glyph = editor?.querySelector('.codicon-debug-stackframe, .codicon-debug-stackframe-focused');
  if (!editor || !glyph) return 0;
  const top = glyph.getBoundingClientRect().top;
  for (const n of editor.querySelectorAll('.line-numbers')) {
    const r = n.getBoundingClientRect();
    if (Math.abs(r.top - top) < r.height / 2) return Number(n.textContent);
  }
  return 0;
}

/** The 1-based line of the top stack frame in the active editor (the yellow arrow), or 0. */
export async function stackLine(page) {
  return page.evaluate(topFrameLineInPage);
}

/** True when the session is paused (the toolbar offers Continue). */
export async function paused(page) {
  return page.locator('.debug-toolbar .codicon-debug-continue').isVisible();
}

/** Presses a stepping key, or a debug toolbar button by its codicon (e.g. 'debug-step-back'), and waits until the stop lands on another line. */
export async function step(page, how) {
  const before = await stackLine(page);
  if (how.startsWith('debug-')) await page.locator(`.debug-toolbar .codicon-${how}`).click();
  else await page.keyboard.press(how);
  await waitFor(page, async () => (await paused(page)) && (await stackLine(page)) > 0 && (await stackLine(page)) !== before, `${how} to leave line ${before}`);
}

/** The text of every line the Debug Console shows. */
export async function consoleLines(page) {
  return page.locator('.repl .monaco-list-row').allInnerTexts();
}

/** Opens the Debug Console, types an expression, and waits for a new line after it; returns the lines. */
export async function consoleEval(page, expression, expect) {
  await runCommand(page, 'Debug: Focus on Debug Console View');
  const input = page.locator('.repl-input-wrapper .monaco-editor');
  await input.waitFor({ timeout: 15_000 });
  await input.click();
  await page.keyboard.type(expression);
  await page.keyboard.press('Enter');
  return waitFor(page, async () => {
    const lines = await consoleLines(page);
    return lines.some((l) => expect.test(l)) ? lines : undefined;
  }, `the Debug Console to show ${expect} after ${expression}`);
}

/** Ends any session, opens an example, sets a breakpoint on the line holding `marker` (F9) and starts debugging (F5); returns the line. */
export async function stopAt(page, ws, name, marker) {
  await endSession(page);
  const line = readFileSync(path.join(ws, 'examples', name), 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;
  if (line < 1) throw new Error(`no line with ${marker} in ${name}`);
  await quickOpen(page, name);
  const cursorLine = async () => Number(await page.locator('.editor-group-container.active .monaco-editor .line-numbers.active-line-number').first().textContent().catch(() => ''));
  // Go to the line (Ctrl+G), and check the cursor got there before toggling the breakpoint (F9) on it.
  await goToLine(page, line);
  await waitFor(page, async () => (await cursorLine()) === line, `${name}: the cursor on line ${line}`);
  const glyphs = page.locator('.editor-group-container.active .monaco-editor .codicon-debug-breakpoint');
  const before = await glyphs.count();
  await page.keyboard.press('F9');
  await waitFor(page, async () => (await glyphs.count()) > before, `${name}: F9 to show a breakpoint on line ${line}`);
  await page.keyboard.press('F5');
  await page.waitForSelector('.debug-toolbar', { timeout: 60_000 });
  // F5 with no launch.json stops on entry first; continue until the stop is on the breakpoint's line.
  for (let i = 0; ; i++) {
    const at = await waitFor(page, async () => (await paused(page)) && (await stackLine(page)), `${name}: a stop`, 60_000);
    if (at === line) break;
    if (i === 3) throw new Error(`${name}: stopped at line ${at}, not at the breakpoint on line ${line}`);
    await page.keyboard.press('F5');
    await waitFor(page, async () => (await stackLine(page)) !== at, `${name}: F5 to leave line ${at}`, 60_000);
  }
  // The breakpoint's glyph stays on the line the program stopped at.
  const marks = await page.locator('.editor-group-container.active .monaco-editor [class*="codicon-debug-breakpoint"]').count();
  if (marks < 1) throw new Error(`${name}: no breakpoint glyph in the editor at the stop`);
  return line;
}

/**
 * Ends the debug session, if any, and waits until the toolbar is gone. Through the palette's Debug:
 * Stop, not Shift+F5: a webview with the focus (the chunk map, a memory view) keeps the key.
 */
export async function endSession(page) {
  if (!(await page.locator('.debug-toolbar').isVisible())) return;
  await page.keyboard.press('Shift+F5');
  if (await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false)) return;
  await focusEditor(page);
  await runCommand(page, 'Debug: Stop');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
}
