// The debugging runtime: one machine, one program, and everything a debugger does to it: runs in
// bounded chunks that yield to the event loop (so pause, new breakpoints and disconnect get in), steps,
// and goes backwards by restoring a checkpoint and re-executing forward to the exact instant.
//
// Reverse execution relies on the interpreter's determinism: from a checkpoint, running the same number
// of instructions (with no stops in between) reproduces the same machine, whatever stops happened the
// first time.

import {
  Interpreter, Machine, recordPoint, type InterpreterState, type MachinePoint, type OutputLine, type Program, type StopHooks, type StopReason, type Thread, type Watchpoint,
} from '../emulator/index';

/** Instructions per chunk of a run before yielding to the event loop. */
export const RUN_CHUNK = 250_000;
/** A checkpoint is kept at least this often (instructions), bounding the cost of a step back. */
export const CHECKPOINT_INTERVAL = 1_000_000;
/** At most this many checkpoints are kept: past it, the one closest to its neighbours is folded away. */
export const MAX_CHECKPOINTS = 64;
/** At most this many bytes of saved pages and blocks are kept: past it, the oldest checkpoints go. */
export const MAX_CHECKPOINT_BYTES = 256 * 2 ** 20;
/** Stops whose instant is kept for the machine diff (mover/diff's `back` reaches at most this far). */
export const MAX_STOP_POINTS = 64;
/** Output lines and events the interpreter keeps (the adapter hands each line on as it is printed). */
export const LOG_LIMIT = 10_000;

export type StepKind = 'in' | 'over' | 'out';

const RUNTIMES = new WeakMap<Interpreter, MoverRuntime>();

/** The runtime that drives an interpreter (the console's commands get only the interpreter). */
export function runtimeOf(interp: Interpreter): MoverRuntime | undefined {
  return RUNTIMES.get(interp);
}

/** Why the runtime stopped, as the adapter reports it. `pause` and `entry` come from the adapter itself. */
export type RuntimeStop = StopReason | { readonly kind: 'pause' } | { readonly kind: 'entry' } | { readonly kind: 'step-limit' } | HistoryStop;

/**
 * Going back reached the oldest instant kept. `oldest` is its clock value: 0 when all history is kept,
 * more when older checkpoints were dropped to bound memory. `moved` is false when the machine could not
 * go back at all (it is where it was).
 */
export interface HistoryStop {
  readonly kind: 'start-of-history';
  readonly oldest: number;
  readonly moved: boolean;
}

/** A history stop's wording: the start of the run, or how far back the history kept reaches. */
export function describeHistoryStop(stop: HistoryStop): string {
  if (stop.oldest === 0) return 'At the start of the recorded history';
  const kept = `history is kept from instruction ${stop.oldest} on (older checkpoints were dropped to bound memory)`;
  return stop.moved ? `At the oldest instant kept: ${kept}` : `Cannot step back: ${kept}`;
}

interface CheckpointMark {
  readonly id: number;
  /** The machine's clock (instructions retired by all processors) when it was taken. */
  readonly at: number;
  /** Instructions each thread had retired. */
  readonly threadRetired: readonly number[];
  /** Taken right after a debugger edit: the history from it on is the edited one, so it is never folded away. */
  readonly edit: boolean;
}

export interface BreakFilter {
  /** Called at a breakpoint stop: true to report it, false to run on (conditions, hit counts, logpoints). */
  (stop: Extract<StopReason, { kind: 'breakpoint' }>): boolean;
}

export class MoverRuntime {
  readonly interp: Interpreter;
  private marks: CheckpointMark[] = [];
  private pauseRequested = false;
  private running = false;
  /** Stopped at this clock value; views compare with it to say what is new. */
  lastStopAt = 0;

  constructor(readonly machine: Machine, readonly program: Program, readonly options: { readonly timerQuantum?: number; readonly maxSteps: number; readonly checkTlb?: boolean }) {
    this.interp = new Interpreter(machine, program, { logLimit: LOG_LIMIT, ...(options.timerQuantum !== undefined ? { timerQuantum: options.timerQuantum } : {}), ...(options.checkTlb ? { checkTlb: true } : {}) });
    this.markTlbs();
    this.takeCheckpoint();
    RUNTIMES.set(this.interp, this);
  }

  get isRunning(): boolean {
    return this.running;
  }

  // ---- what the session reads -------------------------------------------------------------------

  get threads(): readonly Thread[] {
    return this.interp.threads;
  }

  /** The machine's clock: instructions retired by all processors. */
  get retired(): number {
    return this.interp.retired;
  }

  /** The thread a request without a thread id means: the first that has not halted. */
  defaultThread(): number {
    return this.interp.threads.find((t) => t.state !== 'halted')?.id ?? 0;
  }

  /** The space a processor runs in now, by name. */
  spaceOf(cpu: number): string {
    return this.interp.spaceOf(cpu);
  }

  /** The thread a processor runs now. */
  threadOn(cpu: number): Thread | null {
    return this.interp.currentThread(cpu);
  }

  /** True when the thread is the one its processor runs now. */
  isRunningNow(t: Thread): boolean {
    return this.threadOn(t.cpu) === t;
  }

  /** The space of each frame of a thread, innermost first: where it runs now, then each caller's. */
  frameSpaces(t: Thread): { pc: number; space: string }[] {
    const m = this.machine;
    const p = m.processors[t.cpu];
    const out = [{ pc: t.pc, space: this.isRunningNow(t) ? this.spaceOf(t.cpu) : m.spaceNameFor(p.paging, p.cr3) }];
    for (let k = t.frames.length - 1; k >= 0; k--) out.push({ pc: t.frames[k].callPc, space: m.spaceNameFor(t.frames[k].callerPaging, t.frames[k].callerCr3) });
    return out;
  }

  lastAccess(cpu: number): { va: number; write: boolean } | null {
    return this.interp.lastAccess(cpu);
  }

  /** Each processor's TLB change mark at the last run's start: views say what is new since then. */
  tlbMarks: number[] = [];

  /**
   * Each processor's TLB entries (VPN, frame) at the last run's start. The TLB keeps no record of what it
   * evicts; the TLB view finds it by comparing these with the entries at the stop (64 entries a processor).
   */
  tlbAtMark: { readonly vpn: Int32Array; readonly frame: Float64Array }[] = [];

  private markTlbs(): void {
    this.tlbMarks = this.machine.processors.map((p) => p.tlb.markChanges());
    this.tlbAtMark = this.machine.processors.map((p) => ({ vpn: p.tlb.vpn.slice(), frame: p.tlb.frame.slice() }));
  }

  // ---- what the debugger changes -----------------------------------------------------------------

  /** How many output lines of the timeline have been handed on: replays print nothing twice. */
  private printed = 0;

  /**
   * Program output as it is printed, each line of the timeline once: going back and running forward
   * again (step back, reverse continue, a step after them) re-executes prints that were already shown.
   */
  set onOutput(f: ((line: OutputLine) => void) | null) {
    this.interp.onOutput = f && ((line) => {
      // The line was just appended: its index in the timeline's output is the length less one.
      const index = this.interp.output.length - 1;
      if (index < this.printed) return;
      this.printed = index + 1;
      f(line);
    });
  }

  setRegister(thread: number, index: number, value: bigint): void {
    this.interp.setRegister(this.interp.threads[thread], index, value);
  }

  setPc(thread: number, pc: number): void {
    this.interp.setPc(thread, pc);
  }

  setBreakpoints(pcs: Iterable<number>): void {
    this.interp.setBreakpoints(pcs);
  }

  setStopHooks(h: StopHooks): void {
    this.interp.setStopHooks(h);
  }

  /** Replaces every watchpoint; returns them with their ids, in order. */
  setWatches(list: readonly Omit<Watchpoint, 'id'>[]): Watchpoint[] {
    this.interp.clearWatches();
    return list.map((w) => this.interp.addWatch(w));
  }

  requestPause(): void {
    if (this.running) this.pauseRequested = true;
  }

  thread(id: number): Thread | undefined {
    return this.interp.threads[id];
  }

  private takeCheckpoint(edit = false): void {
    const last = this.marks[this.marks.length - 1];
    if (!edit && last && last.at === this.interp.retired) return;
    const id = this.interp.checkpoint();
    this.marks.push({ id, at: this.interp.retired, threadRetired: this.interp.threads.map((t) => t.retired), edit });
    this.thinCheckpoints();
  }

  /**
   * Keeps checkpoints within MAX_CHECKPOINTS and MAX_CHECKPOINT_BYTES. Over the count, the checkpoint
   * whose neighbours are closest is folded into the one before it (older history gets sparser, and a
   * step back there replays further). Over the bytes, the oldest go: history then starts later, and a
   * step back past it says so. The latest checkpoint records now and always stays.
   */
  private thinCheckpoints(): void {
    const gap = (i: number) => this.marks[i + 1].at - this.marks[i - 1].at;
    while (this.marks.length > MAX_CHECKPOINTS) {
      let best = -1;
      for (let i = 1; i < this.marks.length - 1; i++) if (!this.marks[i].edit && (best < 0 || gap(i) < gap(best))) best = i;
      // Only edits in between: the oldest goes, as when over the bytes.
      if (best < 0) best = 0;
      this.machine.dropCheckpoint(this.marks[best].id);
      this.marks.splice(best, 1);
    }
    while (this.marks.length > 1 && this.machine.checkpointBytes() > MAX_CHECKPOINT_BYTES) {
      this.machine.dropCheckpoint(this.marks[0].id);
      this.marks.shift();
    }
  }

  /** The instants of the stops on this timeline, oldest first (the last is the latest stop). */
  private points: MachinePoint[] = [];

  /**
   * Records the stop just reported for the machine diff: a checkpoint at this clock (so the journals
   * from it on hold what is overwritten after it) and the cheap part of the machine. Stops later than
   * now (before a step back) leave the timeline; one at the same clock is replaced.
   */
  recordStop(): void {
    this.takeCheckpoint();
    const now = this.interp.retired;
    const id = this.marks[this.marks.length - 1].id;
    while (this.points.length && this.points[this.points.length - 1].at >= now) this.points.pop();
    this.points.push(recordPoint(this.interp, id));
    if (this.points.length > MAX_STOP_POINTS + 1) this.points.shift();
  }

  /** The stop `back` stops before the latest one, or why there is none. */
  pointBack(back: number): MachinePoint | string {
    const k = this.points.length - 1 - back;
    if (k >= 0) return this.points[k];
    const have = Math.max(0, this.points.length - 1);
    return `there ${have === 1 ? 'is 1 earlier stop' : `are ${have} earlier stops`} on this timeline, not ${back}: the stop ${back} back is older than the kept history`;
  }

  /** The clock value of the oldest instant the machine can go back to. */
  get oldestKept(): number {
    return this.marks[0].at;
  }

  /**
   * A debugger edit (memory, a register, the pc) was just made: it starts a new timeline here. The
   * checkpoint taken now holds the edited machine, so going back within the new timeline keeps the
   * edit, and going back before it restores an older checkpoint and shows the history before it.
   */
  edited(): void {
    this.takeCheckpoint(true);
  }

  /**
   * Runs until a reported stop. `step` stops when that thread has retired `count` instructions;
   * `until` is checked at each stop and may decide to go on (step over, step out).
   */
  run(opts: { filter?: BreakFilter; until?: (s: StopReason) => boolean } = {}): Promise<RuntimeStop> {
    this.markTlbs();
    return this.advance(opts);
  }

  /**
   * The run loop of every forward motion, in chunks of RUN_CHUNK instructions with a turn of the event
   * loop in between, so pause and the other requests get in during a long run or a long step over.
   * `step` stops when that thread has retired `count` more instructions; `untilDepth` when a return
   * leaves it at most `depth` calls deep (step over and out).
   */
  private async advance(opts: { step?: { thread: number; count: number }; untilDepth?: { thread: number; depth: number }; filter?: BreakFilter; until?: (s: StopReason) => boolean }): Promise<RuntimeStop> {
    this.running = true;
    this.pauseRequested = false;
    try {
      let sinceCheckpoint = this.interp.retired - (this.marks[this.marks.length - 1]?.at ?? 0);
      const stepTarget = opts.step ? { thread: opts.step.thread, target: this.interp.threads[opts.step.thread].retired + opts.step.count } : null;
      for (;;) {
        if (this.pauseRequested) return { kind: 'pause' };
        if (this.interp.retired >= this.options.maxSteps) return { kind: 'step-limit' };
        const budget = Math.min(RUN_CHUNK, this.options.maxSteps - this.interp.retired);
        const step = stepTarget ? { thread: stepTarget.thread, count: stepTarget.target - this.interp.threads[stepTarget.thread].retired }
          : opts.untilDepth ? { thread: opts.untilDepth.thread, untilDepth: opts.untilDepth.depth } : undefined;
        const before = this.interp.retired;
        const stop = step?.count !== undefined && step.count <= 0 ? { kind: 'step' as const, thread: step.thread, cpu: this.interp.threads[step.thread].cpu, pc: this.interp.threads[step.thread].pc } : this.interp.run(budget, step);
        sinceCheckpoint += this.interp.retired - before;
        if (sinceCheckpoint >= CHECKPOINT_INTERVAL) { this.takeCheckpoint(); sinceCheckpoint = 0; }
        if (stop.kind === 'budget') {
          // Let pause, breakpoint changes and disconnect in.
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        if (stop.kind === 'breakpoint' && opts.filter && !opts.filter(stop)) continue;
        if (opts.until && !opts.until(stop)) continue;
        return stop;
      }
    } finally {
      this.running = false;
      this.lastStopAt = this.interp.retired;
    }
  }

  /** Step in: one instruction of the thread. */
  stepIn(thread: number, filter?: BreakFilter): Promise<RuntimeStop> {
    this.markTlbs();
    return this.advance({ step: { thread, count: 1 }, ...(filter ? { filter } : {}) });
  }

  /** Step over: one instruction, or a whole call. */
  async stepOver(thread: number, filter?: BreakFilter): Promise<RuntimeStop> {
    const t = this.interp.threads[thread];
    const depth = t.frames.length;
    this.markTlbs();
    const first = await this.advance({ step: { thread, count: 1 }, ...(filter ? { filter } : {}) });
    if (first.kind !== 'step' || t.frames.length <= depth) return first;
    return this.runUntilDepth(thread, depth, filter);
  }

  /** Step out: until the current call returns. */
  async stepOut(thread: number, filter?: BreakFilter): Promise<RuntimeStop> {
    const t = this.interp.threads[thread];
    if (t.frames.length === 0) return this.stepOver(thread, filter);
    this.markTlbs();
    return this.runUntilDepth(thread, t.frames.length - 1, filter);
  }

  /** Runs until a `ret` of the thread leaves it at most `depth` calls deep (the interpreter catches it). */
  private runUntilDepth(thread: number, depth: number, filter?: BreakFilter): Promise<RuntimeStop> {
    return this.advance({ untilDepth: { thread, depth }, ...(filter ? { filter } : {}) });
  }

  /** Moves the whole machine back to the instant when `thread` had retired `target` instructions. */
  private rewindThread(thread: number, target: number): boolean {
    const mark = [...this.marks].reverse().find((m) => (m.threadRetired[thread] ?? 0) <= target);
    if (!mark) return false;
    this.restoreMark(mark);
    const t = this.interp.threads[thread];
    if (t.retired < target) this.replay(() => this.interp.run(Number.MAX_SAFE_INTEGER, { thread, count: target - t.retired }));
    return true;
  }

  /** Moves the machine to clock value `at` (instructions retired by all processors). */
  rewindTo(at: number): boolean {
    const mark = [...this.marks].reverse().find((m) => m.at <= at);
    if (!mark) return false;
    this.restoreMark(mark);
    if (this.interp.retired < at) this.replay(() => this.interp.run(at - this.interp.retired));
    return true;
  }

  private restoreMark(mark: CheckpointMark): void {
    this.interp.restoreCheckpoint(mark.id);
    this.marks = this.marks.slice(0, this.marks.indexOf(mark) + 1);
  }

  /** Re-executes with every hook off, so nothing stops the replay early. */
  private replay(go: () => StopReason): void {
    this.interp.suspendHooks(go);
  }

  /** Step back: the machine as it was just after the thread's previous instruction. */
  stepBack(thread: number): RuntimeStop {
    this.markTlbs();
    const t = this.interp.threads[thread];
    if (t.retired === 0) return { kind: 'start-of-history', oldest: 0, moved: false };
    // History was thinned to bound memory and does not reach that far back: say so, and stay.
    if (!this.rewindThread(thread, t.retired - 1)) return { kind: 'start-of-history', oldest: this.oldestKept, moved: false };
    this.lastStopAt = this.interp.retired;
    return { kind: 'step', thread, cpu: t.cpu, pc: t.pc };
  }

  /**
   * Reverse continue: back to the latest breakpoint hit (or reported stop) before now, found by
   * re-executing each checkpoint interval with hooks on; the start of history if there is none.
   */
  reverseContinue(filter?: BreakFilter): RuntimeStop {
    this.markTlbs();
    const now = this.interp.retired;
    for (let k = this.marks.length - 1; k >= 0; k--) {
      const mark = this.marks[k];
      if (mark.at >= now) continue;
      const end = k + 1 < this.marks.length ? Math.min(this.marks[k + 1].at, now) : now;
      this.restoreMark(mark);
      // A checkpoint taken at a breakpoint stop (every stop keeps one, for the machine diff) would step
      // over that breakpoint: here its hit at the interval's first instant counts too.
      this.interp.markBreakpointStop(-1, -1);
      let last: { at: number; stop: StopReason } | null = null;
      while (this.interp.retired < end) {
        const s = this.interp.run(end - this.interp.retired);
        if (s.kind === 'budget' || s.kind === 'halted') break;
        if (s.kind === 'breakpoint' && filter && !filter(s)) continue;
        if (s.kind === 'fault') break;
        // A stop at `now` itself is where we already are.
        if (this.interp.retired < now || (s.kind === 'breakpoint' && this.interp.retired < now)) last = { at: this.interp.retired, stop: s };
      }
      if (last) {
        this.rewindTo(last.at);
        if (last.stop.kind === 'breakpoint') this.interp.markBreakpointStop(last.stop.thread, last.stop.pc);
        this.lastStopAt = this.interp.retired;
        return last.stop;
      }
      // Nothing in this interval: the machine is at `mark` now; look further back.
      this.restoreMark(mark);
      if (k === 0) break;
    }
    this.rewindTo(this.oldestKept);
    this.lastStopAt = this.interp.retired;
    return { kind: 'start-of-history', oldest: this.oldestKept, moved: true };
  }

  /** Restart: back to the first checkpoint (the loaded program), hooks kept. */
  restart(): void {
    this.restoreMark(this.marks[0]);
    this.lastStopAt = 0;
  }

  snapshotState(): InterpreterState {
    return this.interp.snapshot();
  }
}
