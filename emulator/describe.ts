// Plain-language descriptions of stops and faults, shared by the CLI and the debugger.

import { hex } from './hex';
import type { RuntimeFault, StopReason } from './interp/stop';
import type { Program } from './asm/program';
import * as path from 'node:path';

const ERROR_BITS: [number, string][] = [[1, 'P'], [2, 'W'], [4, 'U'], [8, 'RSVD']];

export function describeErrorCode(code: number): string {
  const bits = ERROR_BITS.filter(([b]) => code & b).map(([, n]) => n);
  return `${hex(code)}${bits.length ? ` (${bits.join('|')})` : ''}`;
}

export function describeFault(f: RuntimeFault): string {
  switch (f.kind) {
    case 'page-fault': {
      const why = f.reason === 'not-present' ? `not present${f.level ? ` at the ${f.level}` : ''}` : f.reason === 'reserved-bit' ? `reserved bit set${f.level ? ` in the ${f.level}` : ''}` : f.reason === 'write-protect' ? 'write to a read-only page' : 'supervisor page from user mode';
      return `page fault: ${f.write ? 'write' : 'read'} of ${hex(f.va, 8)} in ${f.space}: ${why}; CR2 = ${hex(f.va, 8)}, error code ${describeErrorCode(f.errorCode)}`;
    }
    case 'general-protection': return `general protection fault: ${f.message}`;
    case 'divide-error': return 'divide error: division by zero';
    case 'assert': return `assertion failed: ${f.message} (got ${hex(Number(f.actual))}, expected ${hex(Number(f.expected))})`;
    case 'io-error': return `block I/O error: ${f.message}`;
    case 'bad-jump': return `jump to ${hex(f.target)}, which is not an instruction of this program`;
    case 'preempt-underflow': return 'preemption count would go below zero (preempt.on or spin.unlock without a matching off/lock)';
    case 'double-fault': return `double fault: the page-fault handler could not be entered (${describeFault(f.first)})`;
    case 'iret-outside-handler': return 'iret outside a page-fault handler';
    case 'ran-off-the-end': return 'ran off the end of the program after its last instruction (end with halt, or jump back)';
  }
}

export function sourceLocation(program: Program, pc: number): string {
  if (pc < 0 || pc >= program.length) return `text ${hex(pc * 4)}`;
  return `${path.basename(program.files[program.srcFile[pc]])}:${program.srcLine[pc] + 1}`;
}

/** One line a person can read: "Switched VS0 -> VS1 (CR3 0xef00_0000) at gate.mover:31". */
export function describeStop(s: StopReason, program: Program): string {
  switch (s.kind) {
    case 'halted': return 'every thread has halted';
    case 'budget': return 'the instruction budget ran out';
    case 'step': return `step done at ${sourceLocation(program, s.pc)}`;
    case 'breakpoint': return `breakpoint at ${sourceLocation(program, s.pc)}`;
    case 'watchpoint': return `${s.hit.access} of ${hex(s.hit.va, 8)} (PA ${hex(s.hit.pa)}) in ${s.hit.space} hit watchpoint ${s.hit.id} at ${sourceLocation(program, s.pc)}`;
    case 'fault':
      // Past the last instruction there is no line: name the last one.
      if (s.fault.kind === 'ran-off-the-end') return `ran off the end of the program after its last instruction, at ${sourceLocation(program, program.length - 1)} (end with halt, or jump back)`;
      return `${describeFault(s.fault)} at ${sourceLocation(program, s.pc)}`;
    case 'fault-handled': return `${describeFault(s.fault)} at ${sourceLocation(program, s.faultingPc)}, handled at ${sourceLocation(program, s.pc)}`;
    case 'vs-switch': return `Switched ${s.from} -> ${s.to} (${s.toPaging ? `CR3 ${hex(s.toCr3)}` : 'paging off'}) at ${sourceLocation(program, s.pc)}`;
    case 'tlb-miss': return `TLB miss on ${hex(s.va, 8)} in ${s.space} at ${sourceLocation(program, s.pc)}`;
    case 'tlb-stale': return `stale TLB use: ${s.finding.message}`;
    case 'event': return s.name === 'cofw' ? `copy-on-first-write: block ${s.a} copied to save block ${s.b}` : `event ${s.name} (${s.a}, ${s.b}) at ${sourceLocation(program, s.pc)}`;
  }
}
