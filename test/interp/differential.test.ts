// Differential tests of the interpreter: random programs (emulator/testing/random-program.ts) run two
// ways must leave the same machine (emulator/testing/machine-state.ts) at every stop.
//
//   (a/b) fast path vs checked path: plain, and with a watchpoint armed on an address no program
//         touches (it puts every memory access on the slow path and never fires); and the block
//         compiler (emulator/interp/compiler.ts, on by default) vs none (compile: false) vs every
//         block compiled at its first entry (compileAfter: 0);
//   (c)   breakpoints, a watchpoint and stop hooks vs breakpoints alone: the run with the hooks stops
//         more often and takes the slow path; the other follows it with budgets and must hit the same
//         breakpoints at the same instants, in the same state;
//   (d)   a run in slices of random budgets vs one run;
//   (e)   the TLB-coherence sanitizer off vs on (it only observes);
//   (f)   a checkpoint at a random instant: the run to the end, restored and run again, is the same;
//   (g)   every TLB fill in a paged space maps what a side-effect-free walk of the tables says;
//   (h)   the debugger's steps (counts, step over, step out) mixed with runs vs a plain run;
//   (i)   after each flush (invlpg, flush.range, flush.all, a CR3 load), the TLB holds nothing it drops.
//
// MOVER_DIFF_PROGRAMS=5000 runs more seeds (default 150, every way; and 1,000 more compiled vs interpreted
// only, MOVER_DIFF_COMPILER_PROGRAMS), MOVER_DIFF_SEED=N
// starts at another seed. A difference prints the seed, the first differing path and the program.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DATA_PAGES, Interpreter, Machine, PAGED_BASE, TLB_GLOBAL, UNTOUCHED_PA, VS0_DATA, Rng, firstDifference, machineDigest, randomProgram,
  type DigestOptions, type MachineDigest, type Program, type PteAddresses, type RandomProgram, type StopReason,
} from '../../emulator/index';
import { build, pteAddress } from './helpers';

const PROGRAMS = Number(process.env.MOVER_DIFF_PROGRAMS ?? 150);
const FIRST_SEED = Number(process.env.MOVER_DIFF_SEED ?? 1);
/** Instructions per run call in the plain runs, and a bound on a whole run (programs end far sooner). */
const CHUNK = 5_000;
const MAX_STOPS = 400;



/** The PTE addresses of the data pages, read once from a booted machine's tables. */
const PTES: PteAddresses = (() => {
  const m = new Machine({ cpus: 1 });
  const of = (space: string): number[] => DATA_PAGES.map((p) => pteAddress(m, space, PAGED_BASE + p * 4096));
  return { VS1: of('VS1'), VS2: of('VS2') };
})();

interface Case {
  readonly gen: RandomProgram;
  readonly program: Program;
}

/** Blocks the eager runs compiled, over all programs. */
let compiledBlocks = 0;
/** Programs checked compiled against interpreted only (cheaper: thousands in npm test). */
const COMPILER_PROGRAMS = Number(process.env.MOVER_DIFF_COMPILER_PROGRAMS ?? 1000);

function makeCase(seed: number): Case {
  const gen = randomProgram(seed, { ptes: PTES });
  return { gen, program: build(gen.source) };
}

/** The run under test; `compile` chooses the block compiler: default, off, or compiling every block at its first entry. */
function boot(c: Case, compile: 'default' | 'off' | 'eager' = 'default'): Interpreter {
  const machine = new Machine({ cpus: c.gen.cpus, tlb: c.gen.tlb });
  return new Interpreter(machine, c.program, {
    timerQuantum: c.gen.timerQuantum, interleave: c.gen.interleave,
    ...(compile === 'off' ? { compile: false } : compile === 'eager' ? { compileAfter: 0 } : {}),
  });
}

/** A stop ends the run when the program halted or faulted (running again would only fault again). */
const final = (s: StopReason): boolean => s.kind === 'halted' || s.kind === 'fault';

/** Stop reasons as comparable text (bigints in events and asserts included). */
const show = (s: StopReason): string => JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

interface Trace {
  readonly stops: { readonly stop: StopReason; readonly retired: number; readonly digest: MachineDigest }[];
}

/** Runs to the end in calls of `budget` instructions, with a digest at every stop. */
function trace(interp: Interpreter, budget: () => number, opts: DigestOptions = {}): Trace {
  const stops: Trace['stops'][number][] = [];
  for (let i = 0; i < MAX_STOPS; i++) {
    const stop = interp.run(budget());
    stops.push({ stop, retired: interp.retired, digest: machineDigest(interp, opts) });
    if (final(stop)) break;
  }
  return { stops };
}

function explain(c: Case, what: string, detail: string): string {
  return `seed ${c.gen.seed} (${c.gen.cpus} cpus, timer ${c.gen.timerQuantum}, interleave ${c.gen.interleave}, tlb ${JSON.stringify(c.gen.tlb)}): ${what}: ${detail}\n` +
    `replay: MOVER_DIFF_SEED=${c.gen.seed} MOVER_DIFF_PROGRAMS=1 node scripts/run-tests.mjs differential\n--- program ---\n${c.gen.source}`;
}

/** Fails with the seed, the first difference and the program when two traces differ. */
function assertSameTrace(c: Case, what: string, a: Trace, b: Trace): void {
  const n = Math.max(a.stops.length, b.stops.length);
  for (let i = 0; i < n; i++) {
    const x = a.stops[i], y = b.stops[i];
    if (!x || !y) assert.fail(explain(c, what, `stop ${i}: ${x ? show(x.stop) : '(none)'} vs ${y ? show(y.stop) : '(none)'}`));
    if (show(x.stop) !== show(y.stop)) assert.fail(explain(c, what, `stop ${i}: ${show(x.stop)} vs ${show(y.stop)}`));
    const d = firstDifference(x.digest, y.digest);
    if (d !== null) assert.fail(explain(c, what, `at stop ${i} (${show(x.stop)}, after ${x.retired} instructions): ${d}`));
  }
}

/** (a/b): plain vs a never-firing watchpoint. Returns the plain trace for the other checks. */
function checkFastVsChecked(c: Case): Trace {
  const plain = trace(boot(c), () => CHUNK);
  const end = plain.stops[plain.stops.length - 1];
  // The generator's promise: every program ends (its loops are bounded), by halting or by a fault stop.
  if (!final(end.stop)) assert.fail(explain(c, 'the plain run', `no end after ${end.retired} instructions`));
  const hooked = boot(c);
  hooked.addWatch({ space: 'PA', address: UNTOUCHED_PA, size: 8, read: true, write: true });
  assertSameTrace(c, 'fast path vs checked path (an armed watchpoint that never fires)', plain, trace(hooked, () => CHUNK));
  // The block compiler (on by default): compiled blocks from the first entry, and none at all.
  const interpreted = trace(boot(c, 'off'), () => CHUNK);
  assertSameTrace(c, 'compiled (default) vs interpreted', plain, interpreted);
  const eager = boot(c, 'eager');
  const eagerTrace = trace(eager, () => CHUNK);
  assertSameTrace(c, 'every block compiled at its first entry vs interpreted', eagerTrace, interpreted);
  compiledBlocks += eager.compilerStats!.blocks;
  return plain;
}

/**
 * (c): breakpoints, a watchpoint and random stop hooks (VS switches, handled faults, TLB misses,
 * events) in run X, which takes the checked path; the same breakpoints alone in run Z, on the fast
 * path. Z follows X with budgets: to X's next stop exactly when X's stop completed its instruction
 * (every stop but a breakpoint's or a fault's), one instruction further when it did not, where Z must
 * stop by itself with the same reason. Resuming X after each stop must not change its run.
 */
function checkStopsAndHooks(c: Case, plainEnd: number, rng: Rng, seen: Map<string, number>): void {
  const pcs = Array.from({ length: rng.int(1, 4) }, () => rng.int(0, c.program.length - 1));
  const page = rng.pick(DATA_PAGES);
  // A word, a line or a whole data page (programs touch few words of a page; a page watch fires often).
  const size = rng.pick([1, 8, 256, 4096]);
  const at = size === 4096 ? 0 : rng.int(0, 4096 / Math.max(size, 8) - 1) * Math.max(size, 8);
  const watch = rng.pick([
    { space: 'PA', address: VS0_DATA + page * 4096 + at, size, read: rng.chance(0.5), write: true },
    { space: rng.pick(['VS1', 'VS2']), address: PAGED_BASE + page * 4096 + at, size, read: true, write: rng.chance(0.5) },
    { space: 'PA', address: rng.pick(rng.chance(0.5) ? PTES.VS1 : PTES.VS2), size: 8, read: false, write: true },
  ]);
  const hooks = {
    vsSwitch: rng.chance(0.3) ? new Set(rng.chance(0.5) ? [] : ['VS2']) : null,
    handledFault: rng.chance(0.5),
    tlbMiss: rng.chance(0.2),
    events: new Set(rng.chance(0.5) ? ['tick'] : []),
  };
  const budget = rng.int(100, 3_000);
  const x = boot(c), z = boot(c);
  x.setBreakpoints(pcs);
  if (rng.chance(0.8)) x.addWatch(watch);
  x.setStopHooks(hooks);
  z.setBreakpoints(pcs);
  const setup = `breakpoints at ${pcs.join(', ')}, ${x.watchpoints.length ? `watch ${JSON.stringify(watch)}` : 'no watch'}, ` +
    `hooks ${JSON.stringify(hooks, (_k, v: unknown) => (v instanceof Set ? [...(v as Set<string>)] : v))}, budget ${budget}`;
  for (let i = 0; i < MAX_STOPS * 4; i++) {
    const sx = x.run(budget);
    seen.set(sx.kind, (seen.get(sx.kind) ?? 0) + 1);
    // Memory (the costly part of a digest, ~10 ms) at every 8th stop and at the end; the rest always.
    const memory = i % 8 === 0 || final(sx);
    const dx = machineDigest(x, { memory });
    const distance = x.retired - z.retired;
    const completes = sx.kind !== 'breakpoint' && sx.kind !== 'fault';
    if (!(completes && distance === 0)) {
      const sz = z.run(completes ? distance : distance + 1);
      const same = completes ? sz.kind === 'budget' || (sx.kind === 'halted' && sz.kind === 'halted') : show(sz) === show(sx);
      if (!same) {
        assert.fail(explain(c, `stops and hooks (${setup})`, `stop ${i}: with the hooks ${show(sx)} after ${x.retired}; without them ${show(sz)} after ${z.retired}`));
      }
    }
    const d = firstDifference(dx, machineDigest(z, { memory }));
    if (d !== null) assert.fail(explain(c, `stops and hooks (${setup})`, `at stop ${i} (${show(sx)}, after ${x.retired} instructions): ${d}`));
    if (final(sx)) {
      assert.equal(x.retired, plainEnd, explain(c, setup, 'the run with hooks ends after as many instructions as the plain run'));
      return;
    }
  }
  assert.fail(explain(c, `stops and hooks (${setup})`, `no end after ${MAX_STOPS * 4} stops`));
}

/** (d): slices of random budgets give the same run as calls of a fixed budget. */
function checkSlices(c: Case, plain: Trace, rng: Rng): void {
  const interp = boot(c);
  const max = rng.pick([1, 7, 100, 1_000]);
  let stop: StopReason = { kind: 'budget' };
  const stops: string[] = [];
  for (let i = 0; i < 100_000 && !final(stop); i++) {
    stop = interp.run(rng.int(1, max));
    if (stop.kind !== 'budget') stops.push(show(stop));
  }
  const last = plain.stops[plain.stops.length - 1];
  assert.deepEqual(stops, plain.stops.filter((s) => s.stop.kind !== 'budget').map((s) => show(s.stop)), explain(c, `slices of 1..${max}`, 'the stops other than budgets differ'));
  const d = firstDifference(last.digest, machineDigest(interp));
  if (d !== null) assert.fail(explain(c, `slices of 1..${max} vs calls of ${CHUNK}`, `at the end: ${d}`));
}

/** (e): the TLB-coherence sanitizer only observes (ARCHITECTURE.md): the run is the same with it on. */
function checkSanitizer(c: Case, plain: Trace): void {
  const checked = boot(c);
  checked.setTlbCheck(true);
  assertSameTrace(c, 'sanitizer off vs on', plain, trace(checked, () => CHUNK));
}

/**
 * (f): time travel. A checkpoint taken at a random instant, the run to the end, a restore and the run
 * to the end again: the second ending is the first (what step back and reverse continue rely on).
 */
function checkCheckpoint(c: Case, plain: Trace, rng: Rng): void {
  const end = plain.stops[plain.stops.length - 1];
  const interp = boot(c);
  const at = rng.int(0, end.retired);
  if (at > 0) interp.run(at);
  const id = interp.checkpoint();
  // LRU ranks, not stamps: a restored TLB may skip one stamp per set (see DigestOptions.lruStamps).
  const ranks = { lruStamps: false };
  const first = trace(interp, () => CHUNK, ranks);
  // Taking a checkpoint changes nothing: the end is the plain run's, stamps included.
  const d = firstDifference(end.digest, machineDigest(interp));
  if (d !== null) assert.fail(explain(c, `a checkpoint after ${at} instructions vs no checkpoint`, `at the end: ${d}`));
  interp.restoreCheckpoint(id);
  const again = trace(interp, () => CHUNK, ranks);
  assertSameTrace(c, `a checkpoint after ${at} instructions, run to the end twice`, first, again);
}

/**
 * (h): the debugger's steps (a count of one thread's instructions, step over and step out, which wait
 * for a return at full speed) mixed with runs, vs a plain run that follows with budgets: a step stop
 * must leave the machine as the plain run after as many instructions.
 */
function checkSteps(c: Case, plainEnd: number, rng: Rng): void {
  const x = boot(c), z = boot(c);
  const log: string[] = [];
  for (let i = 0; i < MAX_STOPS; i++) {
    const live = x.threads.filter((t) => t.state !== 'halted');
    if (live.length === 0) break;
    const t = rng.pick(live);
    const depth = t.frames.length;
    const how = rng.int(0, 4);
    const step = how === 0 ? undefined
      : how === 1 ? { thread: t.id, untilDepth: depth }
        : how === 2 && depth > 0 ? { thread: t.id, untilDepth: depth - 1 }
          : { thread: t.id, count: rng.int(1, 60) };
    const sx = x.run(rng.int(1, 2_000), step);
    log.push(`${step ? JSON.stringify(step) : 'run'} -> ${sx.kind}`);
    const distance = x.retired - z.retired;
    if (sx.kind === 'breakpoint' || sx.kind === 'fault') {
      const sz = z.run(distance + 1);
      if (show(sz) !== show(sx)) assert.fail(explain(c, `steps (${log.slice(-5).join('; ')})`, `${show(sx)} vs ${show(sz)}`));
    } else if (distance > 0) z.run(distance);
    const d = firstDifference(machineDigest(x, { memory: final(sx) }), machineDigest(z, { memory: final(sx) }));
    if (d !== null) assert.fail(explain(c, `steps (${log.slice(-5).join('; ')})`, `after ${x.retired} instructions: ${d}`));
    if (final(sx)) break;
  }
  if (x.halted) assert.equal(x.retired, plainEnd, explain(c, 'steps', 'a stepped run ends after as many instructions as the plain run'));
}

/** The VA of a canonical memory operand (`[r9 + r10*8 + 0x10]`, `[0x2000_1000]`) with a thread's registers. */
function operandVa(interp: Interpreter, thread: number, text: string): number {
  const inner = /\[(.*)\]/.exec(text)?.[1] ?? '';
  let va = 0;
  for (const part of inner.split('+').map((x) => x.trim())) {
    const scaled = /^r(\d+)\*(\d)$/.exec(part), plain = /^r(\d+)$/.exec(part);
    const lo = (r: string): number => Number(interp.register(interp.threads[thread], Number(r)) & 0xffff_ffffn);
    if (scaled) va += lo(scaled[1]) * Number(scaled[2]);
    else if (plain) va += lo(plain[1]);
    else va += Number(part.replace(/_/g, ''));
  }
  return va % 2 ** 32;
}

/**
 * (i): an oracle for the flushes: a breakpoint on each flush and on the instruction after it; when a
 * thread stops after its flush with one instruction retired in between, its processor's TLB holds no
 * entry the flush drops (flush.all: none left; flush.range: none in the range; invlpg: none for the
 * page; a CR3 load under paging: only global ones). Returns the flushes checked.
 */
function checkFlushes(c: Case): number {
  const flushes = c.program.text.map((t, pc) => [t, pc] as const).filter(([t]) => /^(invlpg|flush\.|mov cr3,)/.test(t)).map(([, pc]) => pc);
  if (flushes.length === 0) return 0;
  const interp = boot(c);
  interp.setBreakpoints(flushes.flatMap((pc) => [pc, pc + 1]));
  const at = new Map<number, { pc: number; retired: number; paging: boolean }>();
  let checked = 0;
  for (let i = 0; i < MAX_STOPS * 20; i++) {
    const stop = interp.run(CHUNK);
    if (final(stop)) return checked;
    if (stop.kind !== 'breakpoint') continue;
    const t = interp.threads[stop.thread];
    const cpu = interp.machine.processors[stop.cpu];
    const before = at.get(t.id);
    at.set(t.id, { pc: stop.pc, retired: t.retired, paging: cpu.paging });
    if (!before || before.pc !== stop.pc - 1 || t.retired !== before.retired + 1 || !flushes.includes(before.pc)) continue;
    const text = c.program.text[before.pc];
    const tlb = cpu.tlb;
    let lo = 0, hi = 2 ** 20, globalsStay = false;
    if (text.startsWith('flush.range')) {
      const [a, b] = text.slice('flush.range'.length).split(',').map((x) => Number(x.trim().replace(/_/g, '')));
      lo = Math.floor(a / 4096); hi = Math.ceil(b / 4096);
    } else if (text.startsWith('invlpg')) {
      lo = Math.floor(operandVa(interp, t.id, text) / 4096); hi = lo + 1;
    } else if (text.startsWith('mov cr3')) {
      if (!before.paging) continue;
      globalsStay = true;
    }
    for (let e = 0; e < tlb.size; e++) {
      const vpn = tlb.vpn[e];
      if (vpn === -1 || vpn >>> 0 < lo || vpn >>> 0 >= hi || (globalsStay && (tlb.flags[e] & TLB_GLOBAL) !== 0)) continue;
      assert.fail(explain(c, `the TLB after "${text}" (pc ${before.pc}, thread ${t.id}, cpu${stop.cpu})`, `entry ${e} still maps page ${(vpn >>> 0).toString(16)}`));
    }
    checked++;
  }
  assert.fail(explain(c, 'the flush oracle', `no end after ${MAX_STOPS * 20} stops`));
}

/**
 * (g): an oracle for the walk (and its per-processor memo): at every TLB-miss stop in a paged space,
 * the entry the miss filled maps the page where a side-effect-free walk of the tables in memory does
 * now (the access completed, and nothing but VS0 stores edits the tables). Returns the entries checked.
 */
function checkFillsAgainstTables(c: Case): number {
  const interp = boot(c);
  interp.setStopHooks({ vsSwitch: null, handledFault: false, tlbMiss: true, events: new Set() });
  let checked = 0;
  for (let i = 0; i < MAX_STOPS * 20; i++) {
    const stop = interp.run(CHUNK);
    if (final(stop)) return checked;
    if (stop.kind !== 'tlb-miss' || stop.space === 'VS0') continue;
    const tlb = interp.machine.processors[stop.cpu].tlb;
    const vpn = stop.va >>> 12;
    const e = Array.from(tlb.vpn).findIndex((v) => v >>> 0 === vpn);
    const walked = interp.peekTranslate(stop.space, stop.va);
    const filled = e < 0 ? null : tlb.frame[e] + (stop.va & 0xfff);
    if (filled !== walked) {
      assert.fail(explain(c, 'a TLB fill vs a side-effect-free walk', `${show(stop)} after ${interp.retired}: the TLB maps ${filled === null ? 'nothing' : filled.toString(16)}, the tables ${walked === null ? 'nothing' : walked.toString(16)}`));
    }
    checked++;
  }
  assert.fail(explain(c, 'a TLB fill vs a side-effect-free walk', `no end after ${MAX_STOPS * 20} stops`));
}

describe('differential: random programs run two ways give the same machine', () => {
  test('the generator gives the same text for a seed, and different programs for different seeds', () => {
    assert.equal(randomProgram(7, { ptes: PTES }).source, randomProgram(7, { ptes: PTES }).source);
    assert.notEqual(randomProgram(7, { ptes: PTES }).source, randomProgram(8, { ptes: PTES }).source);
  });

  test('firstDifference names the first differing path', () => {
    assert.equal(firstDifference({ cpu1: { tlb: { hits: 120 } } }, { cpu1: { tlb: { hits: 121 } } }), 'cpu1.tlb.hits: 120 vs 121');
    assert.equal(firstDifference({ a: [1, 2] }, { a: [1, 2, 3] }), 'a[2]: (missing) vs 3 (lengths 2 vs 3)');
    assert.equal(firstDifference({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }), null);
  });

  test('a TLB-miss stop on a page-crossing access that faults into the handler counts the handler entry', () => {
    // VS1's page 0x2000_1000 made not present from VS0; then a 2-byte load at 0x2000_0FFF in VS1: the
    // first page misses the TLB, the second faults, the handler points r9 at C1 and the retry succeeds.
    const pte = pteAddress(new Machine({ cpus: 1 }), 'VS1', 0x2000_1000);
    const src = `
start:
    handler on_fault
    mov r1, ${pte}
    ld64 r2, [r1]
    and r2, r2, ~PTE_P
    st64 [r1], r2
    mov r14, VS1_CR3
    mov cr3, r14
    mov r14, cr0
    or r14, r14, CR0_PG
    mov cr0, r14
    mov r9, 0x2000_0000
    ld16 r3, [r9 + 0xFFF]
    halt
on_fault:
    pop r13
    mov r9, 0x0030_0000
    iret
`;
    const runWith = (tlbMiss: boolean): { stops: string[]; retired: number; digest: MachineDigest } => {
      const program = build(src);
      const interp = new Interpreter(new Machine({ cpus: 1 }), program);
      interp.setStopHooks({ vsSwitch: null, handledFault: false, tlbMiss, events: new Set() });
      const stops: string[] = [];
      for (let i = 0; i < 10; i++) {
        const r = interp.run(1_000);
        stops.push(`${r.kind}${'pc' in r ? `@${r.pc}` : ''}: thread at ${interp.threads[0].pc}, ${interp.retired} retired`);
        if (r.kind === 'halted') break;
      }
      return { stops, retired: interp.retired, digest: machineDigest(interp) };
    };
    const plain = runWith(false), hooked = runWith(true);
    // Plain retires 17; with the hook the first stop is the TLB miss at the ld16 (instruction 11) with the
    // thread already at its handler (13), the handler's entry counted: the same run.
    assert.equal(hooked.retired, plain.retired, `the same run with the hook: ${hooked.stops.join('; ')}`);
    assert.equal(firstDifference(plain.digest, hooked.digest), null, 'the same machine at the end');
  });

  test('a watchpoint on a stack slot sees push, pop, call and ret', () => {
    // sp starts at 0x0100_0000, so each push, call and pop below uses 0x00FF_FFF8.
    const program = build('start:\n    mov r1, 5\n    push r1\n    pop r2\n    call f\n    halt\nf:\n    ret\n');
    const interp = new Interpreter(new Machine({ cpus: 1 }), program);
    interp.addWatch({ space: 'PA', address: 0x00ff_fff8, size: 8, read: true, write: true });
    const stops: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = interp.run(100);
      stops.push(r.kind === 'watchpoint' ? `${r.hit.access}@${r.pc}` : r.kind);
      if (r.kind === 'halted') break;
    }
    assert.deepEqual(stops, ['write@1', 'read@2', 'write@3', 'read@5', 'halted']);
  });

  test('the digest sees a change of one register, one TLB counter and one byte of memory', () => {
    const c = makeCase(3);
    const interp = boot(c);
    interp.run(200);
    const before = machineDigest(interp);
    interp.setRegister(interp.threads[0], 5, interp.register(interp.threads[0], 5) ^ 1n);
    assert.match(firstDifference(before, machineDigest(interp)) ?? '', /^threads\[0\]\.regs\[5\]/);
    interp.setRegister(interp.threads[0], 5, interp.register(interp.threads[0], 5) ^ 1n);
    interp.machine.processors[0].tlb.misses++;
    assert.match(firstDifference(before, machineDigest(interp)) ?? '', /^cpu0\.tlb\.misses/);
    interp.machine.processors[0].tlb.misses--;
    const mem = interp.machine.memory;
    mem.write8(0x0030_0000 + 7, mem.read8(0x0030_0000 + 7) ^ 0x40);
    assert.match(firstDifference(before, machineDigest(interp)) ?? '', /^memory/);
  });

  test(`${COMPILER_PROGRAMS} more programs: compiled (at first entry and by default) vs interpreted`, (t) => {
    let blocks = 0, instructions = 0;
    for (let seed = FIRST_SEED + PROGRAMS; seed < FIRST_SEED + PROGRAMS + COMPILER_PROGRAMS; seed++) {
      const c = makeCase(seed);
      // Memory is hashed once, at the end (the digest's costly part); everything else at every stop.
      const runs = [boot(c, 'off'), boot(c, 'eager'), boot(c)];
      const [interpreted, eager, compiled] = runs.map((x) => trace(x, () => CHUNK, { memory: false }));
      assertSameTrace(c, 'every block compiled at its first entry vs interpreted', eager, interpreted);
      assertSameTrace(c, 'compiled (default) vs interpreted', compiled, interpreted);
      const [m0, m1, m2] = runs.map((x) => machineDigest(x));
      const d = firstDifference(m0, m1) ?? firstDifference(m0, m2);
      if (d !== null) assert.fail(explain(c, 'compiled vs interpreted, at the end', d));
      blocks += runs[1].compilerStats!.blocks;
      instructions += runs[1].retired;
    }
    t.diagnostic(`${instructions} instructions, ${blocks} blocks compiled`);
    assert.ok(blocks >= COMPILER_PROGRAMS, `blocks were compiled (${blocks})`);
  });

  test(`${PROGRAMS} programs from seed ${FIRST_SEED}: fast vs checked path, breakpoints, watchpoints and stop hooks, slices, sanitizer, checkpoints`, (t) => {
    const kinds = new Map<string, number>(), stopsSeen = new Map<string, number>();
    let instructions = 0, fills = 0, flushesChecked = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + PROGRAMS; seed++) {
      const c = makeCase(seed);
      const rng = new Rng(seed ^ 0x5eed);
      const plain = checkFastVsChecked(c);
      const end = plain.stops[plain.stops.length - 1];
      kinds.set(end.stop.kind, (kinds.get(end.stop.kind) ?? 0) + 1);
      instructions += end.retired;
      checkStopsAndHooks(c, end.retired, rng, stopsSeen);
      checkSlices(c, plain, rng);
      checkSanitizer(c, plain);
      checkCheckpoint(c, plain, rng);
      fills += checkFillsAgainstTables(c);
      checkSteps(c, end.retired, rng);
      flushesChecked += checkFlushes(c);
    }
    // Not a test that cannot fail: most programs must run to their halt (a generator that makes
    // programs fault at once would compare nothing), and they must run some instructions.
    assert.ok((kinds.get('halted') ?? 0) >= PROGRAMS * 0.7, `most programs halt: ${JSON.stringify([...kinds])}`);
    assert.ok(instructions >= PROGRAMS * 100, `the programs ran ${instructions} instructions`);
    t.diagnostic(`${instructions} instructions; ends ${JSON.stringify([...kinds])}; stops with hooks ${JSON.stringify([...stopsSeen])}; ` +
      `TLB fills checked against the tables: ${fills}; flushes checked: ${flushesChecked}`);
    assert.ok(flushesChecked >= PROGRAMS, `flushes were checked (${flushesChecked})`);
    assert.ok(fills >= PROGRAMS, `TLB fills were checked against the tables (${fills})`);
    t.diagnostic(`blocks compiled by the eager runs: ${compiledBlocks}`);
    assert.ok(compiledBlocks >= PROGRAMS, `the eager runs compiled blocks (${compiledBlocks})`);
  });
});
