// `mover run FILE`: assemble, run to completion, print the console. Exit codes: 0 halted normally,
// 1 assembly errors (all of them, with positions), 2 runtime fault (with location), 3 step limit,
// 4 (with --check-tlb) the program halted but the TLB sanitizer found an unexpected stale use or a
// missing shootdown (each printed like a diagnostic, at the access, with a note at the write).

import * as path from 'node:path';
import {
  DEFAULT_TLB_GEOMETRY, Interpreter, LoadError, Machine, assemble, describeStop, hex, libraryDir, nodeSourceHost, sourceLocation,
  findingPosition, type Diagnostic, type Layout, type Program, type StopReason, type TlbFinding, type TlbPolicy,
} from '../emulator/index';

export const EXIT_OK = 0;
export const EXIT_ASSEMBLY = 1;
export const EXIT_FAULT = 2;
export const EXIT_STEP_LIMIT = 3;
export const EXIT_TLB_FINDINGS = 4;

export interface RunOptions {
  readonly file: string;
  readonly layout: Layout;
  readonly cpus: number;
  readonly maxSteps: number;
  readonly trace: boolean;
  readonly json: boolean;
  readonly timerQuantum?: number;
  readonly tlbPolicy?: TlbPolicy;
  readonly tlbSeed?: number;
  /** Run the TLB-coherence sanitizer and print its findings. */
  readonly checkTlb?: boolean;
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** `file:line:col: error: message`, the line, and a caret under the problem. */
export function formatDiagnostic(d: Diagnostic, files: readonly string[], readLine: (file: string, line: number) => string | undefined): string {
  const file = files[d.span.file] ?? '?';
  const text = readLine(file, d.span.line);
  const head = `${path.relative(process.cwd(), file) || file}:${d.span.line + 1}:${d.span.col + 1}: ${d.severity}: ${d.message}`;
  if (text === undefined) return head;
  const width = Math.max(1, d.span.endCol - d.span.col);
  return `${head}\n    ${text.replace(/\t/g, ' ')}\n    ${' '.repeat(d.span.col)}${'^'.repeat(width)}`;
}

/**
 * A sanitizer finding as the assembler words a diagnostic: `file:line:col: error: message`, the line
 * and a caret under the access (for a shootdown warning, the write), then a note at the write.
 */
export function formatTlbFinding(f: TlbFinding, program: Program, readLine: (file: string, line: number) => string | undefined): string {
  const at = (pc: number, severity: string, message: string): string[] => {
    const pos = findingPosition(program, pc);
    if (!pos) return [`${severity}: ${message}`];
    const head = `${path.relative(process.cwd(), pos.file) || pos.file}:${pos.line + 1}:${pos.col + 1}: ${severity}: ${message}`;
    const text = readLine(pos.file, pos.line);
    return text === undefined ? [head] : [head, `    ${text.replace(/\t/g, ' ')}`, `    ${' '.repeat(pos.col)}^`];
  };
  const what = f.kind === 'stale-use' ? 'stale TLB use' : 'missing TLB shootdown';
  const out = at(f.pc, f.severity, `${what}: ${f.message}`);
  if (f.kind === 'stale-use' && f.write) out.push(...at(f.write.pc, 'note', f.write.kind === 'store' ? `cpu${f.write.cpu}'s write here made the entry stale` : `cpu${f.write.cpu}'s CR3 load here kept the entry`));
  return out.join('\n');
}

export function runProgram(o: RunOptions, io: Io): number {
  const lib = libraryDir(__dirname);
  const result = assemble(o.file, undefined, { host: nodeSourceHost, includePath: [lib], layout: o.layout });
  const lines = new Map<string, string[] | undefined>();
  const readLine = (file: string, line: number) => {
    if (!lines.has(file)) lines.set(file, nodeSourceHost.readFile(file)?.split('\n'));
    return lines.get(file)?.[line];
  };
  // A program that could not be read is no file of the result: its diagnostic is about the path given.
  const files = result.files.length ? result.files : [path.resolve(o.file)];
  for (const d of result.diagnostics) io.err(formatDiagnostic(d, files, readLine));
  if (!result.program) {
    const n = result.diagnostics.filter((d) => d.severity === 'error').length;
    io.err(`${n} error${n === 1 ? '' : 's'}; nothing was run.`);
    if (o.json) io.out(JSON.stringify({ status: 'assembly-errors', exitCode: EXIT_ASSEMBLY, errors: result.diagnostics.map((d) => ({ file: result.files[d.span.file], line: d.span.line + 1, column: d.span.col + 1, message: d.message })) }, null, 2));
    return EXIT_ASSEMBLY;
  }
  const program = result.program;
  const machine = new Machine({ layout: o.layout, cpus: o.cpus, tlb: { ...DEFAULT_TLB_GEOMETRY, policy: o.tlbPolicy, seed: o.tlbSeed } });
  let interp: Interpreter;
  try {
    interp = new Interpreter(machine, program, { ...(o.timerQuantum !== undefined ? { timerQuantum: o.timerQuantum } : {}), ...(o.checkTlb ? { checkTlb: true } : {}) });
  } catch (e) {
    if (e instanceof LoadError) { io.err(`mover: cannot load ${o.file}: ${e.message}`); return EXIT_FAULT; }
    throw e;
  }
  if (!o.json) interp.onOutput = (l) => io.out(interp.threads.length > 1 ? `[cpu${l.cpu} ${interp.threads[l.thread].name}] ${l.text}` : l.text);
  let stop: StopReason;
  if (o.trace) stop = traceRun(interp, program, o.maxSteps, io);
  else {
    // Bounded chunks, so a runaway program ends at the step limit.
    stop = { kind: 'budget' };
    while (interp.retired < o.maxSteps) {
      stop = interp.run(Math.min(1_000_000, o.maxSteps - interp.retired));
      if (stop.kind !== 'budget') break;
    }
  }
  const san = interp.sanitizer;
  if (san && stop.kind === 'halted') san.finish();
  const findings = san ? [...san.findings].sort((a, b) => a.clock - b.clock || a.seq - b.seq) : [];
  const unexpected = findings.filter((f) => !f.expected).length;
  let code = stop.kind === 'halted' ? EXIT_OK : stop.kind === 'budget' ? EXIT_STEP_LIMIT : EXIT_FAULT;
  if (code === EXIT_OK && unexpected > 0) code = EXIT_TLB_FINDINGS;
  if (o.json) {
    io.out(JSON.stringify({ ...(finalState(interp, program, stop, code) as object), ...(san ? { tlbFindings: findings.map((f) => findingJson(f, program)) } : {}) }, null, 2));
  } else if (code === EXIT_STEP_LIMIT) {
    io.err(`mover: stopped after ${o.maxSteps} instructions (--max-steps); the program had not halted`);
  } else if (code === EXIT_FAULT) {
    const t = 'thread' in stop ? interp.threads[stop.thread] : undefined;
    io.err(`mover: ${describeStop(stop, program)}${t ? ` (thread ${t.name} on cpu${t.cpu})` : ''}`);
  }
  if (san && !o.json) {
    for (const f of findings) io.err(formatTlbFinding(f, program, readLine));
    const expected = findings.length - unexpected;
    io.err(`mover: TLB check: ${findings.length ? `${unexpected} unexpected finding${unexpected === 1 ? '' : 's'}${expected ? `, ${expected} expected (.expect_stale)` : ''}` : 'no stale TLB use'}`);
  }
  return code;
}

function traceRun(interp: Interpreter, program: Program, maxSteps: number, io: Io): StopReason {
  for (;;) {
    if (interp.retired >= maxSteps) return { kind: 'budget' };
    const before = interp.threads.map((t) => ({ pc: t.pc, retired: t.retired, space: interp.spaceOf(t.cpu) }));
    const stop = interp.run(1);
    interp.threads.forEach((t, i) => {
      const b = before[i];
      if (t.retired > b.retired || (stop.kind === 'fault' && stop.thread === i)) {
        io.out(`cpu${t.cpu} ${t.name.padEnd(8)} ${b.space.padEnd(4)} ${hex(b.pc * 4, 4).padEnd(8)} ${sourceLocation(program, b.pc).padEnd(22)} ${program.text[b.pc]}`);
      }
    });
    if (stop.kind !== 'budget') return stop;
  }
}

function findingJson(f: TlbFinding, program: Program): unknown {
  const pos = (pc: number) => { const p = findingPosition(program, pc); return p ? { file: p.file, line: p.line + 1, column: p.col + 1 } : null; };
  return {
    kind: f.kind, severity: f.severity, expected: f.expected, message: f.message, cpu: f.cpu, space: f.space, va: hex(f.va, 8), access: f.access,
    at: pos(f.pc), clock: f.clock, tlbSaid: f.tlbSaid, tablesSay: f.tablesSay, fix: f.fix, ago: f.ago,
    write: f.write ? { kind: f.write.kind, cpu: f.write.cpu, pa: hex(f.write.pa), level: f.write.level, clock: f.write.clock, at: pos(f.write.pc) } : null,
  };
}

function finalState(interp: Interpreter, program: Program, stop: StopReason, exitCode: number): unknown {
  const m = interp.machine;
  return {
    status: stop.kind, exitCode, message: describeStop(stop, program), retired: interp.retired,
    console: interp.output.map((l) => ({ cpu: l.cpu, thread: interp.threads[l.thread].name, text: l.text })),
    threads: interp.threads.map((t) => ({
      name: t.name, cpu: t.cpu, state: t.state, pc: hex(t.pc * 4), line: sourceLocation(program, t.pc), retired: t.retired,
      registers: Object.fromEntries(Array.from({ length: 16 }, (_, r) => [r === 15 ? 'sp' : r === 14 ? 'fp' : `r${r}`, '0x' + interp.register(t, r).toString(16)])),
    })),
    cpus: m.processors.map((p) => ({
      id: p.id, space: m.currentSpaceName(p), cr0: hex(p.cr0 >>> 0), cr2: hex(p.cr2), cr3: hex(p.cr3), cr4: hex(p.cr4), preemptCount: p.preemptCount, tlb: { ...p.tlb.counters },
    })),
    volumes: m.volumes.list().map((v) => ({ name: v.name, blockSize: v.blockSize, blocks: v.blockCount, written: v.blocksWritten })),
  };
}
