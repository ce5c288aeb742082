// Live hovers in .mover files while a Mover session is stopped: for a number, label, constant or
// register, its value and its translation in every space (PA, chunk, TLB on each processor, mapped or
// not) with the 32-bit value stored there. (When not debugging, the language server's hover gives the
// static layout's translation.)

import * as vscode from 'vscode';
import type { MoverSessions } from './session-state';

const WORD = /(?:(?:vs\d+|pa):)?0[xX][0-9A-Fa-f_]+|\b\d[\d_]*\b|\.?[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*/;

export class LiveHoverProvider implements vscode.HoverProvider {
  constructor(private readonly sessions: MoverSessions) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const session = this.sessions.stoppedSession;
    if (!session) return undefined;
    const range = doc.getWordRangeAtPosition(pos, WORD);
    if (!range) return undefined;
    const word = doc.getText(range);
    const md = await describeAddress(session, this.sessions, word);
    return md ? new vscode.Hover(md, range) : undefined;
  }
}

/** Markdown describing `expression` as an address in every space; undefined when it has no value. */
export async function describeAddress(session: vscode.DebugSession, sessions: MoverSessions, expression: string): Promise<vscode.MarkdownString | undefined> {
  const frameId = vscode.debug.activeStackItem instanceof vscode.DebugStackFrame ? vscode.debug.activeStackItem.frameId : undefined;
  let value: bigint;
  try {
    const r = await session.customRequest('evaluate', { expression: expression.replace(/^(?:vs\d+|pa):/i, ''), context: 'watch', ...(frameId !== undefined ? { frameId } : {}) }) as { result: string };
    const m = /^0x([0-9a-f]+)/i.exec(r.result);
    if (!m) return undefined;
    value = BigInt('0x' + m[1]);
  } catch {
    return undefined;
  }
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['mover.compareAcrossSpaces'] };
  md.appendMarkdown(`**${escape(expression)}** = \`0x${value.toString(16)}\` (${value})  \n`);
  if (value >= 1n << 32n) {
    md.appendMarkdown('a physical address (above 4 GiB, not a virtual one)');
    return md;
  }
  const layout = await sessions.request('mover/layout', {});
  if (!layout) return md;
  const va = '0x' + value.toString(16);
  md.appendMarkdown('\n| space | PA | chunk | TLB | value |\n|---|---|---|---|---|\n');
  for (const s of layout.spaces) {
    const w = await sessions.request('mover/walk', { va, space: s.name });
    if (!w) continue;
    let stored = '';
    if (w.ok) {
      try {
        const r = await session.customRequest('readMemory', { memoryReference: `${s.name.toLowerCase()}:${va}`, count: 4 }) as { data?: string };
        const b = Buffer.from(r.data ?? '', 'base64');
        if (b.length === 4) stored = '`0x' + b.readUInt32LE(0).toString(16) + '`';
      } catch { /* unreadable: leave empty */ }
    }
    const tlb = w.tlb.filter((t) => t.space === s.name).map((t) => `cpu${t.cpu} ${t.held ? (t.stale ? 'STALE' : 'hit') : 'miss'}`).join(', ') || '—';
    md.appendMarkdown(`| ${escape(s.name)} | ${w.ok ? `\`${w.pa}\`` : `not mapped (${escape(w.fault ?? '')})`} | ${escape(w.chunk ?? '')} | ${tlb} | ${stored} |\n`);
  }
  md.appendMarkdown(`\n[Compare across spaces](command:mover.compareAcrossSpaces?${encodeURIComponent(JSON.stringify([va]))} "The bytes at this VA in every space, side by side")`);
  return md;
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => '\\' + c);
}
