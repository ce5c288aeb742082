// Interpreter figures: instructions per second on a tight load/add/store/branch loop (with a
// breakpoint armed elsewhere, so hooks are in place but not hit), on a call-heavy program, and on a
// program whose every load misses the TLB, each beside the bare reference interpreter of
// bench/reference.ts measured in the same process; per instruction class in one loop shape; over 1 to
// 256 K distinct pages; and the patent's library modules (the FIG. 7 gate, DNLC lookups, snapshot
// writes, reads and creation) in instructions/s and operations/s; and the TLB-coherence sanitizer off
// and on over the same loops in the same run.

import * as path from 'node:path';
import { Interpreter, MAX_BLOCKS, Machine, assemble, libraryDir, nodeSourceHost, type Program } from '../emulator/index';
import { gc, sample, spread, summarize, type Figure, type Sample, type Suite, type SuiteContext } from './harness';
import { REF_CALLS, REF_TIGHT, ReferenceInterpreter } from './reference';

function build(name: string, source: string): Program {
  // The library is beside dist/ (bundle) or the source tree.
  const r = assemble(`/bench/bench-${name}.mover`, source, { host: nodeSourceHost, includePath: [libraryDir(__dirname), path.resolve(__dirname, '..', 'lib')] });
  if (!r.program) throw new Error(`${name}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.program;
}

/** Enters VS1 with paging on, as the patent's modules run. */
export const ENTER_VS1 = `
    mov r13, VS1_CR3
    mov cr3, r13
    mov r13, cr0
    or r13, r13, CR0_PG
    mov cr0, r13
`;

const TIGHT = `
start:${ENTER_VS1}
    mov r1, 0x2000_0000
    mov r2, 0
.loop:
    ld32 r4, [r1 + 8]
    add r4, r4, r2
    st32 [r1 + 8], r4
    add r2, r2, 1
    bne r2, 0x7fff_ffff, .loop
    halt
elsewhere:
    nop
    halt
`;

const CALLS = `
start:${ENTER_VS1}
    mov r2, 0
.loop:
    call leaf
    add r2, r2, 1
    bne r2, 0x7fff_ffff, .loop
    halt
leaf:
    push r3
    add r3, r2, 1
    pop r3
    ret
`;

// 256 pages visited in turn: each 4-way set of the 64-entry TLB sees 16 pages in a cycle, so LRU keeps
// none of them (every load misses and walks).
const MISSES = `
start:${ENTER_VS1}
    mov r1, 0x2000_0000
    mov r2, 0
.loop:
    and r3, r2, 255
    shl r3, r3, 12
    ld32 r4, [r1 + r3]
    add r2, r2, 1
    bne r2, 0x7fff_ffff, .loop
    halt
`;

function rate(ctx: SuiteContext, program: Program, instructions: number, runs: number, setup?: (it: Interpreter) => void, cpus = 1, compile = true): { rate: ReturnType<typeof sample>; interp: Interpreter } {
  let last!: Interpreter;
  const s = sample({ warmup: 1, runs }, () => {
    const it = new Interpreter(new Machine({ cpus }), program, { compile });
    setup?.(it);
    const t0 = process.hrtime.bigint();
    const stop = it.run(instructions);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (stop.kind !== 'budget') throw new Error(`benchmark program stopped early: ${stop.kind}`);
    ctx.sink.add(it.retired);
    last = it;
    return it.retired / dt;
  });
  return { rate: s, interp: last };
}

/** Instructions per second of the reference interpreter on `code` (fresh interpreter per run). */
function referenceRate(ctx: SuiteContext, code: Int32Array, instructions: number, runs: number): Sample {
  return sample({ warmup: 1, runs }, () => {
    const ref = new ReferenceInterpreter(code);
    const t0 = process.hrtime.bigint();
    ref.run(0, instructions);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    ctx.sink.add(ref.retired + ref.regs[4]);
    return ref.retired / dt;
  });
}

/** A loop whose body is `body` (two instructions) plus the counter's add and branch; `tail` follows the halt. */
function classLoop(body: string, tail = ''): string {
  return `.volume DISK, 512, 16
start:${ENTER_VS1}
    mov r1, 0x2000_0000
    mov r2, 0
    mov r3, 7
    mov r6, 0x1_0000_2000
.loop:
${body}
    add r2, r2, 1
    bne r2, 0x7fff_ffff, .loop
    halt
${tail}`;
}

/** Instruction classes, each two instructions of the same class per iteration (ld32 is the yardstick). */
const CLASSES: readonly { key: string; label: string; body: string; tail?: string }[] = [
  { key: 'ld32', label: 'ld32', body: '    ld32 r4, [r1 + 8]\n    ld32 r5, [r1 + 16]' },
  { key: 'ld8', label: 'ld8', body: '    ld8 r4, [r1 + 9]\n    ld8 r5, [r1 + 17]' },
  { key: 'ld16', label: 'ld16', body: '    ld16 r4, [r1 + 10]\n    ld16 r5, [r1 + 18]' },
  { key: 'ld64', label: 'ld64', body: '    ld64 r4, [r1 + 8]\n    ld64 r5, [r1 + 16]' },
  { key: 'lds8', label: 'lds8', body: '    lds8 r4, [r1 + 9]\n    lds8 r5, [r1 + 17]' },
  { key: 'st8', label: 'st8', body: '    st8 [r1 + 9], r3\n    st8 [r1 + 17], r3' },
  { key: 'st16', label: 'st16', body: '    st16 [r1 + 10], r3\n    st16 [r1 + 18], r3' },
  { key: 'st32', label: 'st32', body: '    st32 [r1 + 8], r3\n    st32 [r1 + 16], r3' },
  { key: 'st64', label: 'st64', body: '    st64 [r1 + 8], r3\n    st64 [r1 + 16], r3' },
  { key: 'st64_imm', label: 'st64 of a constant', body: '    st64 [r1 + 8], 0\n    st64 [r1 + 16], 5' },
  { key: 'push_pop', label: 'push + pop', body: '    push r3\n    pop r4' },
  { key: 'call_ret', label: 'call + ret', body: '    call leaf', tail: 'leaf:\n    ret' },
  { key: 'block_io', label: 'bread + bwrite (512-byte blocks)', body: '    bread DISK, 0, 1, r6\n    bwrite DISK, 1, 1, r6' },
];

function classFigures(ctx: SuiteContext, n: number, runs: number): Figure[] {
  const out: Figure[] = [];
  let yard = 0;
  for (const c of CLASSES) {
    const r = rate(ctx, build(`class-${c.key}`, classLoop(c.body, c.tail)), n, runs);
    if (c.key === 'ld32') yard = r.rate.median;
    out.push({ key: `class_${c.key}_ips`, label: `  ${c.label}: two per iteration, plus add and bne`, value: r.rate.median, unit: '/s', note: spread(r.rate) });
    if (c.key !== 'ld32') out.push({ key: `class_${c.key}_slowdown`, label: `    ld32 loop / ${c.label} loop`, value: yard / r.rate.median, unit: 'x', target: { op: '<=', value: 1.5 } });
  }
  return out;
}

/** Loads over `pages` distinct pages of C4 in turn (a power of two). */
function pagesLoop(pages: number): string {
  return `
start:${ENTER_VS1}
    mov r1, 0x2000_0000
    mov r2, 0
.loop:
    and r3, r2, ${pages - 1}
    shl r3, r3, 12
    ld32 r4, [r1 + r3]
    add r2, r2, 1
    bne r2, 0x7fff_ffff, .loop
    halt
`;
}

/** Two threads counting, on cpu0 and cpu1: the same work whatever the number of idle processors. */
const TWO_THREADS = `
.thread a, count, cpu=0
.thread b, count, cpu=1
count:
    mov r1, 0
.loop:
    add r1, r1, 1
    bne r1, 0x7fff_ffff, .loop
    halt
`;

/** The same two busy processors in a machine of 2 and of 64: idle processors must cost nothing. */
function idleFigures(ctx: SuiteContext, n: number, runs: number): Figure[] {
  const program = build('two-threads', TWO_THREADS);
  const two = rate(ctx, program, n, runs, undefined, 2);
  const many = rate(ctx, program, n, runs, undefined, 64);
  return [
    { key: 'two_threads_2cpus_ips', label: 'two threads on cpu0 and cpu1, 2 processors', value: two.rate.median, unit: '/s', note: spread(two.rate) },
    { key: 'two_threads_64cpus_ips', label: 'the same, 64 processors (62 idle)', value: many.rate.median, unit: '/s', note: spread(many.rate) },
    { key: 'idle_cpus_slowdown', label: '  2-processor rate / 64-processor rate', value: two.rate.median / many.rate.median, unit: 'x', target: { op: '<=', value: 1.2 } },
  ];
}

const SCALING_PAGES = [1, 64, 1024, 16384, 262144];

/** One timed run of `program` for `instructions`; with `checkTlb`, the sanitizer on from the start. */
function timedRun(ctx: SuiteContext, program: Program, instructions: number, checkTlb: boolean): number {
  const it = new Interpreter(new Machine({ cpus: 1 }), program, { checkTlb });
  const t0 = process.hrtime.bigint();
  const stop = it.run(instructions);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  if (stop.kind !== 'budget') throw new Error(`benchmark program stopped early: ${stop.kind}`);
  if (it.sanitizer?.findings.length) throw new Error(`the sanitizer found ${it.sanitizer.findings.length} stale uses in a loop with none`);
  ctx.sink.add(it.retired);
  return it.retired / dt;
}

/**
 * The same loops with the TLB-coherence sanitizer off (the default) and on: what `checkTlb` costs. Off
 * and on runs alternate, so both see the same machine load.
 */
function sanitizerFigures(ctx: SuiteContext, n: number, runs: number): Figure[] {
  const out: Figure[] = [];
  for (const [key, label, source] of [['tight', 'tight load/add/store/branch loop', TIGHT], ['calls', 'call-heavy program', CALLS], ['misses', 'every load misses the TLB', MISSES]] as const) {
    const program = build(`sanitizer-${key}`, source);
    const offs: number[] = [], ons: number[] = [];
    timedRun(ctx, program, n, false); timedRun(ctx, program, n, true);
    for (let i = 0; i < runs; i++) { offs.push(timedRun(ctx, program, n, false)); ons.push(timedRun(ctx, program, n, true)); }
    const off = summarize(offs), on = summarize(ons);
    out.push(
      { key: `sanitizer_${key}_off_ips`, label: `  ${label}, sanitizer off`, value: off.median, unit: '/s', note: spread(off) },
      { key: `sanitizer_${key}_on_ips`, label: `  ${label}, sanitizer on`, value: on.median, unit: '/s', note: spread(on) },
      { key: `sanitizer_${key}_slowdown`, label: '    off / on', value: off.median / on.median, unit: 'x' },
    );
  }
  return out;
}

function scalingFigures(ctx: SuiteContext, n: number, runs: number): Figure[] {
  return SCALING_PAGES.map((pages) => {
    const r = rate(ctx, build(`pages-${pages}`, pagesLoop(pages)), n, runs);
    const tlb = r.interp.machine.processors[0].tlb;
    return { key: `pages_${pages}_ips`, label: `  load loop over ${pages.toLocaleString('en-US')} distinct page${pages === 1 ? '' : 's'}`, value: r.rate.median, unit: '/s', note: `${spread(r.rate)}; TLB miss ratio ${(100 * tlb.misses / (tlb.hits + tlb.misses)).toFixed(1)}%` };
  });
}

export const interpreterSuite: Suite = {
  name: 'interpreter',
  title: 'Interpreter (mover script on the machine) against the bare reference interpreter',
  run(ctx) {
    const n = ctx.quick ? 2_000_000 : 30_000_000;
    const runs = ctx.quick ? 2 : 5;
    const refTight = referenceRate(ctx, REF_TIGHT, n, runs);
    const refCalls = referenceRate(ctx, REF_CALLS, n, runs);
    const tight = build('tight', TIGHT);
    const t = rate(ctx, tight, n, runs, (it) => it.setBreakpoints([tight.labels.get('elsewhere')!]));
    const calls = rate(ctx, build('calls', CALLS), n, runs);
    const misses = rate(ctx, build('misses', MISSES), n, runs);
    const tlb = misses.interp.machine.processors[0].tlb;
    const missRatio = tlb.misses / (tlb.hits + tlb.misses);
    const figures: Figure[] = [
      { key: 'reference_tight_ips', label: 'reference interpreter: the tight loop (bench/reference.ts)', value: refTight.median, unit: '/s', note: spread(refTight) },
      { key: 'reference_call_ips', label: 'reference interpreter: the call-heavy loop', value: refCalls.median, unit: '/s', note: spread(refCalls) },
      { key: 'tight_loop_ips', label: 'tight load/add/store/branch loop, a breakpoint armed elsewhere', value: t.rate.median, unit: '/s', target: { op: '>=', value: 100e6 }, note: `${spread(t.rate)}; in VS1, paging on` },
      { key: 'tight_vs_reference', label: '  tight loop / reference tight loop', value: t.rate.median / refTight.median, unit: 'x', target: { op: '>=', value: 1 } },
      { key: 'call_heavy_ips', label: 'call-heavy program (call, push, add, pop, ret)', value: calls.rate.median, unit: '/s', note: spread(calls.rate) },
      { key: 'call_heavy_vs_reference', label: '  call-heavy / reference call loop', value: calls.rate.median / refCalls.median, unit: 'x', target: { op: '>=', value: 1 } },
      { key: 'tlb_miss_ips', label: 'every load misses the TLB (256 pages round robin)', value: misses.rate.median, unit: '/s', target: { op: '>=', value: 20e6 }, note: `${spread(misses.rate)}; TLB miss ratio of the loads ${(missRatio * 100).toFixed(1)}%` },
    ];
    const classN = ctx.quick ? 1_000_000 : 10_000_000;
    ctx.log('instruction classes');
    figures.push({ key: 'classes', label: 'instruction classes (instructions/s of the whole loop)', value: CLASSES.length, unit: 'classes' });
    figures.push(...classFigures(ctx, classN, runs));
    ctx.log('distinct pages');
    figures.push({ key: 'scaling', label: 'scaling with the pages a loop touches', value: SCALING_PAGES.length, unit: 'sizes' });
    figures.push(...scalingFigures(ctx, classN, runs));
    ctx.log('idle processors');
    figures.push(...idleFigures(ctx, classN, runs));
    ctx.log('TLB sanitizer');
    figures.push({ key: 'sanitizer', label: 'TLB-coherence sanitizer off and on (same loops, same run)', value: 3, unit: 'loops' });
    figures.push(...sanitizerFigures(ctx, classN, runs));
    ctx.log('library modules');
    figures.push(...moduleFigures(ctx, t.rate.median));
    ctx.log('block compiler');
    figures.push(...compilerFigures(ctx, n, runs, { tight: t.rate.median, calls: calls.rate.median, refTight: refTight.median, refCalls: refCalls.median, tightProgram: tight, callsProgram: calls.interp.program }));
    return figures;
  },
};

interface ModuleRate {
  readonly ops: Sample;
  readonly ips: Sample;
  /** Instructions per operation (the same in every run). */
  readonly perOp: number;
}

/** A module call made in a loop `count` times after `setup` (up to the label `timed`): operations and instructions per second. */
function moduleRate(ctx: SuiteContext, name: string, source: string, count: number, runs: number, compile = true): ModuleRate {
  const program = build(name, source);
  let perOp = 0;
  const ips: number[] = [];
  const ops = sample({ warmup: 1, runs }, (k) => {
    const it = new Interpreter(new Machine({ cpus: 1 }), program, { compile });
    // Run the setup up to the loop's label, then time the loop alone.
    it.setBreakpoints([program.labels.get('timed')!]);
    const s = it.run(1e9);
    if (s.kind !== 'breakpoint') throw new Error(`${name}: setup stopped with ${s.kind}`);
    it.setBreakpoints([]);
    const before = it.retired;
    const t0 = process.hrtime.bigint();
    const stop = it.run(1e12);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (stop.kind !== 'halted') throw new Error(`${name}: ${JSON.stringify(stop)}`);
    ctx.sink.add(it.retired);
    perOp = (it.retired - before) / count;
    if (k >= 0) ips.push((it.retired - before) / dt);
    return count / dt;
  });
  return { ops, ips: sample({ warmup: 0, runs: ips.length }, (i) => ips[i]), perOp };
}

/** A snapshot facility on a `blocks`-block clone with `snapshots` made, then the label `timed` and `body`. */
function snapshotSetup(blocks: number, snapshots: number, body: string): string {
  const make = snapshots === 0 ? '' : `    mov r10, 0
.make:
    push r10
    call snap_create_vs0
    pop r10
    add r10, r10, 1
    bltu r10, ${snapshots}, .make
`;
  return `.include "snapshot.mover"
.thread main, start, cpu=0
.volume CLONE, 4096, ${blocks}
start:
    call boot_cpu
    mov r3, CLONE
    mov r4, ${blocks}
    call snap_init_vs0
${make}timed:
    mov r10, 0
${body}    halt
`;
}

/** `count` times: `call` with r10 the iteration, saved around it. */
function repeat(label: string, count: number, before: string, call: string): string {
  return `${label}:
${before}    push r10
    call ${call}
    pop r10
    add r10, r10, 1
    bltu r10, ${count}, ${label}
`;
}

function snapshotProgram(snapshots: number, writes: number): string {
  return snapshotSetup(1024, snapshots, repeat('.write', writes, '    call snap_buffer\n    st32 [r1], r10\n    and r3, r10, 1023\n', 'snap_write_vs0'));
}

/** FIG. 11 reads of the oldest snapshot of blocks never written since: each read walks the whole queue to the clone. */
function snapshotReadProgram(snapshots: number, reads: number): string {
  return snapshotSetup(1024, snapshots, repeat('.read', reads, '    mov r3, 1\n    and r4, r10, 1023\n', 'snap_read_vs0'));
}

/** Snapshot creation on a clone of `blocks` blocks: maps of blocks/8 and 4 x blocks bytes zeroed, a save volume made. */
function snapshotCreateProgram(blocks: number, creations: number): string {
  return snapshotSetup(blocks, 0, repeat('.create', creations, '', 'snap_create_vs0'));
}

function dnlcProgram(lookups: number): string {
  return `.include "dnlc.mover"
.thread main, start, cpu=0
.org vs0:0x2100_0000
name: .ascii "libc.so"
start:
    call boot_cpu
    call dnlc_init_vs0
    mov r3, 11
    mov r4, 12
    mov r7, name
    mov r8, 7
    call dnlc_enter_vs0
timed:
    mov r10, 0
.look:
    push r10
    mov r3, 11
    mov r7, name
    mov r8, 7
    call dnlc_lookup_vs0
    pop r10
    add r10, r10, 1
    bltu r10, ${lookups}, .look
    halt
`;
}

/** The FIG. 7 gate alone: VS0 -> VS1 -> VS0 around a module function that returns at once. */
function gateProgram(calls: number): string {
  return `.include "vsgate.mover"
.thread main, start, cpu=0
start:
    call boot_cpu
timed:
    mov r10, 0
.gate:
    push r10
    mov r1, VS1_CR3
    mov r2, nothing
    mov r7, 0
    mov r8, 0
    call vs_call
    pop r10
    add r10, r10, 1
    bltu r10, ${calls}, .gate
    halt
nothing:
    mov r0, 1
    ret
`;
}

/**
 * A loop that switches spaces every ~100 instructions, as the patent's gate does: CR3 to the other
 * space and the range flush of [00043], then a short counting loop.
 */
const SWITCHES = `
start:${ENTER_VS1}
    mov r1, 0x2000_0000
    mov r5, 0
.outer:
    mov r13, VS2_CR3
    and r6, r5, 1
    beq r6, 0, .go
    mov r13, VS1_CR3
.go:
    mov cr3, r13
    flush.range 0x2000_0000, 0xF000_0000
    mov r2, 0
.inner:
    ld32 r4, [r1 + 8]
    add r4, r4, r2
    st32 [r1 + 8], r4
    add r2, r2, 1
    bltu r2, 18, .inner
    add r5, r5, 1
    bne r5, 0x7fff_ffff, .outer
    halt
`;

/** A program of about 100,000 instructions: 5,000 small loops, each hot enough to compile (more blocks than are kept). */
function manyBlocksProgram(loops: number): string {
  const parts = ['start:', '    mov r2, 0'];
  for (let k = 0; k < loops; k++) {
    parts.push(`.l${k}:`);
    for (let j = 0; j < 16; j++) parts.push(`    ${j % 2 ? 'xor r3, r3, r1' : `add r1, r1, ${k + j}`}`);
    parts.push('    add r2, r2, 1', `    bltu r2, 300, .l${k}`, '    mov r2, 0');
  }
  parts.push('    halt');
  return parts.join('\n') + '\n';
}

/**
 * The block compiler (emulator/interp/compiler.ts, on by default) against the same loops interpreted
 * (compile: false) in the same run, the reference interpreter, and QEMU's figures measured on this
 * machine earlier (issue 16); the patent's modules both ways; what compiling costs; and that a program
 * with more hot blocks than are kept stays bounded.
 */
function compilerFigures(ctx: SuiteContext, n: number, runs: number, c: { tight: number; calls: number; refTight: number; refCalls: number; tightProgram: Program; callsProgram: Program }): Figure[] {
  const tightP = c.tightProgram;
  const tightI = rate(ctx, tightP, n, runs, (it) => it.setBreakpoints([tightP.labels.get('elsewhere')!]), 1, false);
  const callsI = rate(ctx, c.callsProgram, n, runs, undefined, 1, false);
  const sw = build('switches', SWITCHES);
  const swC = rate(ctx, sw, n / 3, runs);
  const swI = rate(ctx, sw, n / 3, runs, undefined, 1, false);
  const out: Figure[] = [
    { key: 'interpreted_tight_ips', label: 'tight loop interpreted (compile: false)', value: tightI.rate.median, unit: '/s', note: spread(tightI.rate) },
    { key: 'compiled_tight_speedup', label: '  compiled / interpreted', value: c.tight / tightI.rate.median, unit: 'x' },
    { key: 'compiled_tight_vs_reference', label: '  compiled tight loop / reference interpreter', value: c.tight / c.refTight, unit: 'x', target: { op: '>=', value: 3 }, note: 'QEMU 7.2 TCG, one-page loop on this machine: 1.2-3.0 G instr/s (issue 16)' },
    { key: 'interpreted_calls_ips', label: 'call-heavy program interpreted (compile: false)', value: callsI.rate.median, unit: '/s', note: spread(callsI.rate) },
    { key: 'compiled_calls_vs_reference', label: '  compiled call-heavy / reference call loop', value: c.calls / c.refCalls, unit: 'x', target: { op: '>=', value: 2 } },
    { key: 'switches_ips', label: 'switch-heavy loop (CR3 load + range flush every ~100 instructions)', value: swC.rate.median, unit: '/s', target: { op: '>=', value: 3 * 33e6 }, note: `${spread(swC.rate)}; target 3x QEMU's 33 M/s for the same loop (issue 16)` },
    { key: 'switches_interpreted_ips', label: '  the same interpreted', value: swI.rate.median, unit: '/s', note: spread(swI.rate) },
  ];
  // The patent's modules, compiled and interpreted in turn.
  const count = ctx.quick ? 2000 : 20000;
  const mruns = ctx.quick ? 2 : 3;
  for (const [key, label, source, ops] of [
    ['gate', 'FIG. 7 gate calls', gateProgram(count), count],
    ['dnlc', 'DNLC lookups', dnlcProgram(count / 2), count / 2],
    ['snapshot_reads_8', 'snapshot reads, 8 snapshots', snapshotReadProgram(8, count / 4), count / 4],
  ] as const) {
    const on = moduleRate(ctx, key, source, ops, mruns, true);
    const off = moduleRate(ctx, key, source, ops, mruns, false);
    out.push({ key: `compiled_${key}_speedup`, label: `${label}: compiled / interpreted`, value: on.ops.median / off.ops.median, unit: 'x', target: { op: '>=', value: 5 }, note: `${(on.ops.median / 1e3).toFixed(0)} k/s against ${(off.ops.median / 1e3).toFixed(0)} k/s` });
  }
  // What compiling costs, and a program with more hot blocks than are kept.
  const many = build('many-blocks', manyBlocksProgram(5000));
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const it = new Interpreter(new Machine({ cpus: 1 }), many);
  const t0 = process.hrtime.bigint();
  const stop = it.run(1e9);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  if (stop.kind !== 'halted') throw new Error(`many-blocks: ${stop.kind}`);
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  const st = it.compilerStats!;
  ctx.sink.add(it.retired + heap1);
  const swStats = swC.interp.compilerStats!;
  out.push(
    { key: 'compile_ms_per_block', label: 'compile time per block (the switch-heavy loop)', value: swStats.blocks ? swStats.compileMs / swStats.blocks : 0, unit: 'ms', note: `${swStats.blocks} blocks, ${swStats.instructions} instructions, ${Math.round(swStats.sourceChars / Math.max(1, swStats.blocks))} characters of source each` },
    { key: 'many_blocks_ips', label: `a ${many.length.toLocaleString('en-US')}-instruction program of 5,000 hot loops`, value: it.retired / dt, unit: '/s', note: `${st.blocks} blocks compiled, ${st.flushes} flushes of all blocks (at most ${MAX_BLOCKS.toLocaleString('en-US')} kept), ${st.compileMs.toFixed(0)} ms compiling` },
    { key: 'many_blocks_heap_mb', label: '  heap after it, beside before (collected)', value: (heap1 - heap0) / 2 ** 20, unit: 'MiB', note: 'the machine, the interpreter and its kept blocks' },
  );
  return out;
}

function moduleFigure(out: Figure[], key: string, label: string, r: ModuleRate, tightIps: number, note = ''): void {
  out.push({ key: `${key}_per_s`, label, value: r.ops.median, unit: '/s', note: `${spread(r.ops)}; ${r.perOp.toFixed(0)} instructions each${note ? '; ' + note : ''}` });
  out.push({ key: `${key}_ips`, label: '  instructions/s', value: r.ips.median, unit: '/s', target: { op: '>=', value: tightIps / 2 }, note: `${(r.ips.median / tightIps * 100).toFixed(0)}% of the tight loop (target: half)` });
}

function moduleFigures(ctx: SuiteContext, tightIps: number): Figure[] {
  const writes = ctx.quick ? 500 : 4000;
  const runs = ctx.quick ? 2 : 3;
  const out: Figure[] = [];
  const gateCalls = ctx.quick ? 2000 : 20000;
  moduleFigure(out, 'gate_calls', 'FIG. 7 gate calls (VS0 -> VS1 -> VS0, an empty module function)', moduleRate(ctx, 'gate', gateProgram(gateCalls), gateCalls, runs), tightIps);
  const lookups = ctx.quick ? 2000 : 20000;
  moduleFigure(out, 'dnlc_lookups', 'DNLC lookups through the gate (VS0 -> VS1 -> VS0 each)', moduleRate(ctx, 'dnlc', dnlcProgram(lookups), lookups, runs), tightIps);
  for (const n of [1, 8, 64]) {
    moduleFigure(out, `snapshot_writes_${n}`, `snapshot writes (FIG. 10 through the gate), ${n} snapshot${n === 1 ? '' : 's'} queued`, moduleRate(ctx, `snap${n}`, snapshotProgram(n, writes), writes, runs), tightIps, '1024-block clone, writes cycle over it (first writes copy 4 KiB)');
  }
  const reads = ctx.quick ? 200 : 2000;
  for (const n of [1, 8, 64, 256]) {
    const count = n >= 64 ? Math.max(50, reads / 8) : reads;
    moduleFigure(out, `snapshot_reads_${n}`, `snapshot reads (FIG. 11 through the gate) of the oldest of ${n} snapshot${n === 1 ? '' : 's'}`, moduleRate(ctx, `snapread${n}`, snapshotReadProgram(n, count), count, runs), tightIps, 'every read recurses through the queue to the clone');
  }
  for (const blocks of [1024, 16384, 131072]) {
    const creations = blocks >= 131072 ? 3 : 8;
    const r = moduleRate(ctx, `snapcreate${blocks}`, snapshotCreateProgram(blocks, creations), creations, runs);
    out.push({ key: `snapshot_create_ms_${blocks}`, label: `snapshot creation, ${blocks.toLocaleString('en-US')}-block clone`, value: 1e3 / r.ops.median, unit: 'ms', note: `${r.perOp.toFixed(0)} instructions each, ${(r.ips.median / 1e6).toFixed(1)} M instructions/s` });
  }
  return out;
}
