// Shared helpers for the assembler and interpreter tests: assemble a source text (includes come from
// an in-memory file map, then lib/), boot a machine, run to a stop, read registers as BigInts.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  Interpreter, Machine, assemble, nodeSourceHost, translate, validateLayout,
  type AssemblyResult, type Diagnostic, type InterpreterOptions, type Layout, type Program, type StopReason,
} from '../../emulator/index';

export const ROOT = path.resolve(__dirname, '..', '..');
export const LIB = path.join(ROOT, 'lib');
/** Virtual folder of the in-memory sources. */
export const SRC_DIR = '/virtual';
export const MAIN = path.join(SRC_DIR, 'main.mover');

/** Every opcode of every program assembled through `build` in this process (for coverage checks). */
export const opcodesSeen = new Set<number>();

export interface BuildOptions {
  /** Other files by base name, visible to .include. */
  readonly files?: Readonly<Record<string, string>>;
  readonly layout?: Layout;
}

export function assembleText(src: string, opts: BuildOptions = {}): AssemblyResult {
  const files = opts.files ?? {};
  const host = {
    readFile(file: string): string | undefined {
      if (path.dirname(file) === SRC_DIR) return file === MAIN ? src : files[path.basename(file)];
      return nodeSourceHost.readFile(file);
    },
    unreadable: (file: string) => (path.dirname(file) === SRC_DIR ? undefined : nodeSourceHost.unreadable?.(file)),
  };
  return assemble(MAIN, src, { host, includePath: [LIB], ...(opts.layout ? { layout: opts.layout } : {}) });
}

/** `file:line:col: message`, one-based like the CLI. */
export function formatDiag(d: Diagnostic, files: readonly string[]): string {
  return `${path.basename(files[d.span.file] ?? '?')}:${d.span.line + 1}:${d.span.col + 1}: ${d.message}`;
}

/** Assembles and insists on no diagnostics. */
export function build(src: string, opts: BuildOptions = {}): Program {
  const r = assembleText(src, opts);
  assert.deepEqual(r.diagnostics.map((d) => formatDiag(d, r.files)), [], 'the program assembles without diagnostics');
  assert.ok(r.program);
  for (let i = 0; i < r.program.length; i++) opcodesSeen.add(r.program.code[i * 8]);
  return r.program;
}

export interface RunOptions extends BuildOptions, InterpreterOptions {
  readonly cpus?: number;
}

export interface Session {
  readonly program: Program;
  readonly machine: Machine;
  readonly interp: Interpreter;
}

export function load(src: string, opts: RunOptions = {}): Session {
  const program = build(src, opts);
  const machine = new Machine({ cpus: opts.cpus ?? 1, ...(opts.layout ? { layout: opts.layout } : {}) });
  const interp = new Interpreter(machine, program, {
    ...(opts.timerQuantum !== undefined ? { timerQuantum: opts.timerQuantum } : {}),
    ...(opts.interleave !== undefined ? { interleave: opts.interleave } : {}),
    ...(opts.logLimit !== undefined ? { logLimit: opts.logLimit } : {}),
  });
  return { program, machine, interp };
}

/** Runs to the first stop (budget 100k instructions). */
export function run(src: string, opts: RunOptions & { budget?: number } = {}): Session & { stop: StopReason } {
  const s = load(src, opts);
  const stop = s.interp.run(opts.budget ?? 100_000);
  return { ...s, stop };
}

/** Runs a program that must halt; returns registers r0..r15 of thread 0 as BigInts. */
export function regsAfter(src: string, opts: RunOptions = {}): bigint[] & { session: Session } {
  const s = run(src, opts);
  assert.deepEqual(s.stop, { kind: 'halted' }, 'the program halts');
  const regs = Array.from({ length: 16 }, (_, r) => s.interp.register(s.interp.threads[0], r)) as bigint[] & { session: Session };
  regs.session = s;
  return regs;
}

/** A 64-bit two's-complement value of a (possibly negative) number. */
export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** Lines that put cpu0's thread in a paged space: CR3 first, then CR0.PG ([00043]). Clobbers r14. */
export function enter(space: 'VS1' | 'VS2'): string {
  return `
    mov r14, ${space}_CR3
    mov cr3, r14
    mov r14, cr0
    or r14, r14, CR0_PG
    mov cr0, r14`;
}

export function layoutOf(spec: unknown): Layout {
  const r = validateLayout(spec);
  if (!r.ok) assert.fail(`layout should be valid: ${JSON.stringify(r.problems)}`);
  return r.layout;
}

/** Physical address of the PTE that maps `va` in a space (read with the side-effect-free walk). */
export function pteAddress(machine: Machine, space: string, va: number): number {
  const t = translate(machine, { space }, va);
  const pte = t.levels.find((l) => l.level === 'PTE');
  assert.ok(pte, `${space} maps ${va.toString(16)} with a page table`);
  return pte.entryAddress;
}

/** Instruction index of the first instruction whose canonical text starts with `text`. */
export function pcOf(program: Program, text: string, nth = 0): number {
  const hits = program.text.map((t, i) => [t, i] as const).filter(([t]) => t.startsWith(text));
  assert.ok(hits[nth], `an instruction "${text}" exists`);
  return hits[nth][1];
}
