// The mover-script interpreter: runs a pre-decoded program on the machine's processors.
//
// Every load and store goes through the processor's translation (TLB, walk, faults), so a program that
// forgets to switch spaces, or to flush, really reads the wrong memory. Runs are bounded (`run(budget)`)
// and return a typed stop reason. Scheduling is a deterministic state machine: processors take turns of
// `interleave` instructions (a processor alone runs without turns); each processor's timer interrupts
// every `timerQuantum` of its instructions and switches threads only when its preemption count is zero
// ([00031], [00041]). The scheduler's position is part of the state, so stopping and resuming anywhere
// gives the same run as never stopping, which step back relies on.
//
// Hooks cost nothing when unused: breakpoints patch a BREAK opcode into the code; watchpoints, TLB-miss
// and fault reporting put memory accesses on a slow path only while one of them is armed.

import { FOUR_GIB, hex } from '../hex';
import { PAGE_OFFSET_MASK, PAGE_SHIFT, PAGE_SIZE } from '../physical-memory';
import { FAST_MASK, FAST_SIZE } from '../tlb';
import { DEFAULT_TIMER_QUANTUM, type Machine } from '../machine';
import { CR3_PDPT_MASK, WalkOut, walk } from '../paging';
import { CR0_PG, GPR_COUNT, ZERO_REG, type PageFault, type Processor } from '../processor';
import { Op } from '../asm/isa';
import { CR, Imm, MI, MR, Mem, RC, RI, RIL, RM, RR, RRI, RRL, RRR, Reg, Target } from '../asm/encoding';
import { INSTRUCTION_SIZE, STRIDE, type Aux, type Program, type ValueRef } from '../asm/program';
import type { RuntimeFault, StopReason, WatchHit } from './stop';
import { BoundedLog } from './bounded-log';
import { BlockCache, HOT_ENTRIES, READY, type BlockState } from './compiler';
import { ACCESS_SIZE, LAST_OFFSET, mul64, u64 } from './words';
import { TlbSanitizer } from '../tlb-sanitizer';

export interface InterpreterOptions {
  /** Instructions between timer interrupts on each processor ([00031]'s 20 ms). Default 10,000. */
  readonly timerQuantum?: number;
  /** Instructions a processor runs before the next one takes its turn. Default 1. */
  readonly interleave?: number;
  /**
   * Output lines and events kept (at least this many of the latest; default all). A debugger bounds
   * them so a long run does not grow without limit; `lastEvent` still answers for every event name.
   */
  readonly logLimit?: number;
  /**
   * Compiles hot code into JavaScript functions (compiler.ts): the same run, instruction for
   * instruction, faster. Default on; false runs everything interpreted.
   */
  readonly compile?: boolean;
  /** Entries into an instruction (by a jump, call or return) before a block is compiled there. Default HOT_ENTRIES; 0 compiles at once (tests). */
  readonly compileAfter?: number;
  /** Runs the TLB-coherence sanitizer from the start (see tlb-sanitizer.ts; also `setTlbCheck`). Default off. */
  readonly checkTlb?: boolean;
}

export type ThreadState = 'ready' | 'running' | 'halted';

/** A call the thread made: the shadow stack the debugger shows as frames. */
export interface CallFrame {
  /** Instruction index of the call. */
  readonly callPc: number;
  /** First instruction of the callee. */
  readonly entry: number;
  /** The space the caller ran in when it called (pg and CR3). */
  readonly callerPaging: boolean;
  readonly callerCr3: number;
  readonly sp: number;
}

type MutableFrame = { -readonly [K in keyof CallFrame]: CallFrame[K] };

export class Thread {
  readonly regLo = new Int32Array(GPR_COUNT + 1);
  readonly regHi = new Int32Array(GPR_COUNT + 1);
  state: ThreadState = 'ready';
  /** Page-fault handler (instruction index) or -1. */
  handler = -1;
  inHandler = false;
  frames: CallFrame[] = [];
  retired = 0;
  /**
   * Frame objects reused by calls, one per depth, so a call allocates nothing: while d < frames.length,
   * frames[d] is framePool[d]. Checkpoints copy frames, so no checkpoint shares one of these.
   */
  private framePool: MutableFrame[] = [];
  constructor(readonly id: number, readonly name: string, readonly cpu: number, public pc: number, readonly entry: number) {}

  pushFrame(callPc: number, entry: number, callerPaging: boolean, callerCr3: number, sp: number): void {
    const d = this.frames.length;
    let f = this.framePool[d];
    if (f === undefined) this.framePool[d] = f = { callPc, entry, callerPaging, callerCr3, sp };
    else { f.callPc = callPc; f.entry = entry; f.callerPaging = callerPaging; f.callerCr3 = callerCr3; f.sp = sp; }
    this.frames.push(f);
  }

  /** Copies of the frames, for checkpoints. */
  copyFrames(): CallFrame[] {
    return this.frames.map((f) => ({ ...f }));
  }

  /** Puts back frames from a checkpoint (copied, so the checkpoint stays as it was). */
  setFrames(frames: readonly CallFrame[]): void {
    const copies: MutableFrame[] = frames.map((f) => ({ ...f }));
    this.frames = copies;
    this.framePool = copies.slice();
  }
}

export interface Watchpoint {
  readonly id: number;
  /** "PA" for a physical watch, else the space whose VA is watched (followed through the live tables). */
  readonly space: string;
  readonly address: number;
  readonly size: number;
  readonly read: boolean;
  readonly write: boolean;
}

/** Which events stop a run, besides breakpoints and watchpoints. */
export interface StopHooks {
  /** Stop on a VS switch: into these spaces (upper case), or any switch when empty; off when null. */
  readonly vsSwitch: ReadonlySet<string> | null;
  readonly handledFault: boolean;
  readonly tlbMiss: boolean;
  /** Program events (`event NAME`) that stop, e.g. "cofw". */
  readonly events: ReadonlySet<string>;
  /** Stop after an unexpected use of a stale TLB entry (turns the sanitizer on). */
  readonly staleTlb?: boolean;
}

export interface OutputLine {
  readonly thread: number;
  readonly cpu: number;
  readonly text: string;
}

export interface EventRecord {
  readonly seq: number;
  readonly name: string;
  readonly a: bigint;
  readonly b: bigint;
  readonly thread: number;
  readonly cpu: number;
  readonly pc: number;
}

/**
 * An event as the interpreter records it: its two values as 32-bit halves, made BigInts only when read
 * (the patent's modules emit several per operation; most are never looked at).
 */
class RecordedEvent implements EventRecord {
  constructor(
    readonly seq: number, readonly name: string,
    private readonly aLo: number, private readonly aHi: number, private readonly bLo: number, private readonly bHi: number,
    readonly thread: number, readonly cpu: number, readonly pc: number,
  ) {}

  get a(): bigint { return u64(this.aLo, this.aHi); }
  get b(): bigint { return u64(this.bLo, this.bHi); }
}

interface CpuRun {
  readonly proc: Processor;
  current: Thread | null;
  /** Threads of this processor in scheduling order. */
  readonly threads: Thread[];
  timerLeft: number;
  /** The last access's VA as a signed 32-bit value (cheap to store), or NO_ACCESS. */
  lastVa: number;
  lastWrite: boolean;
}

/** Interpreter state kept in machine checkpoints (format version 1). */
export interface InterpreterState {
  readonly version: 1;
  readonly threads: { pc: number; regLo: Int32Array; regHi: Int32Array; state: ThreadState; handler: number; inHandler: boolean; frames: CallFrame[]; retired: number }[];
  readonly cpus: { current: number; order: number[]; timerLeft: number; lastVa: number; lastWrite: boolean }[];
  readonly cursor: number;
  readonly sliceLeft: number;
  readonly retired: number;
  readonly outputLength: number;
  readonly eventsLength: number;
  /** The last event of each name, so views need not scan the (bounded) log. */
  readonly lastEvents: readonly EventRecord[];
  readonly volumeIds: number;
  readonly lastBreak: { thread: number; pc: number } | null;
}

export class LoadError extends Error {}

const STOPPED = -1;
/** A host-cache tag array that never matches: the exec loop's while a hook is armed. */
const NO_HOST = new Int32Array(FAST_SIZE).fill(-1);
/** The opcode after the last instruction (not an Op: execSlow's default reports it). */
const END_OF_CODE = -1;
/** lastVa before any access: not a 32-bit value, so every real VA differs from it. */
const NO_ACCESS = 2 ** 40;

export class Interpreter {
  readonly threads: Thread[] = [];
  readonly output: BoundedLog<OutputLine>;
  readonly events: BoundedLog<EventRecord>;
  private lastEvents = new Map<string, EventRecord>();
  /** Volume names by number (declared ones first, then those made by vol.new). */
  readonly volumeNames: string[] = [];
  /** Instructions retired by all processors. */
  retired = 0;
  onOutput: ((line: OutputLine) => void) | null = null;

  readonly timerQuantum: number;
  readonly interleave: number;
  private readonly cpus: CpuRun[];
  private readonly code: Int32Array;
  private readonly aux: readonly (Aux | undefined)[];
  private cursor = 0;
  /** The return a step over or out waits for (see run's `untilDepth`); null otherwise. */
  private returnWatch: { readonly thread: Thread; readonly depth: number } | null = null;
  /** The ids of the processors with a current thread (see refreshBusy). */
  private busy: number[] = [];
  private sliceLeft: number;
  private pending: StopReason | null = null;

  private readonly breakpoints = new Map<number, number>();
  private lastBreak: { thread: number; pc: number } | null = null;
  private watches: Watchpoint[] = [];
  private nextWatchId = 1;
  breakOnVsSwitch = false;
  /** Only these target spaces stop a VS switch (empty: any). */
  vsSwitchTargets: ReadonlySet<string> = new Set();
  breakOnTlbMiss = false;
  breakOnHandledFault = false;
  /** Event names that stop the run (e.g. "cofw"). */
  breakOnEvents: ReadonlySet<string> = new Set();
  /** Stop after an unexpected stale TLB use (the sanitizer must be on: setStopHooks turns it on). */
  breakOnStaleTlb = false;
  /** The TLB-coherence sanitizer while it is on, else null (see setTlbCheck). */
  sanitizer: TlbSanitizer | null = null;
  /** The sanitizer was asked for (the option or setTlbCheck), apart from the stop hook's need of it. */
  private tlbCheckWanted = false;
  /** True while a watchpoint or the TLB-miss hook is armed: memory accesses take the slow path. */
  private hooked = false;
  private readonly scratch = new Int32Array(2);
  /** The basic-block compiler's blocks (compiler.ts), or null when running interpreted only. */
  private blocks: BlockCache | null;
  /** What a block hands back (reused). */
  private readonly blockState: BlockState = { pc: 0, hits: 0, lastVa: 0, lastWrite: false };

  constructor(readonly machine: Machine, readonly program: Program, options: InterpreterOptions = {}) {
    this.timerQuantum = options.timerQuantum ?? DEFAULT_TIMER_QUANTUM;
    this.interleave = options.interleave ?? 1;
    if (!Number.isInteger(this.timerQuantum) || this.timerQuantum < 1) throw new LoadError(`timerQuantum must be a whole number of instructions, at least 1 (got ${this.timerQuantum})`);
    if (!Number.isInteger(this.interleave) || this.interleave < 1) throw new LoadError(`interleave must be at least 1 (got ${this.interleave})`);
    this.sliceLeft = this.interleave;
    this.output = new BoundedLog(options.logLimit ?? Infinity);
    this.events = new BoundedLog(options.logLimit ?? Infinity);
    // One instruction more than the program: a thread that goes past the last one finds END_OF_CODE
    // there (an opcode no program has), so the loop never reads past the end of the array.
    this.code = new Int32Array((program.length + 1) * STRIDE);
    this.code.set(program.code.subarray(0, program.length * STRIDE));
    this.code[program.length * STRIDE] = END_OF_CODE;
    this.aux = program.aux;
    const hot = options.compileAfter ?? HOT_ENTRIES;
    if (!Number.isInteger(hot) || hot < 0) throw new LoadError(`compileAfter must be a whole number of entries (got ${hot})`);
    this.blocks = options.compile === false ? null : new BlockCache(this.code, program.length, hot);
    this.cpus = machine.processors.map((proc) => ({ proc, current: null, threads: [], timerLeft: this.timerQuantum, lastVa: NO_ACCESS, lastWrite: false }));
    this.load();
    if (options.checkTlb) this.setTlbCheck(true);
  }

  /** Turns the TLB-coherence sanitizer on or off (it stays on while the stale-TLB stop hook is set). */
  setTlbCheck(on: boolean): void {
    this.tlbCheckWanted = on;
    this.updateSanitizer();
  }

  private updateSanitizer(): void {
    const want = this.tlbCheckWanted || this.breakOnStaleTlb;
    if (want && this.sanitizer === null) {
      const san = new TlbSanitizer(this.machine, this.program);
      san.onFinding = (f) => {
        if (this.breakOnStaleTlb && f.kind === 'stale-use' && !f.expected && this.pending === null) this.pending = { kind: 'tlb-stale', thread: f.thread, cpu: f.cpu, pc: f.pc, finding: f };
      };
      san.clock = this.retired;
      san.attach();
      this.sanitizer = san;
    } else if (!want && this.sanitizer !== null) {
      this.sanitizer.detach();
      this.sanitizer = null;
    }
  }

  private load(): void {
    const { machine, program } = this;
    for (const d of program.data) machine.memory.writeBytes(d.pa, d.bytes);
    for (const v of program.volumes) {
      const made = machine.volumes.create({ name: v.name, blockSize: v.blockSize, blocks: v.blocks });
      if (typeof made === 'string') throw new LoadError(`volume ${v.name}: ${made}`);
      this.volumeNames.push(v.name);
    }
    const decls = program.threads.length ? program.threads : [{ name: 'main', entry: program.labels.get('start') ?? 0, cpu: 0, stack: 0x0100_0000, span: null }];
    if (program.length === 0) throw new LoadError('the program has no instructions');
    decls.forEach((d, i) => {
      if (d.cpu >= this.cpus.length) throw new LoadError(`thread ${d.name} runs on cpu${d.cpu}, but the machine has ${this.cpus.length} processor${this.cpus.length === 1 ? '' : 's'} (cpu0..cpu${this.cpus.length - 1})`);
      const t = new Thread(i, d.name, d.cpu, d.entry, d.entry);
      t.regLo[15] = d.stack | 0;
      this.threads.push(t);
      this.cpus[d.cpu].threads.push(t);
    });
    for (const c of this.cpus) {
      const first = c.threads[0];
      if (first) this.switchTo(c, first);
    }
  }

  // ---- inspection ------------------------------------------------------------------------------

  /** Registers of a thread (the processor's while it runs there). */
  registersOf(t: Thread): { lo: Int32Array; hi: Int32Array } {
    const c = this.cpus[t.cpu];
    return c.current === t ? { lo: c.proc.regLo, hi: c.proc.regHi } : { lo: t.regLo, hi: t.regHi };
  }

  register(t: Thread, r: number): bigint {
    const { lo, hi } = this.registersOf(t);
    return u64(lo[r], hi[r]);
  }

  setRegister(t: Thread, r: number, value: bigint): void {
    if (r < 0 || r >= GPR_COUNT) throw new RangeError(`no register ${r}`);
    const { lo, hi } = this.registersOf(t);
    const v = BigInt.asUintN(64, value);
    lo[r] = Number(v & 0xffffffffn) | 0;
    hi[r] = Number(v >> 32n) | 0;
  }

  /** The thread a processor is running (or would run next). */
  currentThread(cpu: number): Thread | null {
    return this.cpus[cpu]?.current ?? null;
  }

  lastAccess(cpu: number): { va: number; write: boolean } | null {
    const c = this.cpus[cpu];
    return c && c.lastVa !== NO_ACCESS ? { va: c.lastVa >>> 0, write: c.lastWrite } : null;
  }

  get halted(): boolean {
    return this.threads.every((t) => t.state === 'halted');
  }

  /** Display name of the space a processor runs in. */
  spaceOf(cpu: number): string {
    return this.machine.currentSpaceName(this.machine.processors[cpu]);
  }

  // ---- hooks -------------------------------------------------------------------------------------

  /** Replaces every breakpoint: instruction indexes that stop before they run. */
  setBreakpoints(pcs: Iterable<number>): void {
    const blocks = this.blocks;
    for (const [pc, op] of this.breakpoints) { this.code[pc * STRIDE] = op; blocks?.invalidate(pc); }
    this.breakpoints.clear();
    for (const pc of pcs) {
      if (!Number.isInteger(pc) || pc < 0 || pc >= this.program.length || this.breakpoints.has(pc)) continue;
      this.breakpoints.set(pc, this.code[pc * STRIDE]);
      this.code[pc * STRIDE] = Op.BREAK;
      blocks?.invalidate(pc);
    }
  }

  /** What the block compiler did (blocks built, their instructions, source size, compile time), or null when off. */
  get compilerStats(): Readonly<BlockCache['stats']> | null {
    return this.blocks?.stats ?? null;
  }

  /** Makes the next run step over the breakpoint at `pc` first (as after a breakpoint stop there). */
  markBreakpointStop(thread: number, pc: number): void {
    this.lastBreak = { thread, pc };
  }

  /** Moves a stopped thread to another instruction (the debugger's goto). */
  setPc(thread: number, pc: number): void {
    if (!Number.isInteger(pc) || pc < 0 || pc >= this.program.length) throw new RangeError(`no instruction ${pc}`);
    this.threads[thread].pc = pc;
    if (this.lastBreak?.thread === thread) this.lastBreak = null;
  }

  get breakpointPcs(): number[] {
    return [...this.breakpoints.keys()];
  }

  addWatch(w: Omit<Watchpoint, 'id'>): Watchpoint {
    const full = { ...w, id: this.nextWatchId++ };
    this.watches.push(full);
    this.updateHooked();
    return full;
  }

  clearWatches(): void {
    this.watches = [];
    this.updateHooked();
  }

  get watchpoints(): readonly Watchpoint[] {
    return this.watches;
  }

  /** Call after changing breakOnTlbMiss or breakOnHandledFault. */
  updateHooked(): void {
    this.hooked = this.watches.length > 0 || this.breakOnTlbMiss;
  }

  /** Sets every stop hook but breakpoints and watchpoints at once. */
  setStopHooks(h: StopHooks): void {
    this.breakOnVsSwitch = h.vsSwitch !== null;
    this.vsSwitchTargets = h.vsSwitch ?? new Set();
    this.breakOnHandledFault = h.handledFault;
    this.breakOnTlbMiss = h.tlbMiss;
    this.breakOnEvents = h.events;
    this.breakOnStaleTlb = !!h.staleTlb;
    this.updateHooked();
    this.updateSanitizer();
  }

  /**
   * Runs `fn` with every hook off (breakpoints, watchpoints, stop hooks), as a replay of history must,
   * then puts them back exactly: the same breakpoints, the same watchpoints with the same ids.
   */
  suspendHooks<T>(fn: () => T): T {
    const saved = {
      pcs: this.breakpointPcs, watches: this.watches,
      hooks: { vsSwitch: this.breakOnVsSwitch ? this.vsSwitchTargets : null, handledFault: this.breakOnHandledFault, tlbMiss: this.breakOnTlbMiss, events: this.breakOnEvents, staleTlb: this.breakOnStaleTlb },
    };
    this.setBreakpoints([]);
    this.watches = [];
    // The sanitizer keeps watching through a replay (what it knows must follow the machine); it only stops no run.
    const keepChecking = this.tlbCheckWanted;
    this.tlbCheckWanted = keepChecking || this.breakOnStaleTlb;
    this.setStopHooks({ vsSwitch: null, handledFault: false, tlbMiss: false, events: new Set() });
    this.tlbCheckWanted = keepChecking;
    try {
      return fn();
    } finally {
      this.setBreakpoints(saved.pcs);
      this.watches = saved.watches;
      this.setStopHooks(saved.hooks);
    }
  }

  // ---- running -----------------------------------------------------------------------------------

  /**
   * Runs up to `budget` instructions (all processors together). With `step`, stops as soon as that
   * thread has retired `count` instructions (other processors keep their turns meanwhile); with
   * `step.untilDepth`, as soon as a `ret` of that thread leaves it at most that many calls deep (step
   * over and step out: the return is caught where it happens, at full speed in between).
   */
  run(budget: number, step?: { thread: number; count?: number; untilDepth?: number }): StopReason {
    this.pending = null;
    const stepThread = step ? this.threads[step.thread] : undefined;
    const untilDepth = step?.untilDepth;
    this.returnWatch = stepThread && untilDepth !== undefined ? { thread: stepThread, depth: untilDepth } : null;
    const stepTarget = stepThread ? (untilDepth !== undefined ? Infinity : stepThread.retired + (step!.count ?? 1)) : 0;
    while (budget > 0) {
      const active = this.busy.length;
      if (active === 0) return this.finish({ kind: 'halted' });
      let c: CpuRun;
      let n: number;
      if (active === 1 && !stepThread) {
        c = this.cpus[this.busy[0]];
        this.cursor = c.proc.id;
        n = budget;
      } else {
        if (!this.turnOf(this.cursor)) { this.advanceCursor(); continue; }
        c = this.cpus[this.cursor];
        n = Math.min(budget, active === 1 ? budget : this.sliceLeft);
        if (stepThread && c.current === stepThread) n = Math.min(n, stepTarget - stepThread.retired);
      }
      let done: number;
      const lb = this.lastBreak;
      if (lb !== null && c.current !== null && c.current.id === lb.thread) {
        // Resuming from a breakpoint: that instruction runs once with its original opcode, in the turn
        // it would have had anyway, so a run with breakpoints is the same run as one without.
        this.lastBreak = null;
        const orig = this.breakpoints.get(lb.pc);
        if (orig !== undefined && c.current.pc === lb.pc) {
          // Interpreted: no block may be built from the code while the breakpoint is lifted.
          const blocks = this.blocks;
          this.blocks = null;
          this.code[lb.pc * STRIDE] = orig;
          done = this.tick(c, 1);
          this.code[lb.pc * STRIDE] = Op.BREAK;
          this.blocks = blocks;
        } else done = this.tick(c, n);
      } else done = this.tick(c, n);
      budget -= done;
      if (active > 1) {
        this.sliceLeft -= done;
        if (this.sliceLeft <= 0) this.advanceCursor();
      }
      if (this.pending) return this.finish(this.pending);
      // A step that halted the last thread ends the program: report that, not a step past the halt.
      if (stepThread && stepThread.state === 'halted') return this.finish(this.halted ? { kind: 'halted' } : { kind: 'step', thread: stepThread.id, cpu: stepThread.cpu, pc: stepThread.pc });
      if (stepThread && stepThread.retired >= stepTarget) return this.finish({ kind: 'step', thread: stepThread.id, cpu: stepThread.cpu, pc: stepThread.pc });
    }
    return this.finish({ kind: 'budget' });
  }

  private finish(r: StopReason): StopReason {
    if (r.kind === 'breakpoint') this.lastBreak = { thread: r.thread, pc: r.pc };
    return r;
  }

  private turnOf(cpu: number): boolean {
    return this.cpus[cpu].current !== null;
  }

  /** The next processor after the cursor that has a thread to run, in round-robin order: idle ones cost nothing. */
  private advanceCursor(): void {
    const busy = this.busy;
    let next = busy.length ? busy[0] : 0;
    for (const id of busy) if (id > this.cursor) { next = id; break; }
    this.cursor = next;
    this.sliceLeft = this.interleave;
  }

  /** Which processors have a current thread, in id order (changes only when a processor runs out of threads). */
  private refreshBusy(): void {
    this.busy = [];
    for (const c of this.cpus) if (c.current !== null) this.busy.push(c.proc.id);
  }

  /** Runs up to n instructions on one processor, handling its timer. Returns instructions retired. */
  private tick(c: CpuRun, n: number): number {
    let total = 0;
    while (n > 0 && c.current !== null && this.pending === null) {
      if (c.timerLeft <= 0) {
        c.timerLeft = this.timerQuantum;
        this.timerInterrupt(c);
        if (c.current === null) break;
      }
      const t = c.current;
      const k = Math.min(n, c.timerLeft);
      const done = this.exec(c, t, k);
      t.retired += done;
      c.timerLeft -= done;
      this.retired += done;
      total += done;
      n -= done;
      if (done < k && this.pending === null && c.current === t) break;
    }
    return total;
  }

  /** [00041]: the scheduler preempts only when the processor's preemption count is zero. */
  private timerInterrupt(c: CpuRun): void {
    if (c.proc.preemptCount !== 0 || c.current === null) return;
    const next = this.nextReady(c, c.current);
    if (next) this.switchTo(c, next);
  }

  private nextReady(c: CpuRun, after: Thread): Thread | null {
    const i = c.threads.indexOf(after);
    for (let k = 1; k <= c.threads.length; k++) {
      const t = c.threads[(i + k) % c.threads.length];
      if (t !== after && t.state === 'ready') return t;
    }
    return null;
  }

  private switchTo(c: CpuRun, next: Thread | null): void {
    const cur = c.current;
    if (cur) {
      cur.regLo.set(c.proc.regLo);
      cur.regHi.set(c.proc.regHi);
      if (cur.state === 'running') cur.state = 'ready';
    }
    c.current = next;
    if ((cur === null) !== (next === null)) this.refreshBusy();
    if (next) {
      c.proc.regLo.set(next.regLo);
      c.proc.regHi.set(next.regHi);
      next.state = 'running';
    }
  }

  private haltThread(c: CpuRun, t: Thread): void {
    t.state = 'halted';
    const next = this.nextReady(c, t);
    this.switchTo(c, next);
    t.state = 'halted';
  }

  // ---- the instruction loop ------------------------------------------------------------------------

  /** Executes up to n instructions of thread t on processor c. Returns how many retired. */
  private exec(c: CpuRun, t: Thread, n: number): number {
    const code = this.code;
    const cpu = c.proc;
    const lo = cpu.regLo, hi = cpu.regHi;
    const mem = this.machine.memory;
    const hooked = this.hooked;
    // While the sanitizer is on, stores to the pages it watches take the slow path, which tells it: the
    // TLB keeps entries mapping those pages off the fast write paths, and paging-off stores go slow.
    const san = this.sanitizer;
    const watchReturns = this.returnWatch !== null;
    const codeLength = this.program.length;
    const scratch = this.scratch;
    const tlb = cpu.tlb;
    // The TLB's host cache (see tlb.ts): while a hook is armed, an empty one, so every access takes
    // the paths below it. Hits it answers are counted here and added to the TLB's counter before
    // anything else can look (the slow path, or the end of this call).
    const hTag = hooked ? NO_HOST : tlb.hostTag, hWTag = hooked ? NO_HOST : tlb.hostWTag;
    const hView = tlb.hostView, hOff = tlb.hostOffset;
    let hits = 0;
    let lastVa = c.lastVa, lastWrite = c.lastWrite;
    let pc = t.pc;
    let i = 0;
    // Compiled blocks, unless a hook wants every access checked or a return is being watched.
    const blocks = hooked || watchReturns ? null : this.blocks;
    const bState = blocks?.state, bFns = blocks?.fns, bLens = blocks?.lens, bIdle = blocks?.idle, hot = blocks?.hot ?? 0, st = this.blockState;
    // The pc the last instruction fell through to: blocks start only where control arrives otherwise
    // (a jump, a call, a return, the start of this call), so a loop gets one block, not one per pc.
    let fallthrough = -1;
    for (; i < n; i++) {
      if (blocks !== null) {
        if (pc !== fallthrough) {
          const s = bState![pc];
          if (s === READY) {
            if (n - i >= bLens![pc]) {
              const start = pc;
              st.lastVa = lastVa; st.lastWrite = lastWrite;
              const done = bFns![pc]!(lo, hi, hTag, hWTag, hView, hOff, st, t, cpu, n - i);
              hits += st.hits; lastVa = st.lastVa; lastWrite = st.lastWrite;
              pc = st.pc;
              if (done > 0) { if (bIdle![start] > 0) bIdle![start]--; i += done - 1; continue; }
              // A block that left before its first instruction: that one is interpreted below.
              blocks.leftAtOnce(start);
            }
          } else if (s >= 0) {
            if (s < hot) bState![pc] = s + 1;
            else blocks.compile(pc);
          }
        }
        fallthrough = pc + 1;
      }
      const at = pc * STRIDE;
      switch (code[at]) {
        case Op.NOP: pc++; continue;
        case Op.MOV_RR: { const s = code[at + RR.S], d = code[at + RR.D]; lo[d] = lo[s]; hi[d] = hi[s]; pc++; continue; }
        case Op.MOV_RI: { const d = code[at + RI.D]; lo[d] = code[at + RI.LO]; hi[d] = code[at + RI.HI]; pc++; continue; }
        case Op.ADD_RRR: {
          const d = code[at + RRR.D], s = code[at + RRR.S], b = code[at + RRR.T];
          const al = lo[s], r = (al + lo[b]) | 0;
          hi[d] = (hi[s] + hi[b] + ((r >>> 0) < (al >>> 0) ? 1 : 0)) | 0;
          lo[d] = r;
          pc++; continue;
        }
        case Op.ADD_RRI: {
          const d = code[at + RRI.D], s = code[at + RRI.S];
          const al = lo[s], r = (al + code[at + RRI.LO]) | 0;
          hi[d] = (hi[s] + code[at + RRI.HI] + ((r >>> 0) < (al >>> 0) ? 1 : 0)) | 0;
          lo[d] = r;
          pc++; continue;
        }
        case Op.LD32: {
          const va = (lo[code[at + Mem.BASE]] + (lo[code[at + Mem.INDEX]] << code[at + Mem.SHIFT]) + code[at + Mem.DISP]) | 0;
          const vpn = va >>> PAGE_SHIFT, k = vpn & FAST_MASK, off = va & PAGE_OFFSET_MASK;
          if (hTag[k] !== vpn || off > PAGE_SIZE - 4) break;
          hits++; lastVa = va; lastWrite = false;
          const d = code[at + RM.D];
          lo[d] = hView[k].getInt32(hOff[k] + off, true); hi[d] = 0;
          pc++; continue;
        }
        case Op.ST32: case Op.ST32_I: {
          const va = (lo[code[at + Mem.BASE]] + (lo[code[at + Mem.INDEX]] << code[at + Mem.SHIFT]) + code[at + Mem.DISP]) | 0;
          const vpn = va >>> PAGE_SHIFT, k = vpn & FAST_MASK, off = va & PAGE_OFFSET_MASK;
          if (hWTag[k] !== vpn || off > PAGE_SIZE - 4) break;
          hits++; lastVa = va; lastWrite = true;
          hView[k].setInt32(hOff[k] + off, code[at] === Op.ST32 ? lo[code[at + MR.S]] : code[at + MI.LO], true);
          pc++; continue;
        }
        // 64-bit loads and stores (the gate's parameters, the modules' records) that the host cache answers.
        case Op.LD64: {
          const va = (lo[code[at + Mem.BASE]] + (lo[code[at + Mem.INDEX]] << code[at + Mem.SHIFT]) + code[at + Mem.DISP]) | 0;
          const vpn = va >>> PAGE_SHIFT, k = vpn & FAST_MASK, off = va & PAGE_OFFSET_MASK;
          if (hTag[k] !== vpn || off > PAGE_SIZE - 8) break;
          hits++; lastVa = va; lastWrite = false;
          const d = code[at + RM.D], dv = hView[k], p = hOff[k] + off;
          lo[d] = dv.getInt32(p, true); hi[d] = dv.getInt32(p + 4, true);
          pc++; continue;
        }
        case Op.ST64: case Op.ST64_I: {
          const va = (lo[code[at + Mem.BASE]] + (lo[code[at + Mem.INDEX]] << code[at + Mem.SHIFT]) + code[at + Mem.DISP]) | 0;
          const vpn = va >>> PAGE_SHIFT, k = vpn & FAST_MASK, off = va & PAGE_OFFSET_MASK;
          if (hWTag[k] !== vpn || off > PAGE_SIZE - 8) break;
          hits++; lastVa = va; lastWrite = true;
          const dv = hView[k], p = hOff[k] + off;
          if (code[at] === Op.ST64) { const r = code[at + MR.S]; dv.setInt32(p, lo[r], true); dv.setInt32(p + 4, hi[r], true); }
          else { dv.setInt32(p, code[at + MI.LO], true); dv.setInt32(p + 4, code[at + MI.HI], true); }
          pc++; continue;
        }
        case Op.PUSH_R: case Op.PUSH_I: case Op.CALL: case Op.CALL_R: {
          const op = code[at];
          // A call through a register to no instruction faults on the slow path.
          let target = 0;
          if (op === Op.CALL) target = code[at + Target.L];
          else if (op === Op.CALL_R) {
            const r = code[at + Reg.R], addr = lo[r] >>> 0;
            if (hi[r] !== 0 || addr % INSTRUCTION_SIZE !== 0 || addr / INSTRUCTION_SIZE >= codeLength) break;
            target = addr / INSTRUCTION_SIZE;
          }
          const calls = op === Op.CALL || op === Op.CALL_R;
          const sp = (lo[15] - 8) | 0;
          const off = sp & PAGE_OFFSET_MASK, vpn = sp >>> PAGE_SHIFT, k = vpn & FAST_MASK;
          if (off > PAGE_SIZE - 8 || (lo[15] >>> 0) < 8) break;
          if (hWTag[k] === vpn) {
            hits++;
            const dv = hView[k], p = hOff[k] + off;
            if (calls) {
              dv.setInt32(p, (pc + 1) * INSTRUCTION_SIZE, true); dv.setInt32(p + 4, 0, true);
              lo[15] = sp;
              t.pushFrame(pc, target, cpu.paging, cpu.cr3, sp >>> 0);
              pc = target; continue;
            }
            if (op === Op.PUSH_I) { dv.setInt32(p, code[at + Imm.LO], true); dv.setInt32(p + 4, code[at + Imm.HI], true); }
            else { const r = code[at + Reg.R]; dv.setInt32(p, lo[r], true); dv.setInt32(p + 4, hi[r], true); }
            lo[15] = sp;
            pc++; continue;
          }
          // A hook (a watchpoint) sees stack accesses on the slow path.
          if (hooked) break;
          let pa = tlb.fastWrite(sp);
          if (pa < 0) { if (cpu.paging || san !== null) break; pa = sp >>> 0; }
          else tlb.fillHost(sp, pa, mem, true);
          if (calls) {
            mem.write32(pa, (pc + 1) * INSTRUCTION_SIZE); mem.write32(pa + 4, 0);
            lo[15] = sp;
            t.pushFrame(pc, target, cpu.paging, cpu.cr3, sp >>> 0);
            pc = target; continue;
          }
          if (op === Op.PUSH_I) { mem.write32(pa, code[at + Imm.LO]); mem.write32(pa + 4, code[at + Imm.HI]); }
          else { const r = code[at + Reg.R]; mem.write32(pa, lo[r]); mem.write32(pa + 4, hi[r]); }
          lo[15] = sp;
          pc++; continue;
        }
        case Op.POP: case Op.RET: {
          // A step over or out waits for a return: returns take the slow path, which catches it.
          if (watchReturns && code[at] === Op.RET) break;
          const sp = lo[15];
          const off = sp & PAGE_OFFSET_MASK, vpn = sp >>> PAGE_SHIFT, k = vpn & FAST_MASK;
          if (off > PAGE_SIZE - 8 || (sp >>> 0) > FOUR_GIB - 8) break;
          let vl: number, vh: number;
          if (hTag[k] === vpn) {
            hits++;
            const dv = hView[k], p = hOff[k] + off;
            vl = dv.getUint32(p, true); vh = dv.getInt32(p + 4, true);
          } else {
            if (hooked) break;
            let pa = tlb.fastRead(sp);
            if (pa < 0) { if (cpu.paging) break; pa = sp >>> 0; }
            else tlb.fillHost(sp, pa, mem, false);
            vl = mem.read32(pa); vh = mem.read32(pa + 4) | 0;
          }
          if (code[at] === Op.POP) {
            lo[15] = (sp + 8) | 0;
            const d = code[at + Reg.R];
            lo[d] = vl; hi[d] = vh;
            pc++; continue;
          }
          lo[15] = (sp + 8) | 0;
          if (vh !== 0 || vl % INSTRUCTION_SIZE !== 0 || vl / INSTRUCTION_SIZE >= codeLength) {
            // As the slow path: the pop happened, the jump faults.
            t.pc = pc;
            this.pending = { kind: 'fault', thread: t.id, cpu: cpu.id, pc, fault: { kind: 'bad-jump', target: vl } };
            tlb.hits += hits; c.lastVa = lastVa; c.lastWrite = lastWrite;
            return i;
          }
          t.frames.pop();
          pc = vl / INSTRUCTION_SIZE; continue;
        }
        case Op.SUB_RRR: case Op.SUB_RRI: {
          const d = code[at + RRR.D], s = code[at + RRR.S];
          const imm = code[at] === Op.SUB_RRI;
          const bl = imm ? code[at + RRI.LO] : lo[code[at + RRR.T]], bh = imm ? code[at + RRI.HI] : hi[code[at + RRR.T]];
          const al = lo[s];
          hi[d] = (hi[s] - bh - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
          lo[d] = (al - bl) | 0;
          pc++; continue;
        }
        case Op.AND_RRR: { const d = code[at + RRR.D], s = code[at + RRR.S], r = code[at + RRR.T]; lo[d] = lo[s] & lo[r]; hi[d] = hi[s] & hi[r]; pc++; continue; }
        case Op.AND_RRI: { const d = code[at + RRI.D], s = code[at + RRI.S]; lo[d] = lo[s] & code[at + RRI.LO]; hi[d] = hi[s] & code[at + RRI.HI]; pc++; continue; }
        case Op.OR_RRR: { const d = code[at + RRR.D], s = code[at + RRR.S], r = code[at + RRR.T]; lo[d] = lo[s] | lo[r]; hi[d] = hi[s] | hi[r]; pc++; continue; }
        case Op.OR_RRI: { const d = code[at + RRI.D], s = code[at + RRI.S]; lo[d] = lo[s] | code[at + RRI.LO]; hi[d] = hi[s] | code[at + RRI.HI]; pc++; continue; }
        case Op.XOR_RRR: { const d = code[at + RRR.D], s = code[at + RRR.S], r = code[at + RRR.T]; lo[d] = lo[s] ^ lo[r]; hi[d] = hi[s] ^ hi[r]; pc++; continue; }
        case Op.XOR_RRI: { const d = code[at + RRI.D], s = code[at + RRI.S]; lo[d] = lo[s] ^ code[at + RRI.LO]; hi[d] = hi[s] ^ code[at + RRI.HI]; pc++; continue; }
        case Op.LEA: { const d = code[at + RM.D]; lo[d] = (lo[code[at + Mem.BASE]] + (lo[code[at + Mem.INDEX]] << code[at + Mem.SHIFT]) + code[at + Mem.DISP]) | 0; hi[d] = 0; pc++; continue; }
        case Op.BEQ_RR: { const a = code[at + RRL.A], b = code[at + RRL.B]; pc = lo[a] === lo[b] && hi[a] === hi[b] ? code[at + RRL.TARGET] : pc + 1; continue; }
        case Op.BNE_RR: { const a = code[at + RRL.A], b = code[at + RRL.B]; pc = lo[a] !== lo[b] || hi[a] !== hi[b] ? code[at + RRL.TARGET] : pc + 1; continue; }
        case Op.BEQ_RI: { const a = code[at + RIL.A]; pc = lo[a] === code[at + RIL.LO] && hi[a] === code[at + RIL.HI] ? code[at + RIL.TARGET] : pc + 1; continue; }
        case Op.BNE_RI: { const a = code[at + RIL.A]; pc = lo[a] !== code[at + RIL.LO] || hi[a] !== code[at + RIL.HI] ? code[at + RIL.TARGET] : pc + 1; continue; }
        case Op.BLT_RR: case Op.BGE_RR: case Op.BGT_RR: case Op.BLE_RR: case Op.BLTU_RR: case Op.BGEU_RR: case Op.BGTU_RR: case Op.BLEU_RR:
        case Op.BLT_RI: case Op.BGE_RI: case Op.BGT_RI: case Op.BLE_RI: case Op.BLTU_RI: case Op.BGEU_RI: case Op.BGTU_RI: case Op.BLEU_RI: {
          const op = code[at];
          const a = code[at + RRL.A]; // = RIL.A
          const ri = (op - Op.BEQ_RR) & 1;
          const bl = ri ? code[at + RIL.LO] : lo[code[at + RRL.B]], bh = ri ? code[at + RIL.HI] : hi[code[at + RRL.B]];
          const unsigned = op >= Op.BLTU_RR;
          const ah = unsigned ? hi[a] >>> 0 : hi[a], bhh = unsigned ? bh >>> 0 : bh;
          const cmp = ah !== bhh ? (ah < bhh ? -1 : 1) : (lo[a] >>> 0) === (bl >>> 0) ? 0 : (lo[a] >>> 0) < (bl >>> 0) ? -1 : 1;
          const base = (op - Op.BLT_RR) >> 1; // 0 lt 1 ge 2 gt 3 le, then the unsigned four
          const k = base & 3;
          const taken = k === 0 ? cmp < 0 : k === 1 ? cmp >= 0 : k === 2 ? cmp > 0 : cmp <= 0;
          pc = taken ? code[at + RRL.TARGET] : pc + 1; // = RIL.TARGET
          continue;
        }
        case Op.JMP: pc = code[at + Target.L]; continue;
        // The cheap processor instructions the patent's gate runs on every call ([00041]-[00045]).
        case Op.MOV_RC: {
          const d = code[at + RC.D], cr = code[at + RC.CR];
          lo[d] = (cr === 0 ? cpu.cr0 : cr === 2 ? cpu.cr2 : cr === 3 ? cpu.cr3 : cpu.cr4) | 0; hi[d] = 0;
          pc++; continue;
        }
        case Op.CPUID: { const d = code[at + Reg.R]; lo[d] = cpu.id; hi[d] = 0; pc++; continue; }
        case Op.PREEMPT_OFF: cpu.preemptCount++; pc++; continue;
        // An underflow faults on the slow path.
        case Op.PREEMPT_ON: if (cpu.preemptCount === 0) break; cpu.preemptCount--; pc++; continue;
        case Op.SHL_RRR: case Op.SHL_RRI: case Op.SHR_RRR: case Op.SHR_RRI: case Op.SAR_RRR: case Op.SAR_RRI: {
          const op = code[at];
          const d = code[at + RRR.D], s = code[at + RRR.S];
          const n = ((op - Op.SHL_RRR) & 1 ? code[at + RRI.LO] : lo[code[at + RRR.T]]) & 63;
          const al = lo[s], ah = hi[s];
          let rl: number, rh: number;
          if (n === 0) { rl = al; rh = ah; }
          else if (op <= Op.SHL_RRI) { if (n < 32) { rh = (ah << n) | (al >>> (32 - n)); rl = al << n; } else { rh = al << (n - 32); rl = 0; } }
          else if (op <= Op.SHR_RRI) { if (n < 32) { rl = (al >>> n) | (ah << (32 - n)); rh = ah >>> n; } else { rl = ah >>> (n - 32); rh = 0; } }
          else { if (n < 32) { rl = (al >>> n) | (ah << (32 - n)); rh = ah >> n; } else { rl = ah >> (n - 32); rh = ah >> 31; } }
          lo[d] = rl | 0; hi[d] = rh | 0;
          pc++; continue;
        }
        case Op.MUL_RRR: case Op.MUL_RRI: {
          const d = code[at + RRR.D], s = code[at + RRR.S];
          const imm = code[at] === Op.MUL_RRI;
          mul64(lo[s], hi[s], imm ? code[at + RRI.LO] : lo[code[at + RRR.T]], imm ? code[at + RRI.HI] : hi[code[at + RRR.T]], scratch);
          lo[d] = scratch[0]; hi[d] = scratch[1];
          pc++; continue;
        }
        case Op.BREAK: {
          t.pc = pc;
          this.pending = { kind: 'breakpoint', thread: t.id, cpu: cpu.id, pc };
          tlb.hits += hits; c.lastVa = lastVa; c.lastWrite = lastWrite;
          return i;
        }
        default: break;
      }
      // The less frequent fast cases: loads and stores of other sizes, and those the host cache missed.
      switch (code[at]) {
        case Op.LD8: case Op.LD16: case Op.LD32: case Op.LD64: case Op.LDS8: case Op.LDS16: case Op.LDS32: {
          // Loads within a page that the host cache, the TLB's fast cache (or paging off) answers;
          // everything else (a miss, a fault, a page crossing, a hook) takes the slow path, which
          // translates once.
          const op = code[at];
          const va = (lo[code[at + Mem.BASE]] + (lo[code[at + Mem.INDEX]] << code[at + Mem.SHIFT]) + code[at + Mem.DISP]) | 0;
          const vpn = va >>> PAGE_SHIFT, k = vpn & FAST_MASK, off = va & PAGE_OFFSET_MASK;
          if (off > LAST_OFFSET[op]) break;
          const d = code[at + RM.D];
          if (hTag[k] === vpn) {
            hits++; lastVa = va; lastWrite = false;
            const dv = hView[k], p = hOff[k] + off;
            switch (op) {
              case Op.LD64: lo[d] = dv.getInt32(p, true); hi[d] = dv.getInt32(p + 4, true); break;
              case Op.LD8: lo[d] = dv.getUint8(p); hi[d] = 0; break;
              case Op.LD16: lo[d] = dv.getUint16(p, true); hi[d] = 0; break;
              case Op.LDS8: { const v = dv.getInt8(p); lo[d] = v; hi[d] = v >> 31; break; }
              case Op.LDS16: { const v = dv.getInt16(p, true); lo[d] = v; hi[d] = v >> 31; break; }
              default: { const v = dv.getInt32(p, true); lo[d] = v; hi[d] = op === Op.LDS32 ? v >> 31 : 0; break; }
            }
            pc++; continue;
          }
          if (hooked) break;
          let pa = tlb.fastRead(va);
          if (pa < 0) { if (cpu.paging) break; pa = va >>> 0; }
          else tlb.fillHost(va, pa, mem, false);
          lastVa = va;
          lastWrite = false;
          switch (op) {
            case Op.LD32: lo[d] = mem.read32(pa); hi[d] = 0; break;
            case Op.LD64: lo[d] = mem.read32(pa); hi[d] = mem.read32(pa + 4); break;
            case Op.LD8: lo[d] = mem.read8(pa); hi[d] = 0; break;
            case Op.LD16: lo[d] = mem.read16(pa); hi[d] = 0; break;
            case Op.LDS8: { const v = (mem.read8(pa) << 24) >> 24; lo[d] = v; hi[d] = v >> 31; break; }
            case Op.LDS16: { const v = (mem.read16(pa) << 16) >> 16; lo[d] = v; hi[d] = v >> 31; break; }
            default: { const v = mem.read32(pa) | 0; lo[d] = v; hi[d] = v >> 31; break; }
          }
          pc++; continue;
        }
        case Op.ST8: case Op.ST16: case Op.ST32: case Op.ST64: case Op.ST8_I: case Op.ST16_I: case Op.ST32_I: case Op.ST64_I: {
          const op = code[at];
          const va = (lo[code[at + Mem.BASE]] + (lo[code[at + Mem.INDEX]] << code[at + Mem.SHIFT]) + code[at + Mem.DISP]) | 0;
          const vpn = va >>> PAGE_SHIFT, k = vpn & FAST_MASK, off = va & PAGE_OFFSET_MASK;
          if (off > LAST_OFFSET[op]) break;
          const immediate = op >= Op.ST8_I;
          const vl = immediate ? code[at + MI.LO] : lo[code[at + MR.S]];
          if (hWTag[k] === vpn) {
            hits++; lastVa = va; lastWrite = true;
            const dv = hView[k], p = hOff[k] + off;
            switch (op) {
              case Op.ST64: case Op.ST64_I: dv.setInt32(p, vl, true); dv.setInt32(p + 4, immediate ? code[at + MI.HI] : hi[code[at + MR.S]], true); break;
              case Op.ST8: case Op.ST8_I: dv.setUint8(p, vl & 0xff); break;
              case Op.ST16: case Op.ST16_I: dv.setUint16(p, vl & 0xffff, true); break;
              default: dv.setInt32(p, vl, true); break;
            }
            pc++; continue;
          }
          if (hooked) break;
          let pa = tlb.fastWrite(va);
          if (pa < 0) { if (cpu.paging || san !== null) break; pa = va >>> 0; }
          else tlb.fillHost(va, pa, mem, true);
          lastVa = va;
          lastWrite = true;
          switch (op) {
            case Op.ST32: case Op.ST32_I: mem.write32(pa, vl); break;
            case Op.ST64: case Op.ST64_I: mem.write32(pa, vl); mem.write32(pa + 4, immediate ? code[at + MI.HI] : hi[code[at + MR.S]]); break;
            case Op.ST8: case Op.ST8_I: mem.write8(pa, vl & 0xff); break;
            default: mem.write16(pa, vl & 0xffff); break;
          }
          pc++; continue;
        }
        default: break;
      }
      // Everything not handled above (or a fast case that needs the slow path) goes here, with the
      // counters and the last access where it can see them.
      t.pc = pc;
      tlb.hits += hits; hits = 0;
      c.lastVa = lastVa; c.lastWrite = lastWrite;
      if (san !== null) { san.thread = t.id; san.pc = pc; san.clock = this.retired + i; }
      const r = this.execSlow(c, t, pc);
      lastVa = c.lastVa; lastWrite = c.lastWrite;
      // STOPPED: a fault; the instruction did not retire and t.pc stays on it.
      if (r === STOPPED) return i;
      const p = this.pending;
      // Delivering a fault to its handler counts as one instruction whether or not the debugger stops
      // there (fault-handled), so a run that stops at handled faults is the same run as one that does not.
      if (p !== null) { t.pc = r; return i + 1; }
      // halt or yield switched threads: this thread's turn ends.
      if (c.current !== t) { t.pc = r; return i + 1; }
      pc = r;
    }
    t.pc = pc;
    tlb.hits += hits; c.lastVa = lastVa; c.lastWrite = lastWrite;
    return i;
  }

  /**
   * Loads or stores through the current translation one page at a time, with hooks. Returns false if
   * the access did not complete (a fault: pending is set, or a handler took over and t.pc moved).
   * On a completed load the value is in scratch.
   */
  private accessSlow(c: CpuRun, t: Thread, pc: number, va: number, size: number, write: boolean, vl: number, vh: number): boolean {
    const mem = this.machine.memory;
    // Translate every page the access touches before changing anything (x86 faults before a partial
    // write): at most two, as no access is over 8 bytes.
    const first = Math.min(size, PAGE_SIZE - (va & PAGE_OFFSET_MASK));
    const pa0 = this.translateHooked(c, t, pc, va, write);
    if (pa0 < 0) return false;
    const pa1 = first < size ? this.translateHooked(c, t, pc, (va + first) >>> 0, write) : 0;
    if (pa1 < 0) return false;
    c.lastVa = va; c.lastWrite = write;
    let l = 0, h = 0;
    for (let k = 0; k < size; k++) {
      const pa = k < first ? pa0 + k : pa1 + (k - first);
      const shift = (k & 3) * 8;
      if (write) mem.write8(pa, ((k < 4 ? vl : vh) >>> shift) & 0xff);
      else if (k < 4) l |= mem.read8(pa) << shift;
      else h |= mem.read8(pa) << shift;
    }
    if (!write) { this.scratch[0] = l; this.scratch[1] = h; }
    else if (this.sanitizer !== null) {
      this.sanitizer.stored(c.proc.id, pa0, first);
      if (first < size) this.sanitizer.stored(c.proc.id, pa1, size - first);
    }
    if (this.watches.length && !this.pending) {
      // A page-crossing access touches two physical ranges that need not be adjacent: check each.
      if (first < size && pa1 === pa0 + first) this.checkWatches(c, t, pc, va, pa0, size, write);
      else {
        this.checkWatches(c, t, pc, va, pa0, first, write);
        if (first < size && !this.pending) this.checkWatches(c, t, pc, (va + first) >>> 0, pa1, size - first, write);
      }
    }
    return true;
  }

  /** Translates one page of an access with the TLB-miss hook; -1 after a page fault (reported). */
  private translateHooked(c: CpuRun, t: Thread, pc: number, va: number, write: boolean): number {
    const cpu = c.proc;
    const missesBefore = cpu.tlb.misses;
    const pa = write ? cpu.translateWrite(va) : cpu.translateRead(va);
    if (pa < 0) { this.pageFault(c, t, pc, write); return -1; }
    if (this.breakOnTlbMiss && cpu.tlb.misses !== missesBefore && !this.pending) {
      this.pending = { kind: 'tlb-miss', thread: t.id, cpu: cpu.id, pc, va, write, space: this.machine.currentSpaceName(cpu) };
    }
    return pa;
  }

  private checkWatches(c: CpuRun, t: Thread, pc: number, va: number, pa: number, size: number, write: boolean): void {
    for (const w of this.watches) {
      if (write ? !w.write : !w.read) continue;
      let wpa: number | null;
      if (w.space === 'PA') wpa = w.address;
      else wpa = this.peekTranslate(w.space, w.address);
      if (wpa === null) continue;
      // Compare physical ranges: a virtual watch follows whatever its VA maps to right now.
      if (pa < wpa + w.size && wpa < pa + size) {
        const hit: WatchHit = { id: w.id, access: write ? 'write' : 'read', va, pa, size, space: this.machine.currentSpaceName(c.proc) };
        this.pending = { kind: 'watchpoint', thread: t.id, cpu: c.proc.id, pc, hit };
        return;
      }
    }
  }

  /** Side-effect-free translation of a space's VA through its page tables in memory. */
  peekTranslate(space: string, va: number): number | null {
    const s = this.machine.space(space);
    if (!s) return null;
    if (s.pdpt === null) return va < FOUR_GIB ? va : null;
    const mem = this.machine.memory;
    const lo: number[] = [], hi: number[] = [];
    for (let i = 0; i < 4; i++) { lo.push(mem.read32(s.pdpt + i * 8)); hi.push(mem.read32(s.pdpt + i * 8 + 4)); }
    const out = new WalkOut();
    return walk(mem, { lo, hi, base: s.pdpt }, va, { write: false, user: false, wp: false, sideEffects: false }, out, null) ? out.pa : null;
  }

  /**
   * A page fault on processor c at pc: with a handler, pushes the faulting address and error code and
   * enters it (returns true, t.pc = handler); otherwise sets the pending fault stop (returns false).
   */
  private pageFault(c: CpuRun, t: Thread, pc: number, write: boolean): boolean {
    const cpu = c.proc;
    const f = cpu.lastFault!;
    const fault = { ...f, space: this.machine.currentSpaceName(cpu) };
    void write;
    if (t.handler >= 0 && !t.inHandler) {
      t.inHandler = true;
      if (!this.push64(c, t, pc, pc * INSTRUCTION_SIZE, 0) || !this.push64(c, t, pc, f.errorCode, 0)) {
        this.pending = { kind: 'fault', thread: t.id, cpu: cpu.id, pc, fault: { kind: 'double-fault', first: fault } };
        return false;
      }
      t.pc = t.handler;
      if (this.breakOnHandledFault) this.pending = { kind: 'fault-handled', thread: t.id, cpu: cpu.id, pc: t.handler, fault, faultingPc: pc };
      return true;
    }
    this.pending = { kind: 'fault', thread: t.id, cpu: cpu.id, pc, fault };
    return false;
  }

  private push64(c: CpuRun, t: Thread, pc: number, vl: number, vh: number): boolean {
    const cpu = c.proc;
    const lo = cpu.regLo, hi = cpu.regHi;
    const sp = (lo[15] - 8) | 0;
    const borrow = (lo[15] >>> 0) < 8 ? 1 : 0;
    const pa = cpu.translateWrite(sp);
    if (pa < 0 || (sp & 0xfff) > 4088) return false;
    this.machine.memory.write32(pa, vl);
    this.machine.memory.write32(pa + 4, vh);
    if (this.sanitizer !== null) this.sanitizer.stored(cpu.id, pa, 8);
    lo[15] = sp; hi[15] = (hi[15] - borrow) | 0;
    // A watchpoint on a stack slot sees pushes, calls and a handler's entry like any store.
    if (this.watches.length) this.checkWatches(c, t, pc, sp >>> 0, pa, 8, true);
    return true;
  }

  private pop64(c: CpuRun, t: Thread, pc: number): boolean {
    const cpu = c.proc;
    const lo = cpu.regLo, hi = cpu.regHi;
    const sp = lo[15];
    const pa = cpu.translateRead(sp);
    if (pa < 0 || (sp & 0xfff) > 4088) return false;
    if (this.watches.length) this.checkWatches(c, t, pc, sp >>> 0, pa, 8, false);
    this.scratch[0] = this.machine.memory.read32(pa);
    this.scratch[1] = this.machine.memory.read32(pa + 4);
    const r = (sp + 8) | 0;
    hi[15] = (hi[15] + ((r >>> 0) < (sp >>> 0) ? 1 : 0)) | 0;
    lo[15] = r;
    return true;
  }

  /** A register-or-constant operand as a double (exact below 2^53; larger values only compare as large). */
  private num(c: CpuRun, v: ValueRef): number {
    if (v.reg < 0) return (v.hi >>> 0) * 0x1_0000_0000 + (v.lo >>> 0);
    return (c.proc.regHi[v.reg] >>> 0) * 0x1_0000_0000 + (c.proc.regLo[v.reg] >>> 0);
  }

  private value(c: CpuRun, v: ValueRef): bigint {
    return v.reg < 0 ? u64(v.lo, v.hi) : u64(c.proc.regLo[v.reg], c.proc.regHi[v.reg]);
  }

  private stackFault(c: CpuRun, t: Thread, pc: number, write: boolean): number {
    // The push or pop itself faulted: report it like any access (handler or stop).
    const cpu = c.proc;
    const sp = write ? (cpu.regLo[15] - 8) >>> 0 : cpu.regLo[15] >>> 0;
    if (!cpu.lastFault || cpu.cr2 !== sp) {
      // Misaligned stack across a page: translate the second page to get the real fault.
      this.pending = { kind: 'fault', thread: t.id, cpu: cpu.id, pc, fault: { kind: 'general-protection', message: `the stack pointer ${hex(sp)} is not 8-byte aligned within a page` } };
      return STOPPED;
    }
    if (this.pageFault(c, t, pc, write)) return t.pc;
    return STOPPED;
  }

  /** Any load or store, one page at a time, with hooks: the path for page-crossing and hooked accesses. */
  private loadStore(c: CpuRun, t: Thread, pc: number, op: Op): number {
    const code = this.code;
    const at = pc * STRIDE;
    const lo = c.proc.regLo, hi = c.proc.regHi;
    const va = ((lo[code[at + Mem.BASE]] + (lo[code[at + Mem.INDEX]] << code[at + Mem.SHIFT]) + code[at + Mem.DISP]) | 0) >>> 0;
    const write = op >= Op.ST8;
    const size = ACCESS_SIZE[op];
    const immediate = op >= Op.ST8_I;
    const vl = immediate ? code[at + MI.LO] : write ? lo[code[at + MR.S]] : 0;
    const vh = immediate ? code[at + MI.HI] : write ? hi[code[at + MR.S]] : 0;
    const inHandler = t.inHandler;
    if (!this.accessSlow(c, t, pc, va, size, write, vl, vh)) {
      // Delivered to the handler: the instruction is done (it counts), even when its first page's TLB
      // miss already asked for a stop.
      if (this.pending === null || this.pending.kind === 'fault-handled' || (!inHandler && t.inHandler)) return t.pc;
      return STOPPED;
    }
    if (!write) {
      const d = code[at + RM.D];
      const l = this.scratch[0], h = this.scratch[1];
      if (op === Op.LD64) { lo[d] = l; hi[d] = h; }
      else if (op === Op.LDS8) { lo[d] = (l << 24) >> 24; hi[d] = lo[d] >> 31; }
      else if (op === Op.LDS16) { lo[d] = (l << 16) >> 16; hi[d] = lo[d] >> 31; }
      else if (op === Op.LDS32) { lo[d] = l; hi[d] = l >> 31; }
      else { lo[d] = size === 1 ? l & 0xff : size === 2 ? l & 0xffff : l; hi[d] = 0; }
    }
    return pc + 1;
  }

  /** Stops the run with a fault of thread t at pc (the instruction does not retire). */
  private faultStop(t: Thread, pc: number, f: RuntimeFault): number {
    this.pending = { kind: 'fault', thread: t.id, cpu: t.cpu, pc, fault: f };
    return STOPPED;
  }

  /** Everything off the hot path. Returns the next pc, or STOPPED with `pending` set. */
  private execSlow(c: CpuRun, t: Thread, pc: number): number {
    const code = this.code;
    const at = pc * STRIDE;
    const op = code[at] as Op;
    const cpu = c.proc;
    const lo = cpu.regLo, hi = cpu.regHi;
    switch (op) {
      case Op.LD8: case Op.LD16: case Op.LD32: case Op.LD64: case Op.LDS8: case Op.LDS16: case Op.LDS32:
      case Op.ST8: case Op.ST16: case Op.ST32: case Op.ST64: case Op.ST8_I: case Op.ST16_I: case Op.ST32_I: case Op.ST64_I:
        return this.loadStore(c, t, pc, op);
      case Op.HALT: this.haltThread(c, t); return pc + 1;
      case Op.YIELD: {
        if (cpu.preemptCount === 0) { const next = this.nextReady(c, t); if (next) { t.pc = pc + 1; this.switchTo(c, next); } }
        return pc + 1;
      }
      case Op.MOV_CR: {
        const cr = code[at + CR.CR], s = code[at + CR.S];
        const v = lo[s] >>> 0;
        if (hi[s] !== 0) return this.faultStop(t, pc, { kind: 'general-protection', message: `cr${cr} is 32 bits; ${hex(((hi[s] >>> 0) * 2 ** 32) + v)} does not fit (#GP)` });
        const beforePg = cpu.paging, beforeCr3 = cpu.cr3;
        const beforeSpace = this.breakOnVsSwitch ? this.machine.currentSpaceName(cpu) : '';
        let r = null;
        if (cr === 0) r = cpu.writeCr0(v);
        else if (cr === 2) cpu.cr2 = v;
        else if (cr === 3) r = cpu.writeCr3(v);
        else r = cpu.writeCr4(v);
        if (r) return this.faultStop(t, pc, r);
        if (cr === 3 && this.sanitizer !== null) this.sanitizer.cr3Loaded(cpu);
        const changed = beforePg !== cpu.paging || (cpu.paging && ((beforeCr3 & CR3_PDPT_MASK) >>> 0) !== ((cpu.cr3 & CR3_PDPT_MASK) >>> 0));
        if (changed && this.breakOnVsSwitch) {
          const to = this.machine.currentSpaceName(cpu);
          if (this.vsSwitchTargets.size === 0 || this.vsSwitchTargets.has(to.toUpperCase())) {
            this.pending = { kind: 'vs-switch', thread: t.id, cpu: cpu.id, pc, from: beforeSpace, to, fromCr3: beforeCr3, toCr3: cpu.cr3, fromPaging: beforePg, toPaging: cpu.paging };
          }
        }
        return pc + 1;
      }
      case Op.DIV_RRR: case Op.DIV_RRI: case Op.MOD_RRR: case Op.MOD_RRI: case Op.IDIV_RRR: case Op.IDIV_RRI: case Op.IMOD_RRR: case Op.IMOD_RRI: {
        const d = code[at + RRR.D], s = code[at + RRR.S];
        const immediate = (op - Op.DIV_RRR) % 2 === 1;
        const bl = immediate ? code[at + RRI.LO] : lo[code[at + RRR.T]], bh = immediate ? code[at + RRI.HI] : hi[code[at + RRR.T]];
        if (bl === 0 && bh === 0) return this.faultStop(t, pc, { kind: 'divide-error' });
        const signed = op >= Op.IDIV_RRR;
        const isMod = op === Op.MOD_RRR || op === Op.MOD_RRI || op === Op.IMOD_RRR || op === Op.IMOD_RRI;
        let a = u64(lo[s], hi[s]);
        let b = u64(bl, bh);
        if (signed) { a = BigInt.asIntN(64, a); b = BigInt.asIntN(64, b); }
        const r = BigInt.asUintN(64, isMod ? a % b : a / b);
        lo[d] = Number(r & 0xffffffffn) | 0; hi[d] = Number(r >> 32n) | 0;
        return pc + 1;
      }
      case Op.NOT: { const d = code[at + RR.D], s = code[at + RR.S]; lo[d] = ~lo[s]; hi[d] = ~hi[s]; return pc + 1; }
      case Op.NEG: {
        const d = code[at + RR.D], s = code[at + RR.S];
        const l = lo[s], h = hi[s];
        lo[d] = (-l) | 0; hi[d] = (~h + (l === 0 ? 1 : 0)) | 0;
        return pc + 1;
      }
      case Op.JMP_R: case Op.CALL_R: case Op.CALL: {
        const targetAddr = op === Op.CALL ? code[at + Target.L] * INSTRUCTION_SIZE : lo[code[at + Reg.R]] >>> 0;
        if (op !== Op.CALL && (hi[code[at + Reg.R]] !== 0 || targetAddr % INSTRUCTION_SIZE !== 0 || targetAddr / INSTRUCTION_SIZE >= this.program.length)) return this.faultStop(t, pc, { kind: 'bad-jump', target: targetAddr });
        const target = targetAddr / INSTRUCTION_SIZE;
        if (op === Op.JMP_R) return target;
        if (!this.push64(c, t, pc, (pc + 1) * INSTRUCTION_SIZE, 0)) return this.stackFault(c, t, pc, true);
        t.pushFrame(pc, target, cpu.paging, cpu.cr3, lo[15] >>> 0);
        return target;
      }
      case Op.RET: {
        if (!this.pop64(c, t, pc)) return this.stackFault(c, t, pc, false);
        const addr = this.scratch[0] >>> 0;
        if (this.scratch[1] !== 0 || addr % INSTRUCTION_SIZE !== 0 || addr / INSTRUCTION_SIZE >= this.program.length) return this.faultStop(t, pc, { kind: 'bad-jump', target: addr });
        t.frames.pop();
        const w = this.returnWatch;
        if (w !== null && w.thread === t && t.frames.length <= w.depth && this.pending === null) this.pending = { kind: 'step', thread: t.id, cpu: cpu.id, pc: addr / INSTRUCTION_SIZE };
        return addr / INSTRUCTION_SIZE;
      }
      case Op.PUSH_R: case Op.PUSH_I: {
        const [vl, vh] = op === Op.PUSH_I ? [code[at + Imm.LO], code[at + Imm.HI]] : [lo[code[at + Reg.R]], hi[code[at + Reg.R]]];
        if (!this.push64(c, t, pc, vl, vh)) return this.stackFault(c, t, pc, true);
        return pc + 1;
      }
      case Op.POP: {
        if (!this.pop64(c, t, pc)) return this.stackFault(c, t, pc, false);
        const d = code[at + Reg.R];
        lo[d] = this.scratch[0]; hi[d] = this.scratch[1];
        return pc + 1;
      }
      case Op.INVLPG: { cpu.invlpg((lo[code[at + Mem.BASE]] + (lo[code[at + Mem.INDEX]] << code[at + Mem.SHIFT]) + code[at + Mem.DISP]) | 0); return pc + 1; }
      case Op.FLUSH_ALL: cpu.tlb.flushAll(); return pc + 1;
      case Op.FLUSH_RANGE: {
        const a = this.aux[pc] as Extract<Aux, { kind: 'values' }>;
        const start = this.num(c, a.values[0]), end = this.num(c, a.values[1]);
        if (start > end || end > FOUR_GIB) return this.faultStop(t, pc, { kind: 'general-protection', message: `flush.range ${hex(start)}, ${hex(end)}: the range must be within 4 GiB and start <= end` });
        cpu.tlb.invalidateRange(start, end);
        return pc + 1;
      }
      case Op.PREEMPT_ON:
        if (cpu.preemptCount === 0) return this.faultStop(t, pc, { kind: 'preempt-underflow' });
        cpu.preemptCount--;
        return pc + 1;
      case Op.SPIN_LOCK: case Op.SPIN_UNLOCK: {
        const va = (lo[code[at + Mem.BASE]] + (lo[code[at + Mem.INDEX]] << code[at + Mem.SHIFT]) + code[at + Mem.DISP]) | 0;
        if ((va & 3) !== 0) return this.faultStop(t, pc, { kind: 'general-protection', message: `a spinlock word must be 4-byte aligned (${hex(va >>> 0)})` });
        const pa = cpu.translateWrite(va);
        if (pa < 0) return this.pageFault(c, t, pc, true) ? t.pc : STOPPED;
        c.lastVa = va >>> 0; c.lastWrite = true;
        const mem = this.machine.memory;
        if (op === Op.SPIN_LOCK) {
          if (mem.read32(pa) !== 0) return pc; // held: spin on this instruction
          mem.write32(pa, t.id + 1);
          if (this.sanitizer !== null) this.sanitizer.stored(cpu.id, pa, 4);
          cpu.preemptCount++;
        } else {
          if (cpu.preemptCount === 0) return this.faultStop(t, pc, { kind: 'preempt-underflow' });
          mem.write32(pa, 0);
          if (this.sanitizer !== null) this.sanitizer.stored(cpu.id, pa, 4);
          cpu.preemptCount--;
        }
        if (this.watches.length) this.checkWatches(c, t, pc, va >>> 0, pa, 4, true);
        return pc + 1;
      }
      case Op.TID: { const d = code[at + Reg.R]; lo[d] = t.id; hi[d] = 0; return pc + 1; }
      case Op.BREAD: case Op.BWRITE: {
        const a = this.aux[pc] as Extract<Aux, { kind: 'values' }>;
        // Numbers, not BigInts: each operand is exact below 2^53 and the limits are far below that.
        const vs = a.values;
        const vol = this.num(c, vs[0]), block = this.num(c, vs[1]), count = this.num(c, vs[2]), pa = this.num(c, vs[3]);
        const name = vol < this.volumeNames.length ? this.volumeNames[vol] : undefined;
        if (name === undefined) return this.faultStop(t, pc, { kind: 'io-error', message: `no volume ${this.value(c, vs[0])} (volumes: ${this.volumeNames.map((n, i) => `${i}=${n}`).join(', ') || 'none'})` });
        if (block > DMA_BLOCK_LIMIT || count > DMA_COUNT_LIMIT || pa > DMA_ADDRESS_LIMIT) return this.faultStop(t, pc, { kind: 'io-error', message: 'block, count or address out of range' });
        const r = op === Op.BREAD
          ? this.machine.volumes.readToMemory(this.machine.memory, name, block, count, pa)
          : this.machine.volumes.writeFromMemory(this.machine.memory, name, block, count, pa);
        if (!r.ok) return this.faultStop(t, pc, { kind: 'io-error', message: r.message });
        return pc + 1;
      }
      case Op.VOL_NEW: {
        const a = this.aux[pc] as Extract<Aux, { kind: 'values' }>;
        const blocks = this.value(c, a.values[1]);
        if (blocks < 1n || blocks > 1n << 28n) return this.faultStop(t, pc, { kind: 'io-error', message: `vol.new: ${blocks} blocks is not from 1 to 2^28` });
        const id = this.volumeNames.length;
        const name = `vol${id}`;
        const made = this.machine.volumes.create({ name, blockSize: 4096, blocks: Number(blocks) });
        if (typeof made === 'string') return this.faultStop(t, pc, { kind: 'io-error', message: made });
        this.volumeNames.push(name);
        const d = a.values[0].reg;
        lo[d] = id; hi[d] = 0;
        return pc + 1;
      }
      case Op.PRINT: {
        const a = this.aux[pc] as Extract<Aux, { kind: 'print' }>;
        const text = a.parts.map((p) => {
          if (p.kind === 'text') return p.text;
          if (p.kind === 'context') return p.what === 'cpu' ? `cpu${cpu.id}` : p.what === 'tid' ? String(t.id) : p.what === 'thread' ? t.name : this.machine.currentSpaceName(cpu);
          const v = u64(lo[p.reg], hi[p.reg]);
          if (p.format === 'd') return v.toString();
          if (p.format === 'x') return hexBig(v);
          return this.readString(cpu, lo[p.reg] >>> 0);
        }).join('');
        const line = { thread: t.id, cpu: cpu.id, text };
        this.output.push(line);
        this.onOutput?.(line);
        return pc + 1;
      }
      case Op.HANDLER: t.handler = code[at + Target.L]; return pc + 1;
      case Op.IRET: {
        if (!t.inHandler) return this.faultStop(t, pc, { kind: 'iret-outside-handler' });
        if (!this.pop64(c, t, pc)) return this.stackFault(c, t, pc, false);
        t.inHandler = false;
        return (this.scratch[0] >>> 0) / INSTRUCTION_SIZE;
      }
      case Op.EVENT: {
        const a = this.aux[pc] as Extract<Aux, { kind: 'event' }>;
        const x = a.values[0], y = a.values[1];
        const ev = new RecordedEvent(this.events.length, a.name, x.reg < 0 ? x.lo : lo[x.reg], x.reg < 0 ? x.hi : hi[x.reg], y.reg < 0 ? y.lo : lo[y.reg], y.reg < 0 ? y.hi : hi[y.reg], t.id, cpu.id, pc);
        this.events.push(ev);
        this.lastEvents.set(a.name, ev);
        if (this.breakOnEvents.has(a.name)) this.pending = { kind: 'event', thread: t.id, cpu: cpu.id, pc, name: a.name, a: ev.a, b: ev.b };
        return pc + 1;
      }
      case Op.ASSERT: {
        const a = this.aux[pc] as Extract<Aux, { kind: 'assert' }>;
        const actual = this.value(c, a.values[0]), expected = this.value(c, a.values[1]);
        if (actual !== expected) return this.faultStop(t, pc, { kind: 'assert', message: a.message, actual, expected });
        return pc + 1;
      }
      default:
        if (pc >= this.program.length) return this.faultStop(t, pc, { kind: 'ran-off-the-end' });
        return this.faultStop(t, pc, { kind: 'general-protection', message: `invalid opcode ${op} at ${pc}` });
    }
  }

  /** A zero-terminated string at a VA, read without side effects (for print's {rN:s}); at most 256 bytes. */
  private readString(cpu: Processor, va: number): string {
    let s = '';
    const space = this.machine.currentSpace(cpu);
    for (let k = 0; k < 256; k++) {
      const pa = space ? this.peekTranslate(space.name, (va + k) >>> 0) : null;
      if (pa === null) return s + '<unmapped>';
      const b = this.machine.memory.read8(pa);
      if (b === 0) break;
      s += String.fromCharCode(b);
    }
    return s;
  }

  // ---- checkpoints ---------------------------------------------------------------------------------

  snapshot(): InterpreterState {
    return {
      version: 1,
      threads: this.threads.map((t) => {
        const r = this.registersOf(t);
        return { pc: t.pc, regLo: r.lo.slice(), regHi: r.hi.slice(), state: t.state, handler: t.handler, inHandler: t.inHandler, frames: t.copyFrames(), retired: t.retired };
      }),
      cpus: this.cpus.map((c) => ({ current: c.current ? c.current.id : -1, order: c.threads.map((t) => t.id), timerLeft: c.timerLeft, lastVa: c.lastVa, lastWrite: c.lastWrite })),
      cursor: this.cursor, sliceLeft: this.sliceLeft, retired: this.retired, outputLength: this.output.length, eventsLength: this.events.length,
      lastEvents: [...this.lastEvents.values()],
      volumeIds: this.volumeNames.length, lastBreak: this.lastBreak,
    };
  }

  /** Puts the interpreter back to a snapshot (the machine itself is restored by Machine.restore). */
  restore(s: InterpreterState): void {
    s.threads.forEach((ts, i) => {
      const t = this.threads[i];
      t.pc = ts.pc; t.regLo.set(ts.regLo); t.regHi.set(ts.regHi); t.state = ts.state; t.handler = ts.handler; t.inHandler = ts.inHandler;
      t.setFrames(ts.frames); t.retired = ts.retired;
    });
    s.cpus.forEach((cs, i) => {
      const c = this.cpus[i];
      c.current = cs.current >= 0 ? this.threads[cs.current] : null;
      c.timerLeft = cs.timerLeft; c.lastVa = cs.lastVa; c.lastWrite = cs.lastWrite;
      // The running thread's registers live in the processor, which Machine.restore already restored.
      if (c.current) { c.proc.regLo.set(c.current.regLo); c.proc.regHi.set(c.current.regHi); }
    });
    this.refreshBusy();
    this.cursor = s.cursor; this.sliceLeft = s.sliceLeft; this.retired = s.retired;
    this.output.truncate(s.outputLength); this.events.truncate(s.eventsLength); this.volumeNames.length = s.volumeIds;
    this.lastEvents = new Map(s.lastEvents.map((e) => [e.name, e]));
    this.lastBreak = s.lastBreak;
    this.pending = null;
    if (this.sanitizer !== null) { this.sanitizer.clock = this.retired; this.sanitizer.rebuild(this.retired); }
  }

  /** The last event of a name in this timeline, kept even when the log no longer holds it. */
  lastEvent(name: string): EventRecord | undefined {
    return this.lastEvents.get(name);
  }

  /** Takes a machine checkpoint that includes this interpreter's state. */
  checkpoint(): number {
    return this.machine.checkpoint(this.snapshot());
  }

  restoreCheckpoint(id: number): void {
    const s = this.machine.restore<InterpreterState>(id);
    this.restore(s);
  }

  /** Text address of an instruction index. */
  static address(pc: number): number {
    return pc * INSTRUCTION_SIZE;
  }
}

/** Per opcode: the largest page offset at which an access of its size stays within the page. */
/** bread/bwrite operand limits (block number, block count, physical address). */
const DMA_BLOCK_LIMIT = 2 ** 40;
const DMA_COUNT_LIMIT = 2 ** 20;
const DMA_ADDRESS_LIMIT = 2 ** 40;


/** A 64-bit value in hex with `_` every four digits, exact above 2^53 (where `hex` of a double is not). */
function hexBig(v: bigint): string {
  const digits = v.toString(16);
  let out = '';
  for (let i = digits.length; i > 0; i -= 4) out = digits.slice(Math.max(0, i - 4), i) + (out ? '_' + out : '');
  return '0x' + out;
}


export { ZERO_REG, CR0_PG };
export type { PageFault };
