// Inline values while a Mover session is stopped: at the end of each instruction line of the current
// routine (from its label down to the stop) the values of the registers the line uses, and on the
// stopped line, for each memory operand, where its address goes: the VA in the thread's space, its PA
// and chunk (or the fault) and whether the processor's TLB holds it. Values come from the adapter's
// evaluate (the stopped frame's registers) and the `mover/thread` and `mover/walk` custom requests.

import * as vscode from 'vscode';
import type { MoverSessions } from './session-state';
import { instructionOperands } from './program-outline';

/** A label at the start of a line (a routine's start), not a local one. */
const LABEL_LINE = /^\s*[A-Za-z_][\w$]*:/;

export class MoverInlineValues implements vscode.InlineValuesProvider {
  constructor(private readonly sessions: MoverSessions) {}

  async provideInlineValues(doc: vscode.TextDocument, viewPort: vscode.Range, context: vscode.InlineValueContext, token?: vscode.CancellationToken): Promise<vscode.InlineValue[]> {
    const session = this.sessions.stoppedSession;
    if (!session) return [];
    const stop = context.stoppedLocation.start.line;
    let first = stop;
    while (first > viewPort.start.line && !LABEL_LINE.test(doc.lineAt(first).text)) first--;
    const values = new Map<string, string | undefined>();
    const value = async (expression: string): Promise<string | undefined> => {
      if (!values.has(expression)) {
        try {
          const r = await session.customRequest('evaluate', { expression, frameId: context.frameId, context: 'clipboard' }) as { result: string };
          values.set(expression, r.result);
        } catch { values.set(expression, undefined); }
      }
      return values.get(expression);
    };
    const out: vscode.InlineValue[] = [];
    for (let line = first; line <= Math.min(stop, viewPort.end.line); line++) {
      // The session moved on (a step, the end): these values are old.
      if (token?.isCancellationRequested || this.sessions.stoppedSession !== session) return [];
      const text = doc.lineAt(line).text;
      const ops = instructionOperands(text, line);
      if (!ops) continue;
      const parts: string[] = [];
      for (const r of ops.registers) {
        const v = await value(r);
        if (v !== undefined) parts.push(`${r} = ${v}`);
      }
      if (line === stop) for (const m of ops.memory) parts.push(await this.translation(m.expression, await value(m.expression)));
      if (parts.length) out.push(new vscode.InlineValueText(new vscode.Range(line, text.length, line, text.length), parts.join(', ')));
    }
    return out;
  }

  /** `[expr] VS1 0x2000_0000 → PA 0x1_0000_0000 (C4) · TLB hit`, or the fault. */
  private async translation(expression: string, va: string | undefined): Promise<string> {
    if (va === undefined) return `[${expression}] ?`;
    const item = vscode.debug.activeStackItem;
    const threadId = item instanceof vscode.DebugStackFrame || item instanceof vscode.DebugThread ? item.threadId : undefined;
    const place = await this.sessions.request('mover/thread', threadId !== undefined ? { threadId } : {});
    if (!place) return `[${expression}] ${va}`;
    const w = await this.sessions.request('mover/walk', { va, space: place.space, cpu: place.cpu });
    if (!w) return `[${expression}] ${place.space} ${va}`;
    if (!w.ok) return `[${expression}] ${place.space} ${w.va} → ${w.fault ?? 'not mapped'}`;
    const tlb = w.tlb.find((t) => t.cpu === place.cpu && t.space === place.space);
    const held = tlb ? ` · cpu${place.cpu} TLB ${tlb.held ? (tlb.stale ? 'STALE' : 'hit') : 'miss'}` : '';
    return `[${expression}] ${place.space} ${w.va} → PA ${w.pa}${w.chunk ? ` (${w.chunk})` : ''}${held}`;
  }
}
