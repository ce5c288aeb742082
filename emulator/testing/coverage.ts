// Coverage of a test run: the source lines it executed, and its address-space coverage (which spaces,
// chunks and pages its loads and stores touched, its TLB misses, walks and flushes, its
// copy-on-first-write events).
//
// It runs the interpreter one instruction at a time and looks at the machine between instructions,
// so the interpreter's hot loop has no coverage code at all: a run without coverage costs exactly
// what it did before. A covered run is slower, which tests (thousands of instructions) do not notice.

import { Op } from '../asm/isa';
import { STRIDE } from '../asm/program';
import type { Interpreter } from '../interp/interpreter';
import type { StopReason } from '../interp/stop';
import { translate } from '../inspect';
import { PAGE_SHIFT } from '../physical-memory';
import { hex } from '../hex';

/** Executions of each instruction line of one source file (every instruction line, hit or not). */
export interface FileLineCoverage {
  readonly file: string;
  /** [one-based line, hits], by line. */
  readonly lines: readonly (readonly [number, number])[];
}

export interface PageTouch {
  /** The virtual page (its first byte) in the space. */
  readonly va: string;
  /** The physical page it mapped to at the time, and that page's chunk. */
  readonly pa: string;
  readonly chunk: string | null;
  readonly read: boolean;
  readonly written: boolean;
}

export interface SpaceCoverage {
  readonly space: string;
  readonly pages: readonly PageTouch[];
}

export interface TlbActivity {
  readonly cpu: number;
  readonly misses: number;
  readonly walks: number;
  readonly flushes: number;
}

export interface TestCoverage {
  readonly files: readonly FileLineCoverage[];
  readonly spaces: readonly SpaceCoverage[];
  /** Chunks touched, with how many distinct physical pages of each. */
  readonly chunks: readonly { readonly name: string; readonly pages: number }[];
  readonly tlb: readonly TlbActivity[];
  /** Copy-on-first-write events of the snapshot module ([00052]): the block and its save block. */
  readonly cofw: readonly { readonly block: string; readonly save: string }[];
}

/** The instructions that load or store data through the current space: the processor's last access is theirs. */
const DATA_OPS = new Set<number>([
  Op.LD8, Op.LD16, Op.LD32, Op.LD64, Op.LDS8, Op.LDS16, Op.LDS32, Op.ST8, Op.ST16, Op.ST32, Op.ST64, Op.ST8_I, Op.ST16_I, Op.ST32_I, Op.ST64_I,
  Op.SPIN_LOCK, Op.SPIN_UNLOCK,
]);
/** Stack writes (the slot is at the new sp) and stack reads (the slot was just below the new sp). */
const PUSHES = new Set<number>([Op.PUSH_R, Op.PUSH_I, Op.CALL, Op.CALL_R]);
const POPS = new Set<number>([Op.POP, Op.RET, Op.IRET]);
const SP = 15;

interface Touch { space: string; va: number; pa: number | null; chunk: string | null; read: boolean; written: boolean }

export class CoverageRecorder {
  private readonly hits: Uint32Array;
  private readonly touches = new Map<string, Touch>();
  private readonly tlbStart: { misses: number; walks: number; flushes: number }[];
  private readonly retired: number[];

  constructor(private readonly interp: Interpreter) {
    this.hits = new Uint32Array(interp.program.length);
    this.tlbStart = interp.machine.processors.map((p) => ({ misses: p.tlb.misses, walks: p.tlb.walks, flushes: p.tlb.flushes }));
    this.retired = interp.threads.map((t) => t.retired);
  }

  /** Runs up to `budget` instructions, recording each; the same stops as `Interpreter.run`. */
  run(budget: number): StopReason {
    const { interp } = this;
    const code = interp.program.code;
    for (let left = budget; left > 0; left--) {
      const pcs = interp.threads.map((t) => t.pc);
      const stop = interp.run(1);
      interp.threads.forEach((t, i) => {
        if (t.retired === this.retired[i]) return;
        this.retired[i] = t.retired;
        const pc = pcs[i];
        if (pc < 0 || pc >= this.hits.length) return;
        this.hits[pc]++;
        const op = code[pc * STRIDE];
        if (DATA_OPS.has(op)) {
          const access = interp.lastAccess(t.cpu);
          if (access) this.touch(t.cpu, access.va, access.write);
        } else if (PUSHES.has(op) || POPS.has(op)) {
          const sp = Number(interp.register(t, SP) & 0xFFFF_FFFFn);
          this.touch(t.cpu, PUSHES.has(op) ? sp : (sp - 8) >>> 0, PUSHES.has(op));
        }
      });
      // A faulting instruction did not retire, but it ran: its line is covered.
      if (stop.kind === 'fault' && stop.pc >= 0 && stop.pc < this.hits.length) this.hits[stop.pc]++;
      if (stop.kind !== 'budget') return stop;
    }
    return { kind: 'budget' };
  }

  private touch(cpu: number, va: number, write: boolean): void {
    const space = this.interp.spaceOf(cpu);
    const page = (va >>> PAGE_SHIFT) << PAGE_SHIFT >>> 0;
    const key = `${space}:${page}`;
    let t = this.touches.get(key);
    if (!t) {
      // The translation the processor used: its loaded PDPTEs and the tables as they are now.
      const tr = translate(this.interp.machine, { cpu }, page);
      t = { space, va: page, pa: tr.pa, chunk: tr.chunk?.name ?? null, read: false, written: false };
      this.touches.set(key, t);
    }
    if (write) t.written = true;
    else t.read = true;
  }

  result(): TestCoverage {
    const { program, machine, events } = this.interp;
    const byFile = new Map<number, [number, number][]>();
    for (let pc = 0; pc < program.length; pc++) {
      const f = program.srcFile[pc];
      if (!byFile.has(f)) byFile.set(f, []);
      byFile.get(f)!.push([program.srcLine[pc] + 1, this.hits[pc]]);
    }
    const files = [...byFile].map(([f, lines]) => ({ file: program.files[f], lines: lines.sort((a, b) => a[0] - b[0]) }));
    const spaces = new Map<string, PageTouch[]>();
    const chunkPages = new Map<string, Set<number>>();
    for (const t of [...this.touches.values()].sort((a, b) => a.va - b.va)) {
      if (!spaces.has(t.space)) spaces.set(t.space, []);
      spaces.get(t.space)!.push({ va: hex(t.va, 8), pa: t.pa === null ? '-' : hex(t.pa), chunk: t.chunk, read: t.read, written: t.written });
      if (t.chunk !== null && t.pa !== null) {
        if (!chunkPages.has(t.chunk)) chunkPages.set(t.chunk, new Set());
        chunkPages.get(t.chunk)!.add(t.pa);
      }
    }
    return {
      files,
      spaces: [...spaces].sort(([a], [b]) => a.localeCompare(b)).map(([space, pages]) => ({ space, pages })),
      chunks: machine.layout.chunks.filter((c) => chunkPages.has(c.name)).map((c) => ({ name: c.name, pages: chunkPages.get(c.name)!.size })),
      tlb: machine.processors.map((p, i) => ({
        cpu: p.id, misses: p.tlb.misses - this.tlbStart[i].misses, walks: p.tlb.walks - this.tlbStart[i].walks, flushes: p.tlb.flushes - this.tlbStart[i].flushes,
      })),
      cofw: events.filter((e) => e.name === 'cofw').map((e) => ({ block: String(e.a), save: String(e.b) })),
    };
  }
}
