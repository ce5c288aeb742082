// Interpreter figures: instructions per second on a tight load/add/store/branch loop (with a
// breakpoint armed elsewhere, so hooks are in place but not hit), on a call-heavy program, and on a
// program whose every load misses the TLB.

import * as path from 'node:path';
import { Interpreter, Machine, assemble, libraryDir, nodeSourceHost, type Program } from '../emulator/index';
import { sample, spread, type Figure, type Suite, type SuiteContext } from './harness';

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

function rate(ctx: SuiteContext, program: Program, instructions: number, runs: number, setup?: (it: Interpreter) => void): { rate: ReturnType<typeof sample>; interp: Interpreter } {
  let last!: Interpreter;
  const s = sample({ warmup: 1, runs }, () => {
    const it = new Interpreter(new Machine({ cpus: 1 }), program);
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

export const interpreterSuite: Suite = {
  name: 'interpreter',
  title: 'Interpreter (mover script on the machine)',
  run(ctx) {
    const n = ctx.quick ? 2_000_000 : 30_000_000;
    const runs = ctx.quick ? 2 : 5;
    const tight = build('tight', TIGHT);
    const t = rate(ctx, tight, n, runs, (it) => it.setBreakpoints([tight.labels.get('elsewhere')!]));
    const calls = rate(ctx, build('calls', CALLS), n, runs);
    const misses = rate(ctx, build('misses', MISSES), n, runs);
    const tlb = misses.interp.machine.processors[0].tlb;
    const missRatio = tlb.misses / (tlb.hits + tlb.misses);
    const figures: Figure[] = [
      { key: 'tight_loop_ips', label: 'tight load/add/store/branch loop, a breakpoint armed elsewhere', value: t.rate.median, unit: '/s', target: { op: '>=', value: 100e6 }, note: `${spread(t.rate)}; in VS1, paging on` },
      { key: 'call_heavy_ips', label: 'call-heavy program (call, push, add, pop, ret)', value: calls.rate.median, unit: '/s', note: spread(calls.rate) },
      { key: 'tlb_miss_ips', label: 'every load misses the TLB (256 pages round robin)', value: misses.rate.median, unit: '/s', target: { op: '>=', value: 20e6 }, note: `${spread(misses.rate)}; TLB miss ratio of the loads ${(missRatio * 100).toFixed(1)}%` },
    ];
    figures.push(...moduleFigures(ctx));
    return figures;
  },
};

/** Operations per second of a module call made in a loop `count` times after `setup`, as measured by `marker`. */
function moduleRate(ctx: SuiteContext, name: string, source: string, count: number, runs: number): ReturnType<typeof sample> {
  const program = build(name, source);
  return sample({ warmup: 1, runs }, () => {
    const it = new Interpreter(new Machine({ cpus: 1 }), program);
    // Run the setup up to the loop's label, then time the loop alone.
    it.setBreakpoints([program.labels.get('timed')!]);
    const s = it.run(1e9);
    if (s.kind !== 'breakpoint') throw new Error(`${name}: setup stopped with ${s.kind}`);
    it.setBreakpoints([]);
    const t0 = process.hrtime.bigint();
    const stop = it.run(1e12);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (stop.kind !== 'halted') throw new Error(`${name}: ${JSON.stringify(stop)}`);
    ctx.sink.add(it.retired);
    return count / dt;
  });
}

function snapshotProgram(snapshots: number, writes: number): string {
  return `.include "snapshot.mover"
.thread main, start, cpu=0
.volume CLONE, 4096, 1024
start:
    call boot_cpu
    mov r3, CLONE
    mov r4, 1024
    call snap_init_vs0
    mov r10, 0
.make:
    push r10
    call snap_create_vs0
    pop r10
    add r10, r10, 1
    bltu r10, ${snapshots}, .make
timed:
    mov r10, 0
.write:
    call snap_buffer
    st32 [r1], r10
    and r3, r10, 1023
    push r10
    call snap_write_vs0
    pop r10
    add r10, r10, 1
    bltu r10, ${writes}, .write
    halt
`;
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

function moduleFigures(ctx: SuiteContext): Figure[] {
  const writes = ctx.quick ? 500 : 4000;
  const runs = ctx.quick ? 2 : 3;
  const out: Figure[] = [];
  for (const n of [1, 8, 64]) {
    const r = moduleRate(ctx, `snap${n}`, snapshotProgram(n, writes), writes, runs);
    out.push({ key: `snapshot_writes_per_s_${n}`, label: `snapshot writes (FIG. 10 through the gate), ${n} snapshot${n === 1 ? '' : 's'} queued`, value: r.median, unit: '/s', note: `${spread(r)}; 1024-block clone, writes cycle over it (first writes copy 4 KiB)` });
  }
  const lookups = ctx.quick ? 2000 : 20000;
  const d = moduleRate(ctx, 'dnlc', dnlcProgram(lookups), lookups, runs);
  out.push({ key: 'dnlc_lookups_per_s', label: 'DNLC lookups through the gate (VS0 -> VS1 -> VS0 each)', value: d.median, unit: '/s', note: spread(d) });
  return out;
}
