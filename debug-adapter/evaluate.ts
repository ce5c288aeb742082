// The evaluate request (debug console, watches, hovers, clipboard) and console completions. In the
// console an assignment (`r9 = 5`, `[vs1:0x2000_0000]:64 = 1`) sets a register or memory. A hover on
// an address answers with its value and one child per space: PA, chunk, the word there, each TLB. A
// code label is described as code.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { hex, type Program } from '../emulator/index';
import { ConsoleError, completions, runCommand } from './console-commands';
import { evaluateExpression, type EvalContext } from './evaluator';
import { ErrorCode } from './protocol';
import { RequestError } from './request';
import type { MoverRuntime } from './runtime';
import { addressRef, type Container } from './variables';

export interface EvaluateHost {
  /** A variables handle for children of the result. */
  handle(c: Container): number;
  /** Sets a register or memory, as setExpression does. */
  assign(target: string, value: string): { value: string };
}

/** Errors of evaluate are shown where the expression was typed, not as notifications. */
const inPlace = (message: string) => new RequestError(ErrorCode.BadArguments, message, { showUser: false });

/** `target = value` at the top level (not ==, <=, >=, !=). */
const ASSIGNMENT = /^\s*((?:[A-Za-z_]\w*\s*:\s*)?\[.+\](?:\s*:\s*\d+)?|[A-Za-z_]\w*)\s*=(?!=)\s*(.+)$/s;

export function evaluate(rt: MoverRuntime, program: Program, ctx: EvalContext, a: DebugProtocol.EvaluateArguments, host: EvaluateHost): DebugProtocol.EvaluateResponse['body'] {
  if (typeof a.expression !== 'string') throw inPlace('evaluate needs an expression');
  if (a.context === 'repl' || a.context === undefined) {
    try {
      const out = runCommand(a.expression, ctx);
      if (out !== undefined) return { result: out, variablesReference: 0 };
    } catch (e) {
      if (e instanceof ConsoleError) throw inPlace(e.message);
      throw e;
    }
    const assignment = ASSIGNMENT.exec(a.expression);
    if (assignment) {
      try {
        return { result: host.assign(assignment[1], assignment[2]).value, variablesReference: 0 };
      } catch (e) {
        if (e instanceof RequestError) throw inPlace(e.message);
        throw e;
      }
    }
  }
  const name = a.expression.trim();
  const codeAt = program.labels.get(name);
  if (codeAt !== undefined && a.context === 'hover') {
    const file = program.files[program.srcFile[codeAt]];
    return { result: `code label ${name}: instruction ${codeAt} (text ${hex(codeAt * 4)}), ${file.slice(file.lastIndexOf('/') + 1)}:${program.srcLine[codeAt] + 1}`, variablesReference: 0 };
  }
  const r = evaluateExpression(a.expression, ctx);
  if (!r.ok) {
    if (a.context === 'hover') return { result: '', variablesReference: 0 };
    throw inPlace(r.message);
  }
  const v = r.value;
  // An object's name is a VA in the object's own space, not the current one.
  const object = program.objects.find((o) => o.name === name);
  const space = object ? object.space : ctx.thread ? rt.spaceOf(ctx.thread.cpu) : 'PA';
  const ref = addressRef(space, v);
  if (a.context === 'clipboard') return { result: `0x${v.toString(16)}`, variablesReference: 0 };
  const result = `0x${v.toString(16)} (${v.toString()})`;
  // A hover on a 32-bit value opens into where it lands in every space.
  const children = a.context === 'hover' && v < 1n << 32n && codeAt === undefined ? host.handle({ kind: 'spaces', va: Number(v) }) : 0;
  return { result, variablesReference: children, ...(ref ? { memoryReference: ref } : {}) };
}

export function complete(ctx: EvalContext | null, a: DebugProtocol.CompletionsArguments): DebugProtocol.CompletionsResponse['body'] {
  if (typeof a.text !== 'string') throw inPlace('completions needs text');
  if (!ctx) return { targets: [] };
  const upTo = a.text.slice(0, Math.max(0, (a.column ?? a.text.length + 1) - 1));
  const word = /[\w.$]*$/.exec(upTo)?.[0] ?? '';
  return { targets: completions(upTo, ctx).map((label) => ({ label, start: upTo.length - word.length, length: word.length })) };
}
