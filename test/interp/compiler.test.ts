// The basic-block compiler (emulator/interp/compiler.ts) changes nothing a program or a debugger can
// see: the same programs, run compiled and interpreted (compile: false), end in the same registers,
// memory, TLB contents and counters, output and events, and stop at the same instructions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Interpreter, Machine, listTlb, type StopReason } from '../../emulator/index';
import { memoryDigest } from '../emulator/helpers';
import { build, enter } from './helpers';

interface Run { interp: Interpreter; machine: Machine; stops: (StopReason & { retired: number })[] }

function runBoth(src: string, opts: { cpus?: number; timerQuantum?: number; interleave?: number; budget?: number; slices?: number[]; breakpoints?: (p: ReturnType<typeof build>) => number[] } = {}): [Run, Run] {
  const program = build(src);
  return [true, false].map((compile) => {
    const machine = new Machine({ cpus: opts.cpus ?? 1 });
    const interp = new Interpreter(machine, program, { compile, ...(opts.timerQuantum ? { timerQuantum: opts.timerQuantum } : {}), ...(opts.interleave ? { interleave: opts.interleave } : {}) });
    if (opts.breakpoints) interp.setBreakpoints(opts.breakpoints(program));
    const stops: Run['stops'] = [];
    for (const budget of opts.slices ?? [opts.budget ?? 5_000_000]) {
      const s = interp.run(budget);
      stops.push({ ...s, retired: interp.retired });
      if (s.kind === 'halted') break;
    }
    return { interp, machine, stops };
  }) as [Run, Run];
}

/** Everything compared: threads, processors, TLBs and their counters, memory, output, events. */
function state(r: Run): unknown {
  const { interp, machine } = r;
  return {
    stops: r.stops,
    retired: interp.retired,
    threads: interp.threads.map((t) => ({ pc: t.pc, state: t.state, retired: t.retired, regs: Array.from({ length: 16 }, (_, k) => interp.register(t, k)), frames: t.frames.length })),
    cpus: machine.processors.map((p) => ({
      cr: [p.cr0, p.cr2, p.cr3, p.cr4], pdptes: [...p.pdpteLo, ...p.pdpteHi], preempt: p.preemptCount,
      tlb: listTlb(machine, p.id), counters: { hits: p.tlb.hits, misses: p.tlb.misses, walks: p.tlb.walks, fills: p.tlb.fills, flushes: p.tlb.flushes, evictions: p.tlb.evictions },
    })),
    memory: memoryDigest(machine.memory),
    output: interp.output.map((l) => l.text),
    events: interp.events.map((e) => [e.seq, e.name, e.a, e.b, e.thread, e.cpu, e.pc]),
  };
}

const LOOPS = `
.include "boot.mover"
.thread main, start, cpu=0
start:
    call boot_cpu${enter('VS1')}
    mov r1, 0x2000_0000
    mov r2, 0
    mov r15, 0x0080_0000
.loop:
    ld32 r4, [r1 + 8]
    add r4, r4, r2
    st32 [r1 + 8], r4
    ld64 r5, [r1 + r2*8]
    xor r5, r5, r4
    st64 [r1 + r2*8 + 16], r5
    shl r6, r5, 33
    sar r6, r6, 7
    mul r7, r6, 0x1234_5678_9abc
    and r2, r2, 511
    call leaf
    add r2, r2, 1
    add r9, r9, 1
    bltu r9, 200000, .loop
    event done, r4, r7
    halt
leaf:
    push r7
    add r8, r8, r7
    pop r7
    ret
`;

test('a hot loop runs compiled, and ends exactly as interpreted', () => {
  const [compiled, interpreted] = runBoth(LOOPS);
  assert.equal(compiled.stops[0].kind, 'halted');
  assert.ok(compiled.interp.compilerStats!.blocks > 0, 'blocks were compiled');
  assert.equal(interpreted.interp.compilerStats, null);
  assert.deepEqual(state(compiled), state(interpreted));
});

const TIGHT = `
.include "boot.mover"
.thread main, start, cpu=0
start:
    call boot_cpu${enter('VS1')}
    mov r1, 0x2000_0000
    mov r2, 0
.loop:
    ld32 r4, [r1 + 8]
    add r4, r4, r2
    st32 [r1 + 8], r4
    add r2, r2, 1
    bltu r2, 200000, .loop
    halt
`;

test('stopping and resuming at any budget gives the same run, compiled or not', () => {
  // Every budget from 1 to 150 in turn (so a block is entered with every remainder of its length), then the rest.
  const slices = [...Array.from({ length: 3000 }, (_, k) => 1 + ((k * 37) % 150)), 1000, 12345, 99999, 5_000_000];
  for (const src of [TIGHT, LOOPS]) {
    const [compiled, interpreted] = runBoth(src, { slices });
    assert.ok(compiled.interp.compilerStats!.blocks > 0);
    assert.deepEqual(state(compiled), state(interpreted));
  }
});

test('the timer preempts two threads at the same instructions, compiled or not', () => {
  const src = `
.include "boot.mover"
.thread a, ta, cpu=0
.thread b, tb, cpu=0
ta:
    call boot_cpu
    mov r2, 0
.la:
    ld32 r4, [0x0020_0000]
    mul r4, r4, 3
    add r4, r4, 1
    st32 [0x0020_0000], r4
    add r1, r1, 3
    xor r3, r3, r1
    add r2, r2, 1
    bltu r2, 50000, .la
    event a, r1, r3
    halt
tb:
    mov r2, 0
.lb:
    ld32 r4, [0x0020_0000]
    shl r5, r4, 1
    xor r4, r4, r5
    add r4, r4, 7
    st32 [0x0020_0000], r4
    add r1, r1, 5
    sub r3, r3, r1
    add r2, r2, 1
    bltu r2, 70000, .lb
    event b, r1, r3
    halt
`;
  for (const timerQuantum of [97, 1000, 4099]) {
    const [compiled, interpreted] = runBoth(src, { timerQuantum });
    assert.deepEqual(state(compiled), state(interpreted), `quantum ${timerQuantum}`);
  }
});

test('two processors taking turns run the same interleaving', () => {
  const src = `
.include "boot.mover"
.thread a, ta, cpu=0
.thread b, tb, cpu=1
ta:
    call boot_cpu
    mov r2, 0
.la:
    ld32 r4, [0x0020_0000]
    add r4, r4, 1
    st32 [0x0020_0000], r4
    add r2, r2, 1
    bltu r2, 30000, .la
    halt
tb:
    call boot_cpu
    mov r2, 0
.lb:
    ld32 r4, [0x0020_0000]
    shl r5, r4, 3
    xor r4, r4, r5
    add r4, r4, 2
    st32 [0x0020_0000], r4
    add r2, r2, 1
    bltu r2, 30000, .lb
    halt
`;
  for (const interleave of [1, 10, 333]) {
    const [compiled, interpreted] = runBoth(src, { cpus: 2, interleave });
    assert.deepEqual(state(compiled), state(interpreted), `interleave ${interleave}`);
  }
});

test('a breakpoint set inside a loop that is already compiled stops there, at the same count', () => {
  const program = build(LOOPS);
  const pc = program.text.findIndex((t) => t.startsWith('xor r5'));
  const runs = [true, false].map((compile) => {
    const interp = new Interpreter(new Machine({ cpus: 1 }), program, { compile });
    interp.run(500_000); // the loop is hot and compiled by now
    interp.setBreakpoints([pc]);
    const first = interp.run(5_000_000);
    const retiredAtFirst = interp.retired;
    const second = interp.run(5_000_000);
    interp.setBreakpoints([]);
    const last = interp.run(50_000_000);
    return { first, retiredAtFirst, second, retired: interp.retired, last, r5: interp.register(interp.threads[0], 5) };
  });
  assert.equal(runs[0].first.kind, 'breakpoint');
  assert.deepEqual(runs[0], runs[1]);
});
