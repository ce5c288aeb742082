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
</style>
</head>
<body>
<div id="root" class="muted">Start debugging a mover script to see the machine.</div>
<script nonce="${nonce}" src="${src}"></script>
</body>
</html>`;
}
