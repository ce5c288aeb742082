// The HTML shell of a webview: a strict content security policy with a nonce, no remote content, the
// bundled script and the theme's colours.

import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, script: string, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const src = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', script));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${title}</title>
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 4px 8px; }
  .mono { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
  .muted { color: var(--vscode-descriptionForeground); }
  .changed { color: var(--vscode-debugTokenExpression-number, #b5cea8); font-weight: bold; }
  .unreadable { color: var(--vscode-disabledForeground); }
  button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 2px 8px; cursor: pointer; }
  input { background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, transparent); }
  svg text { fill: var(--vscode-foreground); font-size: 11px; }
  svg .chunk { stroke: var(--vscode-foreground); stroke-width: 0.5; cursor: pointer; }
  svg .mapping { stroke: var(--vscode-foreground); stroke-width: 0.5; cursor: pointer; }
  svg .link { opacity: 0.25; }
  svg .marker { stroke: var(--vscode-editorError-foreground, red); stroke-width: 2; }
  svg .cursor { stroke: var(--vscode-editorInfo-foreground, #3794ff); stroke-width: 2; stroke-dasharray: 4 2; }
  .bar { white-space: nowrap; margin-bottom: 2px; }
  .scroll { overflow-x: auto; }
  table.hex { border-collapse: collapse; white-space: pre; }
  td { padding: 0 3px; }
  td.byte { cursor: text; }
  td.gap { padding-left: 10px; }
  td.ascii { padding-left: 12px; }
  /* The memory view (memory.ts): a bar, a hint, a status line, a virtualized grid with its own scrollbar, a struct overlay. */
  input.address { width: 34ch; min-width: 34ch; line-height: 1.5; padding: 1px 4px; }
  input.follow, input.address { box-sizing: content-box; }
  input.follow { width: 18ch; line-height: 1.5; padding: 1px 4px; }
  button.group { min-width: 2.4em; padding: 2px 6px; margin-right: 1px; background: var(--vscode-button-secondaryBackground, #3a3d41); color: var(--vscode-button-secondaryForeground, #fff); }
  button.group.on { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
  button.secondary { background: var(--vscode-button-secondaryBackground, #3a3d41); color: var(--vscode-button-secondaryForeground, #fff); }
  button.small { padding: 0 6px; }
  select.picker { background: var(--vscode-dropdown-background); color: var(--vscode-dropdown-foreground); border: 1px solid var(--vscode-dropdown-border, transparent); max-width: 28ch; }
  .hint { font-size: 90%; margin: 2px 0; }
  .status { margin: 2px 0; }
  .status .following { color: var(--vscode-textLink-foreground); }
  .error, .notice { color: var(--vscode-errorForeground, #f48771); }
  .notice { margin: 2px 0; }
  .frame { display: flex; align-items: flex-start; }
  .grid { outline: none; overflow-x: auto; overflow-y: hidden; white-space: pre; user-select: none; flex: 1 1 auto; min-width: 0; }
  .grid .row > span { flex: none; }
  .grid:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
  .grid .row { height: 18px; line-height: 18px; display: flex; width: max-content; }
  .grid .row.head { color: var(--vscode-descriptionForeground); }
  .memory-bar { white-space: normal; display: flex; flex-wrap: wrap; gap: 3px 4px; align-items: center; }
  .grid .addr { width: 12ch; color: var(--vscode-descriptionForeground); }
  .grid .pa { width: 14ch; color: var(--vscode-debugTokenExpression-number, #b5cea8); }
  .grid .band { width: 4ch; margin-right: 1ch; padding-left: 3px; font-size: 85%; border-left: 4px solid transparent; overflow: hidden; }
  .grid .band.c0 { border-left-color: var(--vscode-charts-blue, #3794ff); background: color-mix(in srgb, var(--vscode-charts-blue, #3794ff) 18%, transparent); }
  .grid .band.c1 { border-left-color: var(--vscode-charts-green, #89d185); background: color-mix(in srgb, var(--vscode-charts-green, #89d185) 18%, transparent); }
  .grid .band.c2 { border-left-color: var(--vscode-charts-yellow, #cca700); background: color-mix(in srgb, var(--vscode-charts-yellow, #cca700) 18%, transparent); }
  .grid .band.c3 { border-left-color: var(--vscode-charts-orange, #d18616); background: color-mix(in srgb, var(--vscode-charts-orange, #d18616) 18%, transparent); }
  .grid .band.c4 { border-left-color: var(--vscode-charts-purple, #b180d7); background: color-mix(in srgb, var(--vscode-charts-purple, #b180d7) 18%, transparent); }
  .grid .band.c5 { border-left-color: var(--vscode-charts-red, #f14c4c); background: color-mix(in srgb, var(--vscode-charts-red, #f14c4c) 18%, transparent); }
  .grid .cell { text-align: center; cursor: text; margin-right: 1ch; }
  .grid .cell.w1 { width: 2ch; } .grid .cell.w2 { width: 4ch; } .grid .cell.w4 { width: 8ch; } .grid .cell.w8 { width: 16ch; }
  .grid .cell.gap { margin-left: 1ch; }
  .grid .cell.selected { outline: 1px solid var(--vscode-focusBorder, #007fd4); background: var(--vscode-editor-selectionBackground); }
  .grid .cell.editing { background: var(--vscode-inputValidation-infoBackground, #063b49); }
  .grid .cell.followed { text-decoration: underline; text-decoration-color: var(--vscode-textLink-foreground); }
  .grid .ov0 { background: color-mix(in srgb, var(--vscode-charts-purple, #b180d7) 22%, transparent); }
  .grid .ov1 { background: color-mix(in srgb, var(--vscode-charts-blue, #3794ff) 22%, transparent); }
  .grid .ov-start { box-shadow: inset 2px 0 0 var(--vscode-charts-purple, #b180d7); }
  .grid .ascii { margin-left: 1ch; }
  .grid .row.dim, .grid.stale .row { opacity: 0.55; }
  .track { flex: none; width: 10px; position: relative; margin-left: 4px; background: var(--vscode-scrollbarSlider-background, rgba(121,121,121,0.2)); cursor: pointer; }
  .thumb { position: absolute; left: 0; right: 0; background: var(--vscode-scrollbarSlider-activeBackground, rgba(191,191,191,0.4)); border-radius: 2px; }
  .overlay { margin-top: 6px; max-height: 40vh; overflow: auto; border-top: 1px solid var(--vscode-panel-border, #444); padding-top: 4px; }
  .overlay table.fields { border-collapse: collapse; }
  .overlay th { text-align: left; color: var(--vscode-descriptionForeground); font-weight: normal; padding: 0 8px 0 0; }
  .overlay td { padding: 0 8px 0 0; cursor: pointer; }
  .overlay tr.ov0 td.name { border-left: 3px solid var(--vscode-charts-purple, #b180d7); padding-left: 4px; }
  .overlay tr.ov1 td.name { border-left: 3px solid var(--vscode-charts-blue, #3794ff); padding-left: 4px; }
  a.pointer { color: var(--vscode-textLink-foreground); }
</style>
</head>
<body>
<div id="root" class="muted">Start debugging a mover script to see the machine.</div>
<script nonce="${nonce}" src="${src}"></script>
</body>
</html>`;
}
