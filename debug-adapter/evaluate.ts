// The evaluate request (debug console, watches, hovers, clipboard) and console completions. A hover on
// an address answers with where it lands in every space: PA, chunk, the word there, each TLB.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { describeWalkFault, hex, translate, type Program } from '../emulator/index';
import { completions, evaluateExpression, runCommand, type EvalContext } from './evaluator';
import { readRef } from './memory-ref';
import { bad } from './request';
import type { MoverRuntime } from './runtime';
import { addressRef } from './variables';

export function evaluate(rt: MoverRuntime, program: Program, ctx: EvalContext, a: DebugProtocol.EvaluateArguments): DebugProtocol.EvaluateResponse['body'] {
  if (typeof a.expression !== 'string') throw bad('evaluate needs an expression');
  if (a.context === 'repl' || a.context === undefined) {
    const out = runCommand(a.expression, ctx);
    if (out !== undefined) return { result: out, variablesReference: 0 };
  }
  const r = evaluateExpression(a.expression, ctx);
  if (!r.ok) {
    if (a.context === 'hover') return { result: '', variablesReference: 0 };
    throw bad(r.message);
  }
  const v = r.value;
  // An object's name is a VA in the object's own space, not the current one.
  const object = program.objects.find((o) => o.name === a.expression.trim());
  const space = object ? object.space : ctx.thread ? rt.spaceOf(ctx.thread.cpu) : 'PA';
  const ref = addressRef(space, v);
  let result = `0x${v.toString(16)} (${v.toString()})`;
  if (a.context === 'hover' && v < 1n << 32n) result += '\n' + everySpace(rt, Number(v)).join('\n');
  if (a.context === 'clipboard') result = `0x${v.toString(16)}`;
  return { result, variablesReference: 0, ...(ref ? { memoryReference: ref } : {}) };
}

/**
 * For each space: where the address lands, what each processor running there holds in its TLB, and
 * the word stored there (read through the page tables, without side effects).
 */
function everySpace(rt: MoverRuntime, va: number): string[] {
  return rt.machine.spaces.map((s) => {
    const t = translate(rt.machine, { space: s.name }, va);
    if (!t.ok) return `${s.name}: not mapped (${describeWalkFault(t.fault!, false)})`;
    const word = readRef(rt.interp, { space: 'PA', address: t.pa! }, 0, 4).data;
    const value = word.length === 4 ? ` = ${hex(new DataView(word.buffer, word.byteOffset, 4).getUint32(0, true))}` : '';
    // Only processors running in this space with paging on use a TLB for it.
    const tlb = t.paging ? t.tlb.filter((h) => h.space === s.name).map((h) => `cpu${h.cpu} TLB ${h.held ? (h.stale ? 'STALE' : 'hit') : 'miss'}`).join(', ') : '';
    return `${s.name}: ${hex(t.pa!)}${t.chunk ? ` (${t.chunk.name})` : ''}${value}${tlb ? `  [${tlb}]` : ''}`;
  });
}

export function complete(ctx: EvalContext | null, a: DebugProtocol.CompletionsArguments): DebugProtocol.CompletionsResponse['body'] {
  if (typeof a.text !== 'string') throw bad('completions needs text');
  if (!ctx) return { targets: [] };
  const upTo = a.text.slice(0, Math.max(0, (a.column ?? a.text.length + 1) - 1));
  const word = /[\w.$]*$/.exec(upTo)?.[0] ?? '';
  return { targets: completions(upTo, ctx).map((label) => ({ label, start: upTo.length - word.length, length: word.length })) };
}
