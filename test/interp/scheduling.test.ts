// Running under control: breakpoints and resuming past them, step mode, determinism (the same run
// however it is cut into chunks), processors taking turns, the timer and preemption ([00041]),
// spinlocks, and interpreter checkpoints.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Interpreter, StopReason } from '../../emulator/index';
import { load, pcOf, pteAddress, type Session } from './helpers';

/** Everything observable about a run: registers, pcs, retired counts, console, memory, TLB counters. */
function fingerprint(s: Session): string {
  const { interp, machine } = s;
  const h = createHash('sha256');
  for (const t of interp.threads) {
    h.update(`${t.id} ${t.state} ${t.pc} ${t.retired} ${t.handler} ${t.inHandler} ${JSON.stringify(t.frames)}`);
    for (let r = 0; r < 16; r++) h.update(interp.register(t, r).toString(16) + ',');
  }
  for (const p of machine.processors) h.update(`${p.id} ${p.cr0} ${p.cr2} ${p.cr3} ${p.cr4} ${p.preemptCount} ${JSON.stringify(p.tlb.counters)}`);
  h.update(JSON.stringify(interp.output));
  h.update(`${interp.retired}`);
  for (const pfn of machine.memory.touchedPages()) h.update(`${pfn}:`).update(machine.memory.readBytes(pfn * 4096, 4096));
  return h.digest('hex');
}

/** Runs to the end in chunks of `chunk` instructions, resuming past any stop that is not the end. */
function finish(interp: Interpreter, chunk: number, limit = 1_000_000): StopReason {
  let stop: StopReason = { kind: 'budget' };
  while (interp.retired < limit) {
    stop = interp.run(chunk);
    if (stop.kind === 'halted' || stop.kind === 'fault') return stop;
  }
  return stop;
}

/**
 * Three threads on two processors sharing a counter under a spinlock, with paging switches, prints
 * and a timer that preempts them: the kind of run whose order is easy to disturb.
 */
const BUSY = `
.thread a, worker, cpu=0
.thread b, worker, cpu=0
.thread c, worker, cpu=1
.equ LOCK, 0x0030_0000
.equ COUNT, 0x0030_0008
worker:
    mov r5, 0
.loop:
    spin.lock [LOCK]
    ld64 r1, [COUNT]
    add r1, r1, 1
    st64 [COUNT], r1
    spin.unlock [LOCK]
    tid r2
    mul r3, r2, 8
    ld64 r4, [r3 + COUNT + 8]
    add r4, r4, 1
    st64 [r3 + COUNT + 8], r4
    mov r6, VS1_CR3
    mov cr3, r6
    mov r6, cr0
    or r6, r6, CR0_PG
    mov cr0, r6
    mov r7, 0x2000_0000
    st64 [r7 + r2*8], r5
    and r6, r6, ~CR0_PG
    mov cr0, r6
    add r5, r5, 1
    mod r8, r5, 10
    bne r8, 0, .loop
    print "{thread} {r5:d} {r1:d}"
    blt r5, 40, .loop
    halt
`;
const BUSY_OPTS = { cpus: 2, timerQuantum: 7, interleave: 3 } as const;

describe('breakpoints', () => {
  const LOOP = 'start:\n    mov r1, 0\n.loop:\n    add r1, r1, 1\n    blt r1, 3, .loop\n    halt\n';

  test('a breakpoint stops before its instruction; resuming runs it and stops there again', () => {
    const s = load(LOOP);
    s.interp.setBreakpoints([1]);
    const seen: bigint[] = [];
    for (let k = 0; k < 3; k++) {
      const stop = s.interp.run(1000);
      assert.deepEqual(stop, { kind: 'breakpoint', thread: 0, cpu: 0, pc: 1 });
      assert.equal(s.interp.threads[0].pc, 1);
      seen.push(s.interp.register(s.interp.threads[0], 1));
    }
    assert.deepEqual(seen, [0n, 1n, 2n], 'the add has not run at each stop');
    assert.deepEqual(s.interp.run(1000), { kind: 'halted' });
    assert.equal(s.interp.register(s.interp.threads[0], 1), 3n);
  });

  test('setBreakpoints replaces the set; invalid pcs are ignored; the program is not changed', () => {
    const s = load(LOOP);
    s.interp.setBreakpoints([1, 2, -1, 99, 1.5]);
    assert.deepEqual(s.interp.breakpointPcs.sort(), [1, 2]);
    assert.equal(s.interp.run(1000).kind, 'breakpoint');
    s.interp.setBreakpoints([]);
    assert.deepEqual(s.interp.breakpointPcs, []);
    assert.deepEqual(s.interp.run(1000), { kind: 'halted' });
    assert.equal(s.program.code[8], s.interp.program.code[8]);
  });

  test('a breakpoint on the first instruction stops before anything runs', () => {
    const s = load(LOOP);
    s.interp.setBreakpoints([0]);
    assert.deepEqual(s.interp.run(1000), { kind: 'breakpoint', thread: 0, cpu: 0, pc: 0 });
    assert.equal(s.interp.retired, 0);
  });

  test('a run that stops at breakpoints is the same run as one without them', () => {
    const plain = load(BUSY, BUSY_OPTS);
    assert.deepEqual(finish(plain.interp, 1_000_000), { kind: 'halted' });
    const broken = load(BUSY, BUSY_OPTS);
    broken.interp.setBreakpoints([pcOf(broken.program, 'spin.unlock'), pcOf(broken.program, 'print')]);
    let stops = 0;
    for (;;) {
      const stop = broken.interp.run(1_000_000);
      if (stop.kind === 'halted') break;
      assert.equal(stop.kind, 'breakpoint');
      stops++;
    }
    assert.equal(stops, 3 * 40 + 3 * 4, 'each thread unlocks 40 times and prints 4 times');
    assert.equal(fingerprint(broken), fingerprint(plain));
  });
});

describe('step mode', () => {
  const SRC = 'start:\n    mov r1, 1\n    call f\n    mov r3, 3\n    halt\nf:\n    mov r2, 2\n    ret\n';

  test('one instruction at a time, following calls and returns', () => {
    const s = load(SRC);
    const pcs: number[] = [];
    for (;;) {
      const stop = s.interp.run(1000, { thread: 0 });
      if (stop.kind === 'halted') break;
      assert.equal(stop.kind, 'step');
      assert.ok(stop.kind === 'step');
      pcs.push(stop.pc);
    }
    assert.deepEqual(pcs, [1, 4, 5, 2, 3]);
    assert.equal(s.interp.threads[0].retired, 6);
  });

  test('count steps several instructions at once', () => {
    const s = load(SRC);
    assert.deepEqual(s.interp.run(1000, { thread: 0, count: 3 }), { kind: 'step', thread: 0, cpu: 0, pc: 5 });
    assert.equal(s.interp.register(s.interp.threads[0], 2), 2n);
  });

  test('stepping one thread while the other processor keeps its turns', () => {
    const s = load(`
.thread a, fa, cpu=0
.thread b, fb, cpu=1
fa:
    add r1, r1, 1
    add r1, r1, 1
    add r1, r1, 1
    halt
fb:
    add r1, r1, 1
    jmp fb
`, { cpus: 2 });
    assert.deepEqual(s.interp.run(1000, { thread: 0, count: 2 }), { kind: 'step', thread: 0, cpu: 0, pc: 2 });
    const [a, b] = s.interp.threads;
    assert.equal(a.retired, 2);
    assert.ok(b.retired >= 1 && b.retired <= 2, `cpu1 ran its turns meanwhile (${b.retired})`);
  });

  test('untilDepth runs until a return leaves the thread that many calls deep: recursion, breakpoints inside, the halt', () => {
    const REC = `start:
    mov r1, 3
    call down
    mov r3, 3
    halt
down:
    beq r1, 0, .bottom
    sub r1, r1, 1
    call down
    add r2, r2, 1
.bottom:
    ret
`;
    const s = load(REC);
    const t = s.interp.threads[0];
    // Into the recursion: three calls deep at the bottom.
    while (t.frames.length < 4) assert.equal(s.interp.run(1000, { thread: 0 }).kind, 'step');
    // Step out of the innermost call: stops after the ret, in the caller, one call shallower.
    assert.deepEqual(s.interp.run(1000, { thread: 0, untilDepth: 3 }), { kind: 'step', thread: 0, cpu: 0, pc: pcOf(s.program, 'add r2') });
    assert.equal(t.frames.length, 3);
    // A breakpoint on the way out stops first; going on from it still finds the return.
    s.interp.setBreakpoints([pcOf(s.program, 'add r2')]);
    const atAdd = { kind: 'breakpoint', thread: 0, cpu: 0, pc: pcOf(s.program, 'add r2') };
    assert.deepEqual(s.interp.run(1000, { thread: 0, untilDepth: 0 }), atAdd); // where it is, before it runs
    assert.equal(t.frames.length, 3);
    assert.deepEqual(s.interp.run(1000, { thread: 0, untilDepth: 0 }), atAdd); // one level out
    assert.equal(t.frames.length, 2);
    s.interp.setBreakpoints([]);
    assert.deepEqual(s.interp.run(1000, { thread: 0, untilDepth: 0 }), { kind: 'step', thread: 0, cpu: 0, pc: pcOf(s.program, 'mov r3') });
    assert.equal(t.frames.length, 0);
    assert.equal(s.interp.register(t, 2), 3n);
    // No return left: the run ends at the halt.
    assert.deepEqual(s.interp.run(1000, { thread: 0, untilDepth: 0 }), { kind: 'halted' });
  });

  test('a step that ends the last thread reports halted', () => {
    const s = load('start:\n    halt\n');
    assert.deepEqual(s.interp.run(10, { thread: 0 }), { kind: 'halted' });
  });
});

describe('determinism', () => {
  test('the same program and options give identical output and retired counts', () => {
    const runs = [1, 2].map(() => {
      const s = load(BUSY, BUSY_OPTS);
      assert.deepEqual(finish(s.interp, 1_000_000), { kind: 'halted' });
      return { fp: fingerprint(s), retired: s.interp.threads.map((t) => t.retired), out: s.interp.output.map((l) => `${l.cpu} ${l.text}`) };
    });
    assert.deepEqual(runs[0], runs[1]);
    assert.equal(runs[0].out.length, 12);
  });

  test('idle processors change nothing: the same run on 2 processors and on 64', () => {
    const runs = [2, 64].map((cpus) => {
      const s = load(BUSY, { ...BUSY_OPTS, cpus });
      assert.deepEqual(finish(s.interp, 997), { kind: 'halted' });
      return { retired: s.interp.threads.map((t) => t.retired), out: s.interp.output.map((l) => `${l.cpu} ${l.text}`), count: s.machine.memory.read64(0x0030_0008) };
    });
    assert.deepEqual(runs[1], runs[0]);
  });

  test('stopping and resuming in chunks of any size gives the same final state as one run', () => {
    const one = load(BUSY, BUSY_OPTS);
    assert.deepEqual(finish(one.interp, 1_000_000), { kind: 'halted' });
    const expected = fingerprint(one);
    for (const chunk of [1, 2, 3, 5, 7, 64, 997]) {
      const s = load(BUSY, BUSY_OPTS);
      assert.deepEqual(finish(s.interp, chunk), { kind: 'halted' }, `chunks of ${chunk}`);
      assert.equal(fingerprint(s), expected, `chunks of ${chunk}`);
    }
  });

  test('stopping at every kind of hook and resuming gives the same run', () => {
    const plain = load(BUSY, BUSY_OPTS);
    finish(plain.interp, 1_000_000);
    const hooked = load(BUSY, BUSY_OPTS);
    hooked.interp.breakOnVsSwitch = true;
    hooked.interp.breakOnTlbMiss = true;
    hooked.interp.addWatch({ space: 'PA', address: 0x0030_0008, size: 8, read: true, write: true });
    hooked.interp.updateHooked();
    const kinds = new Map<string, number>();
    for (;;) {
      const stop = hooked.interp.run(1_000_000);
      if (stop.kind === 'halted') break;
      kinds.set(stop.kind, (kinds.get(stop.kind) ?? 0) + 1);
    }
    assert.deepEqual([...kinds.keys()].sort(), ['tlb-miss', 'vs-switch', 'watchpoint']);
    // Threads a and b share cpu0's CR0 and CR3, so not every iteration switches: at most 2 x 120.
    assert.ok(kinds.get('vs-switch')! > 100 && kinds.get('vs-switch')! <= 240);
    assert.equal(fingerprint(hooked), fingerprint(plain));
  });

  test('a handled page fault counts the same whether or not the run stops at it', () => {
    const src = `
.thread a, start, cpu=0
.thread b, other, cpu=0
start:
    handler on_fault
    mov r5, 0
.loop:
    mov r3, 0x0030_0000
    ld32 r4, [r3]                   ; r3 is unmapped in VS1 until the handler repairs it
    add r5, r5, 1
    blt r5, 20, .loop
    halt
on_fault:
    pop r6
    mov r3, 0x0030_1000
    iret
other:
    add r1, r1, 1
    blt r1, 100, other
    halt
`;
    const prep = (s: Session) => {
      // Paging on in VS1 from the start, with the page at 0x0030_0000 not present.
      const m = s.machine, p = m.processors[0];
      assert.equal(p.writeCr3(m.space('VS1')!.pdpt!), null);
      assert.equal(p.writeCr0((p.cr0 | 0x8000_0000) >>> 0), null);
      const pte = pteAddress(m, 'VS1', 0x0030_0000);
      m.memory.write32(pte, m.memory.read32(pte) & ~1);
    };
    const plain = load(src, { cpus: 1, timerQuantum: 7 });
    prep(plain);
    assert.deepEqual(finish(plain.interp, 1_000_000), { kind: 'halted' });
    const stopping = load(src, { cpus: 1, timerQuantum: 7 });
    prep(stopping);
    stopping.interp.breakOnHandledFault = true;
    let handled = 0;
    for (;;) {
      const stop = stopping.interp.run(1_000_000);
      if (stop.kind === 'halted') break;
      assert.equal(stop.kind, 'fault-handled');
      handled++;
    }
    assert.equal(handled, 20);
    assert.deepEqual(stopping.interp.threads.map((t) => t.retired), plain.interp.threads.map((t) => t.retired));
    assert.equal(fingerprint(stopping), fingerprint(plain));
  });

  test('the shared counter under the spinlock counts every increment', () => {
    const s = load(BUSY, BUSY_OPTS);
    finish(s.interp, 1_000_000);
    assert.equal(s.machine.memory.read64(0x0030_0008), 120n, '3 threads x 40');
    assert.deepEqual([0, 1, 2].map((k) => s.machine.memory.read64(0x0030_0010 + 8 * k)), [40n, 40n, 40n]);
  });
});

describe('processors, the timer and preemption ([00041])', () => {
  // Two threads that never halt on cpu0 and, with two processors, one on cpu1.
  const SPIN = (prefix: string, cpus = 2) => `
.thread t0, f0, cpu=0
.thread t1, f1, cpu=0
${cpus > 1 ? '.thread t2, f1, cpu=1' : ''}
f0:
    ${prefix}
.l0:
    add r1, r1, 1
    jmp .l0
f1:
    add r1, r1, 1
    jmp f1
`;

  test('one processor: the timer switches threads every quantum', () => {
    const s = load(SPIN('nop', 1), { cpus: 1, timerQuantum: 10 });
    assert.deepEqual(s.interp.run(30), { kind: 'budget' });
    // t0 runs 10, the timer gives t1 10, then t0 10 more.
    assert.deepEqual(s.interp.threads.map((t) => t.retired), [20, 10]);
  });

  test('a thread with preemption off is not switched', () => {
    const s = load(SPIN('preempt.off', 1), { cpus: 1, timerQuantum: 10 });
    s.interp.run(30);
    assert.deepEqual(s.interp.threads.map((t) => t.retired), [30, 0]);
    assert.equal(s.machine.processors[0].preemptCount, 1);
  });

  test('holding a spinlock counts as preemption off; releasing it lets the timer switch again', () => {
    const s = load(`
.thread t0, f0, cpu=0
.thread t1, f1, cpu=0
f0:
    spin.lock [0x0030_0000]
    mov r2, 0
.hold:
    add r2, r2, 1
    blt r2, 20, .hold
    spin.unlock [0x0030_0000]
.l0:
    jmp .l0
f1:
    jmp f1
`, { cpus: 1, timerQuantum: 10 });
    s.interp.run(42);
    // t0: lock, mov, 20 x (add, blt) = 42 instructions before the unlock, all without a switch.
    assert.deepEqual(s.interp.threads.map((t) => t.retired), [42, 0]);
    assert.equal(s.machine.processors[0].preemptCount, 1);
    s.interp.run(1);
    assert.equal(s.machine.processors[0].preemptCount, 0, 'after the unlock');
    // The interrupts at 10, 20, 30 and 40 found the count above zero and switched nothing; they are
    // not remembered. The next one comes at 50.
    s.interp.run(7);
    assert.deepEqual(s.interp.threads.map((t) => t.retired), [50, 0]);
    assert.equal(s.interp.currentThread(0)?.name, 't0');
    s.interp.run(1);
    assert.deepEqual(s.interp.threads.map((t) => t.retired), [50, 1]);
    assert.equal(s.interp.currentThread(0)?.name, 't1');
  });

  test('two processors take turns of `interleave` instructions; each has its own timer', () => {
    const s = load(SPIN('nop'), { cpus: 2, timerQuantum: 10 });
    s.interp.run(60);
    // Turns of 1: 30 instructions each. cpu0 switches t0 -> t1 -> t0 every 10.
    assert.deepEqual(s.interp.threads.map((t) => t.retired), [20, 10, 30]);
    const w = load(SPIN('nop'), { cpus: 2, timerQuantum: 10, interleave: 4 });
    w.interp.run(12);
    assert.deepEqual(w.interp.threads.map((t) => t.retired), [8, 0, 4], 'cpu0 4, cpu1 4, cpu0 4');
  });

  test('preemption on one processor does not block the other', () => {
    const s = load(SPIN('preempt.off'), { cpus: 2, timerQuantum: 10 });
    s.interp.run(60);
    assert.deepEqual(s.interp.threads.map((t) => t.retired), [30, 0, 30]);
  });

  test('a thread on a processor the machine does not have cannot load', () => {
    assert.throws(() => load('.thread x, start, cpu=3\nstart:\n    halt\n', { cpus: 2 }), /cpu3.*2 processors/);
  });
});

describe('checkpoints', () => {
  test('restoring a checkpoint returns to the same state; running on gives the same result', () => {
    const s = load(BUSY, BUSY_OPTS);
    s.interp.run(500);
    const at = fingerprint(s);
    const id = s.interp.checkpoint();
    assert.deepEqual(finish(s.interp, 1_000_000), { kind: 'halted' });
    const end = fingerprint(s);
    const output = s.interp.output.map((l) => l.text);
    s.interp.restoreCheckpoint(id);
    assert.equal(fingerprint(s), at, 'the state at the checkpoint');
    assert.deepEqual(finish(s.interp, 37), { kind: 'halted' });
    assert.equal(fingerprint(s), end, 'the same end, reached in other chunks');
    assert.deepEqual(s.interp.output.map((l) => l.text), output);
    // A checkpoint stays usable after a restore.
    s.interp.restoreCheckpoint(id);
    assert.equal(fingerprint(s), at);
  });

  test('a checkpoint taken at a breakpoint resumes past it after a restore', () => {
    const s = load('start:\n    mov r1, 0\n.loop:\n    add r1, r1, 1\n    blt r1, 5, .loop\n    halt\n');
    s.interp.setBreakpoints([pcOf(s.program, 'blt')]);
    s.interp.run(100);
    s.interp.run(100);
    const id = s.interp.checkpoint();
    const r1 = s.interp.register(s.interp.threads[0], 1);
    assert.equal(r1, 2n);
    assert.equal(s.interp.run(100).kind, 'breakpoint');
    s.interp.restoreCheckpoint(id);
    assert.equal(s.interp.register(s.interp.threads[0], 1), 2n);
    const stop = s.interp.run(100);
    assert.equal(stop.kind, 'breakpoint');
    assert.equal(s.interp.register(s.interp.threads[0], 1), 3n, 'the blt ran once, then the next iteration stopped');
  });

  test('a bounded log keeps the latest output and events, counts them all, and checkpoints rewind it with the last event of each name', () => {
    const s = load(`
start:
    mov r2, 1000
loop:
    print "line {r2:d}"
    event tick, r2, 0
    sub r2, r2, 1
    bne r2, r0, loop
    event done, 7, 0
    halt
`, { logLimit: 10 });
    const stop = s.interp.run(2_000);
    assert.equal(stop.kind, 'budget');
    const id = s.interp.checkpoint();
    const at = { output: s.interp.output.length, events: s.interp.events.length, tick: s.interp.lastEvent('tick') };
    assert.equal(at.output, at.events);
    assert.ok(s.interp.output.kept.length < 20 && s.interp.events.kept.length < 20, 'at most twice the limit is kept');
    assert.equal(s.interp.events.at(at.events - 1), at.tick);
    assert.deepEqual(s.interp.run(100_000), { kind: 'halted' });
    assert.equal(s.interp.output.length, 1000);
    assert.equal(s.interp.output.kept.at(-1)?.text, 'line 1');
    assert.equal(s.interp.lastEvent('done')?.a, 7n);
    s.interp.restoreCheckpoint(id);
    assert.equal(s.interp.output.length, at.output, 'the count is rewound, so a line keeps its index in the timeline');
    assert.equal(s.interp.events.length, at.events);
    assert.equal(s.interp.lastEvent('done'), undefined);
    assert.deepEqual(s.interp.lastEvent('tick'), at.tick);
  });

  test('restore brings back memory, output, events and volumes made by vol.new', () => {
    const s = load(`
start:
    print "before"
    nop
    st64 [0x0030_0000], 5
    vol.new r1, 4
    event e, 1, 2
    print "after"
    halt
`);
    s.interp.setBreakpoints([1]);
    s.interp.run(100);
    const id = s.interp.checkpoint();
    s.interp.run(100);
    assert.equal(s.machine.memory.read64(0x0030_0000), 5n);
    assert.equal(s.interp.events.length, 1);
    assert.equal(s.interp.volumeNames.length, 1);
    s.interp.restoreCheckpoint(id);
    assert.equal(s.machine.memory.read64(0x0030_0000), 0n);
    assert.deepEqual(s.interp.output.map((l) => l.text), ['before']);
    assert.equal(s.interp.events.length, 0);
    assert.deepEqual(s.interp.volumeNames, []);
    assert.equal(s.machine.volumes.list().length, 0);
    assert.deepEqual(s.interp.run(100), { kind: 'halted' });
    assert.deepEqual(s.interp.volumeNames, ['vol0']);
  });
});
