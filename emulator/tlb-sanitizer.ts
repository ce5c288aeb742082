// The TLB-coherence sanitizer (issue 17): finds the uses of TLB entries that no longer match the page
// tables, and the write that made each one stale.
//
// When it is on, every TLB fill records the physical addresses of the paging-structure entries it was
// built from (the PDPTE register's source, the PDE, the PTE), and the pages holding them are watched. A
// processor's store to one of those entries (the interpreter sends every store to `stored` while the
// sanitizer is on) marks the entry suspect, remembering the write: processor, thread, pc and the
// retired-instruction clock. A suspect entry stays out of the TLB's fast and host caches, so its next use
// takes the processor's checked path (`used`), which compares it with a side-effect-free walk of the
// current tables: a different frame, or an access the tables would now refuse (a write through an entry
// whose PTE became read-only), is a finding. An entry that matches again goes back to the fast caches.
// A CR3 load marks the entries that survive it (global ones, [00045]) suspect too.
//
// Shootdowns: a write that makes an entry stale in ANOTHER processor's TLB is noted at the write. A correct
// shootdown flushes that entry on the holder before it is used, and then nothing is reported; otherwise
// the note becomes a warning finding at the write (with the write's clock, so it sorts before the stale
// use it caused): when the holder uses the entry, or at the end of the run if the entry is still held
// and still stale.
//
// The sanitizer only observes: the machine runs exactly as without it (the stale entry is still used, as
// hardware would). It costs nothing when off: the processor reads `tlb.marks[e]` only on its slow path,
// and the interpreter sends stores here only while it is on.

import { hex } from './hex';
import type { Machine } from './machine';
import { PAGE_SIZE } from './physical-memory';
import { ENTRY_SIZE, PDPT_SHIFT, PD_SHIFT, PTE_P, PTE_PS, PT_SHIFT, TABLE_INDEX_MASK, WalkOut, entryFrameBase, walk, type LevelName, type Pdptes } from './paging';
import { CR0_WP, type Processor, type TlbObserver } from './processor';
import { TLB_DIRTY, TLB_GLOBAL, TLB_LARGE, TLB_PCD, TLB_PWT, TLB_RW, TLB_US, type Tlb } from './tlb';
import type { Program } from './asm/program';
import type { TlbEntryFlags } from './inspect';
import { describeWalkFault, tlbFlagWords } from './report';
import { sourceLocation } from './describe';

/** The write (or CR3 load) that made a TLB entry suspect. */
export interface TlbWrite {
  readonly kind: 'store' | 'cr3';
  readonly cpu: number;
  readonly thread: number;
  readonly pc: number;
  /** Instructions retired by all processors before the writing instruction. */
  readonly clock: number;
  /** The paging-structure entry written (a store), or the CR3 loaded. */
  readonly pa: number;
  /** Which entry the store hit (null for a CR3 load). */
  readonly level: LevelName | null;
}

export type TlbFindingKind = 'stale-use' | 'shootdown';

export interface TlbFinding {
  /** Order of recording (unique in a run). */
  readonly seq: number;
  readonly kind: TlbFindingKind;
  /** error: an unexpected stale use; warning: a missing shootdown; info: either, marked `.expect_stale`. */
  readonly severity: 'error' | 'warning' | 'info';
  /** The use was marked with `.expect_stale`. */
  readonly expected: boolean;
  /** The processor whose TLB holds the stale entry, the space it runs in, and the page. */
  readonly cpu: number;
  readonly space: string;
  readonly va: number;
  /** The stale access (stale-use), or null (a shootdown warning). */
  readonly access: 'read' | 'write' | null;
  /** Where the finding is: the stale access (stale-use) or the write (shootdown). */
  readonly thread: number;
  readonly pc: number;
  readonly clock: number;
  /** What the TLB said and what the tables say now, worded as the TLB listings word them. */
  readonly tlbSaid: string;
  readonly tablesSay: string;
  /** The write that made the entry stale (null: before the sanitizer was watching). */
  readonly write: TlbWrite | null;
  /** Instructions retired between that write and the use (null without a write). */
  readonly ago: number | null;
  /** The flush that would have fixed it. */
  readonly fix: string;
  /** One line saying all of the above. */
  readonly message: string;
}

/** The most findings a run keeps (a stale entry used in a loop is reported once per instruction anyway). */
export const MAX_TLB_FINDINGS = 1000;
/** Paging-structure entries recorded per TLB entry: PDPTE, PDE, PTE. */
const DEPS = 3;
const DEP_LEVELS: readonly LevelName[] = ['PDPTE', 'PDE', 'PTE'];
/** Room for a processor's entries in a watcher key (TLBs hold at most 4096 entries). */
const KEY_CPU = 4096;

interface PendingShootdown {
  readonly write: TlbWrite;
  readonly filledAt: number;
}

function entryFlags(f: number): TlbEntryFlags {
  return { writable: !!(f & TLB_RW), user: !!(f & TLB_US), dirty: !!(f & TLB_DIRTY), global: !!(f & TLB_GLOBAL), large: !!(f & TLB_LARGE), pwt: !!(f & TLB_PWT), pcd: !!(f & TLB_PCD) };
}

export class TlbSanitizer implements TlbObserver {
  readonly findings: TlbFinding[] = [];
  /** Called for each new finding (the interpreter stops on unexpected stale uses when asked to). */
  onFinding: ((f: TlbFinding) => void) | null = null;
  /** The instruction running now: set by the interpreter before each instruction of its slow path. */
  thread = 0;
  pc = 0;
  clock = 0;
  private seq = 0;
  /** Per processor, per TLB entry, the PAs of the entries it was built from (-1: none). */
  private readonly deps: Float64Array[];
  /** Paging-structure entry PA -> the TLB entries (cpu * KEY_CPU + e) built from it. */
  private readonly watchers = new Map<number, Set<number>>();
  /** Physical page number -> how many watched entries it holds (a store elsewhere costs one lookup). */
  private readonly pages = new Map<number, number>();
  /** The write that made each suspect entry suspect. */
  private readonly writers = new Map<number, TlbWrite>();
  /** Writes that left another processor's entry stale, not yet flushed there. */
  private readonly shootdowns = new Map<number, PendingShootdown>();
  /** Stale uses already reported: one finding per entry fill and instruction. */
  private readonly reported = new Set<string>();
  private readonly out = new WalkOut();
  private readonly addrs = new Float64Array(DEPS);

  constructor(readonly machine: Machine, readonly program: Program) {
    this.deps = machine.processors.map((p) => new Float64Array(p.tlb.size * DEPS).fill(-1));
  }

  /** Starts watching: every processor reports to this sanitizer, and what the TLBs hold now is recorded. */
  attach(): void {
    const watched = (frame: number) => this.pages.has(Math.floor(frame / PAGE_SIZE));
    for (const p of this.machine.processors) { p.sanitizer = this; p.tlb.writeWatch = watched; }
    this.rebuild(Infinity);
  }

  /** Stops watching: the processors forget it and every suspect entry goes back to the fast caches. */
  detach(): void {
    for (const p of this.machine.processors) {
      p.sanitizer = null;
      p.tlb.writeWatch = null;
      p.tlb.unblockAll();
    }
  }

  /**
   * After a checkpoint was restored (or when starting): records what each TLB entry was built from by
   * walking the tables as they are now; an entry that already disagrees with them is suspect, by a
   * write from before this point. Findings after `clock` have not happened yet and are dropped.
   */
  rebuild(clock: number): void {
    this.watchers.clear(); this.pages.clear(); this.writers.clear(); this.shootdowns.clear(); this.reported.clear();
    const kept = this.findings.filter((f) => f.clock < clock);
    this.findings.length = 0;
    this.findings.push(...kept);
    for (const p of this.machine.processors) {
      const d = this.deps[p.id];
      d.fill(-1);
      const tlb = p.tlb;
      for (let e = 0; e < tlb.size; e++) {
        if (tlb.vpn[e] < 0) continue;
        if (!p.paging) continue;
        const ok = walk(this.machine.memory, p.loadedPdptes, tlb.vpn[e] * PAGE_SIZE, { write: false, user: false, wp: false, sideEffects: false }, this.out, null);
        this.record(p.id, e, p.loadedPdptes);
        if (!ok || this.out.frameBase !== tlb.frame[e] || this.out.writable !== !!(tlb.flags[e] & TLB_RW) || this.out.user !== !!(tlb.flags[e] & TLB_US)) tlb.markSuspect(e);
      }
    }
    // The watched pages are known now: entries that map them write through the slow path.
    for (const p of this.machine.processors) this.blockWritesTo(p, null);
  }

  /** Entries of processor p mapping a watched page (only `page`, when given) stop taking the fast write paths. */
  private blockWritesTo(p: Processor, page: number | null): void {
    const tlb = p.tlb;
    for (let e = 0; e < tlb.size; e++) {
      if (tlb.vpn[e] < 0) continue;
      const f = Math.floor(tlb.frame[e] / PAGE_SIZE);
      if (page === null ? this.pages.has(f) : f === page) tlb.blockFastWrite(e);
    }
  }

  // ---- what the processors tell ------------------------------------------------------------------

  filled(cpu: Processor, e: number): void {
    const key = cpu.id * KEY_CPU + e;
    this.writers.delete(key);
    this.shootdowns.delete(key);
    this.record(cpu.id, e, cpu.loadedPdptes);
  }

  used(cpu: Processor, e: number, va: number, write: boolean): void {
    const tlb = cpu.tlb;
    const key = cpu.id * KEY_CPU + e;
    const out = this.out;
    const ok = walk(this.machine.memory, cpu.loadedPdptes, va, { write, user: cpu.cpl === 3, wp: (cpu.cr0 & CR0_WP) !== 0, sideEffects: false }, out, null);
    const f = tlb.flags[e];
    if (ok && out.frameBase === tlb.frame[e]) {
      // The same frame and this access allowed: not a stale use. Flags that still differ keep it suspect.
      if (out.writable === !!(f & TLB_RW) && out.user === !!(f & TLB_US)) { tlb.clearSuspect(e); this.writers.delete(key); this.shootdowns.delete(key); }
      return;
    }
    const tag = `${key}:${tlb.filledAt[e]}:${this.pc}`;
    if (this.reported.has(tag)) return;
    this.reported.add(tag);
    const expected = this.program.expectStale.has(this.pc);
    const write0 = this.writers.get(key) ?? null;
    const page = (va >>> 12) * PAGE_SIZE;
    const tlbSaid = this.tlbWords(tlb, e);
    const tablesSay = this.tablesWords(ok, write);
    const pending = this.shootdowns.get(key);
    if (pending && pending.filledAt === tlb.filledAt[e]) {
      this.shootdowns.delete(key);
      this.shootdownFinding(cpu, page, tlbSaid, tablesSay, pending.write, expected);
    }
    const space = this.machine.currentSpaceName(cpu);
    const ago = write0 ? this.clock - write0.clock : null;
    const fix = this.fixWords(cpu.id, page, write0);
    const access = write ? 'write' : 'read';
    const message = `cpu${cpu.id} ${access === 'read' ? 'read' : 'wrote'} ${hex(va >>> 0, 8)} in ${space} through a stale TLB entry at ${this.where(this.pc)}: ` +
      `the TLB says ${tlbSaid}, the page tables now say ${tablesSay}; ${this.writeWords(write0, ago)}; fix: ${fix}${expected ? ' (expected: .expect_stale)' : ''}`;
    this.add({ kind: 'stale-use', severity: expected ? 'info' : 'error', expected, cpu: cpu.id, space, va: page, access, thread: this.thread, pc: this.pc, clock: this.clock, tlbSaid, tablesSay, write: write0, ago, fix, message });
  }

  // ---- what the interpreter tells ----------------------------------------------------------------

  /** A store by processor `cpu` (the current instruction) of `size` bytes at physical `pa`, within one page. */
  stored(cpu: number, pa: number, size: number): void {
    if (!this.pages.has(Math.floor(pa / PAGE_SIZE))) return;
    for (let a = pa - (pa % ENTRY_SIZE); a < pa + size; a += ENTRY_SIZE) {
      const keys = this.watchers.get(a);
      if (!keys) continue;
      for (const key of keys) this.hit(key, { kind: 'store', cpu, thread: this.thread, pc: this.pc, clock: this.clock, pa: a, level: this.levelOf(key, a) });
    }
  }

  /** Processor `cpu` loaded CR3: the entries it keeps (global ones) must match the new space's tables. */
  cr3Loaded(cpu: Processor): void {
    const tlb = cpu.tlb;
    for (let e = 0; e < tlb.size; e++) {
      if (tlb.vpn[e] < 0) continue;
      const key = cpu.id * KEY_CPU + e;
      tlb.markSuspect(e);
      this.writers.set(key, { kind: 'cr3', cpu: cpu.id, thread: this.thread, pc: this.pc, clock: this.clock, pa: cpu.cr3, level: null });
    }
  }

  /**
   * The end of the run: each write that left another processor's entry stale, with the entry still held
   * and still stale, was never shot down.
   */
  finish(): void {
    for (const [key, s] of this.shootdowns) {
      const cpu = this.machine.processors[Math.floor(key / KEY_CPU)];
      const e = key % KEY_CPU;
      const tlb = cpu.tlb;
      if (tlb.vpn[e] < 0 || tlb.filledAt[e] !== s.filledAt) continue;
      const va = tlb.vpn[e] * PAGE_SIZE;
      const ok = walk(this.machine.memory, cpu.loadedPdptes, va, { write: false, user: false, wp: false, sideEffects: false }, this.out, null);
      if (ok && this.out.frameBase === tlb.frame[e] && this.out.writable === !!(tlb.flags[e] & TLB_RW) && this.out.user === !!(tlb.flags[e] & TLB_US)) continue;
      this.shootdownFinding(cpu, va, this.tlbWords(tlb, e), this.tablesWords(ok, false), s.write, false);
    }
    this.shootdowns.clear();
  }

  // ---- inside ------------------------------------------------------------------------------------

  private hit(key: number, w: TlbWrite): void {
    const cpu = this.machine.processors[Math.floor(key / KEY_CPU)];
    const e = key % KEY_CPU;
    const tlb = cpu.tlb;
    if (tlb.vpn[e] < 0) return;
    tlb.markSuspect(e);
    this.writers.set(key, w);
    if (w.cpu === cpu.id || !cpu.paging) return;
    // Another processor's entry: stale now? Then the write needs a shootdown there.
    const ok = walk(this.machine.memory, cpu.loadedPdptes, tlb.vpn[e] * PAGE_SIZE, { write: false, user: false, wp: false, sideEffects: false }, this.out, null);
    const stale = !ok || this.out.frameBase !== tlb.frame[e] || this.out.writable !== !!(tlb.flags[e] & TLB_RW) || this.out.user !== !!(tlb.flags[e] & TLB_US);
    if (stale && !this.shootdowns.has(key)) this.shootdowns.set(key, { write: w, filledAt: tlb.filledAt[e] });
  }

  private shootdownFinding(holder: Processor, page: number, tlbSaid: string, tablesSay: string, w: TlbWrite, expected: boolean): void {
    const space = this.machine.currentSpaceName(holder);
    const fix = this.fixWords(holder.id, page, w);
    const what = w.kind === 'store' ? `wrote the ${w.level ?? 'paging-structure entry'} at ${hex(w.pa)}` : `loaded CR3 with ${hex(w.pa)}`;
    const message = `cpu${w.cpu} ${what} at ${this.where(w.pc)}, which left cpu${holder.id}'s TLB entry for ${hex(page, 8)} (${space}) stale ` +
      `(the TLB says ${tlbSaid}, the page tables now say ${tablesSay}), and no shootdown reached cpu${holder.id}: ${fix}${expected ? ' (expected: .expect_stale)' : ''}`;
    this.add({ kind: 'shootdown', severity: expected ? 'info' : 'warning', expected, cpu: holder.id, space, va: page, access: null, thread: w.thread, pc: w.pc, clock: w.clock, tlbSaid, tablesSay, write: w, ago: null, fix, message });
  }

  private add(f: Omit<TlbFinding, 'seq'>): void {
    if (this.findings.length >= MAX_TLB_FINDINGS) return;
    const finding: TlbFinding = { seq: this.seq++, ...f };
    this.findings.push(finding);
    this.onFinding?.(finding);
  }

  /**
   * The PAs of the entries a walk of the TLB entry's page reads now (as the fill just did): the PDPTE's
   * source, the PDE, and the PTE (none for a 2 MiB page), in `this.addrs` (-1 for a level not reached).
   */
  private entryAddresses(pdptes: Pdptes, va: number): void {
    const mem = this.machine.memory, a = this.addrs;
    a[1] = a[2] = -1;
    const i = va >>> PDPT_SHIFT;
    a[0] = pdptes.base + i * ENTRY_SIZE;
    if (!(pdptes.lo[i] & PTE_P)) return;
    a[1] = entryFrameBase(pdptes.lo[i], pdptes.hi[i]) + ((va >>> PD_SHIFT) & TABLE_INDEX_MASK) * ENTRY_SIZE;
    const lo = mem.read32(a[1]);
    if (!(lo & PTE_P) || (lo & PTE_PS)) return;
    a[2] = entryFrameBase(lo, mem.read32(a[1] + 4)) + ((va >>> PT_SHIFT) & TABLE_INDEX_MASK) * ENTRY_SIZE;
  }

  private record(cpu: number, e: number, pdptes: Pdptes): void {
    const d = this.deps[cpu];
    const key = cpu * KEY_CPU + e;
    this.entryAddresses(pdptes, this.machine.processors[cpu].tlb.vpn[e] * PAGE_SIZE);
    for (let k = 0; k < DEPS; k++) {
      const old = d[e * DEPS + k];
      const pa = this.addrs[k];
      // A refill from the same tables (the common case) changes nothing here.
      if (old === pa) continue;
      if (old >= 0) this.unwatch(old, key);
      d[e * DEPS + k] = pa;
      if (pa >= 0) this.watch(pa, key);
    }
  }

  private watch(pa: number, key: number): void {
    let s = this.watchers.get(pa);
    if (!s) this.watchers.set(pa, (s = new Set()));
    if (s.has(key)) return;
    s.add(key);
    const page = Math.floor(pa / PAGE_SIZE);
    const n = this.pages.get(page) ?? 0;
    this.pages.set(page, n + 1);
    // A page newly watched: writes to it through any TLB must reach `stored`.
    if (n === 0) for (const p of this.machine.processors) this.blockWritesTo(p, page);
  }

  private unwatch(pa: number, key: number): void {
    const s = this.watchers.get(pa);
    if (!s || !s.delete(key)) return;
    if (s.size === 0) this.watchers.delete(pa);
    const page = Math.floor(pa / PAGE_SIZE);
    const n = (this.pages.get(page) ?? 1) - 1;
    if (n > 0) this.pages.set(page, n); else this.pages.delete(page);
  }

  private levelOf(key: number, pa: number): LevelName | null {
    const d = this.deps[Math.floor(key / KEY_CPU)];
    const e = key % KEY_CPU;
    for (let k = 0; k < DEPS; k++) if (d[e * DEPS + k] === pa) return DEP_LEVELS[k];
    return null;
  }

  private tlbWords(tlb: Tlb, e: number): string {
    return `frame ${hex(tlb.frame[e])} ${tlbFlagWords(entryFlags(tlb.flags[e])).join(' ')}`;
  }

  /** What the last walk (this.out) found, for an access that was a write or not. */
  private tablesWords(ok: boolean, write: boolean): string {
    const o = this.out;
    if (!ok) return `${write ? 'a write' : 'a read'} faults (${describeWalkFault({ reason: o.fault!, level: o.faultLevel, errorCode: o.errorCode }, false)})`;
    return `frame ${hex(o.frameBase)} ${tlbFlagWords({ writable: o.writable, user: o.user, dirty: o.dirty, global: o.global, large: o.large, pwt: o.pwt, pcd: o.pcd }).join(' ')}`;
  }

  private writeWords(w: TlbWrite | null, ago: number | null): string {
    if (!w) return 'it went stale before the sanitizer was watching';
    const what = w.kind === 'store' ? `cpu${w.cpu}'s write of the ${w.level ?? 'paging-structure entry'} at ${hex(w.pa)}` : `cpu${w.cpu}'s CR3 load (${hex(w.pa)}), which kept the entry`;
    return `made stale by ${what} at ${this.where(w.pc)}, ${ago} instruction${ago === 1 ? '' : 's'} earlier`;
  }

  private fixWords(holder: number, page: number, w: TlbWrite | null): string {
    const after = w ? (w.kind === 'store' ? ` after cpu${w.cpu}'s write` : ' after the CR3 load') : '';
    return `invlpg [${hex(page, 8)}] on cpu${holder}${after} (or flush.range ${hex(page, 8)}, ${hex(page + PAGE_SIZE, 8)})`;
  }

  private where(pc: number): string {
    return sourceLocation(this.program, pc);
  }
}

/** Where a finding is in the source: file, zero-based line and column (for diagnostics). */
export function findingPosition(program: Program, pc: number): { file: string; line: number; col: number } | null {
  if (pc < 0 || pc >= program.length) return null;
  return { file: program.files[program.srcFile[pc]], line: program.srcLine[pc], col: program.srcCol[pc] };
}
