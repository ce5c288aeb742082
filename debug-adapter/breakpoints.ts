// Breakpoints as the user set them (source lines, labels, instruction addresses), resolved to
// instruction indexes, with conditions, hit counts and log messages checked when one is reached.

import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'node:path';
import type { Program } from '../emulator/index';

export interface Armed {
  readonly id: number;
  readonly pc: number;
  readonly condition?: string;
  readonly hitCondition?: string;
  readonly logMessage?: string;
  /** The machine's clock (instructions retired) at each counted hit: hit counts follow the timeline when it is rewound. */
  hitAt: number[];
  readonly kind: 'source' | 'function' | 'instruction';
}

/** Instruction indexes of each line that holds an instruction, per file. */
export function lineTable(program: Program): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (let pc = 0; pc < program.length; pc++) {
    const file = path.normalize(program.files[program.srcFile[pc]]);
    let m = out.get(file);
    if (!m) out.set(file, (m = new Map()));
    const line = program.srcLine[pc];
    if (!m.has(line)) m.set(line, pc);
  }
  return out;
}

/** The instruction a breakpoint on a (zero-based) line lands on: that line, or the next with code (within 20 lines). */
export function resolveLine(table: Map<string, Map<number, number>>, file: string, line: number): { pc: number; line: number } | undefined {
  const m = table.get(path.normalize(file));
  if (!m) return undefined;
  for (let l = line; l <= line + 20; l++) {
    const pc = m.get(l);
    if (pc !== undefined) return { pc, line: l };
  }
  return undefined;
}

/** Does the hit count satisfy the hit condition ("5", "== 5", ">= 3", "> 2", "% 4")? */
export function hitConditionMet(condition: string, hits: number): boolean | string {
  const m = /^\s*(==|>=|>|<=|<|%)?\s*(\d+)\s*$/.exec(condition);
  if (!m) return `hit condition ${JSON.stringify(condition)}: use N, == N, >= N, > N, < N, <= N or % N`;
  const n = Number(m[2]);
  switch (m[1]) {
    case undefined: case '==': return hits === n;
    case '>=': return hits >= n;
    case '>': return hits > n;
    case '<': return hits < n;
    case '<=': return hits <= n;
    case '%': return n > 0 && hits % n === 0;
  }
  return false;
}

export type SourceBreakpointRequest = DebugProtocol.SourceBreakpoint;
