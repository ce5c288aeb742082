// One processor of the data mover ([00030], [00035]): general registers, control registers, its own
// PDPTE registers and TLB, and the preemption count of [00041]. Every memory access of a program goes
// through `translateRead` / `translateWrite`: paging off means VS0 (linear = physical, [00040]); paging on
// means TLB, then the PAE walk on a miss, with faults reported, not thrown.

import { PhysicalMemory, PAGE_SHIFT } from './physical-memory';
import { hex } from './hex';
import { WalkMemo } from './walk-memo';
import {
  CR3_PDPT_MASK, ENTRY_SIZE, PDPT_ENTRIES, WalkOut, walk, reservedBits, type Pdptes, type FaultKind, type LevelName, type WalkRequest,
} from './paging';
import { FAST_MASK, Tlb, TLB_DIRTY, TLB_SUSPECT, TLB_GLOBAL, TLB_LARGE, TLB_PCD, TLB_PWT, TLB_RW, TLB_US, type TlbGeometry, type TlbState } from './tlb';

/** CR0 bits. */
export const CR0_PE = 1 << 0;
export const CR0_WP = 1 << 16;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = 1 << 31;
/** CR4 bits. */
export const CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5;
export const CR4_PGE = 1 << 7;
export const CR4_PCIDE = 1 << 17;
export const CR4_SMEP = 1 << 20;
/** CR4 bits the SDM (Vol. 3A §2.5) leaves reserved: 15 and 26..31. Writing 1 to one raises #GP. */
export const CR4_RESERVED = ((1 << 15) | (0x3f << 26)) >>> 0;
/** CR0 bits whose change under PAE paging reloads the PDPTEs (SDM §4.4.1), as does turning PG on. */
const CR0_PDPTE_RELOAD = CR0_CD | CR0_NW;
/** CR4 bits whose change under PAE paging reloads the PDPTEs (SDM §4.4.1). */
const CR4_PDPTE_RELOAD = CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP;

/** General registers: 64 bits each, held as two 32-bit halves. */
export const GPR_COUNT = 16;
/** One more slot that always reads zero: the interpreter's "no register" in base+index addressing. */
export const ZERO_REG = GPR_COUNT;

/** What the TLB-coherence sanitizer needs to hear from a processor (implemented in tlb-sanitizer.ts). */
export interface TlbObserver {
  /** Entry e was just filled from a walk of the tables as they are now. */
  filled(cpu: Processor, e: number): void;
  /** Suspect entry e is about to be used for an access of `va`. */
  used(cpu: Processor, e: number, va: number, write: boolean): void;
}

export interface PageFault {
  readonly kind: 'page-fault';
  readonly va: number;
  readonly errorCode: number;
  readonly reason: FaultKind;
  readonly level: LevelName | null;
  readonly write: boolean;
  readonly user: boolean;
}

/** #GP from a control-register write the architecture refuses. The write does not happen. */
export interface GeneralProtection {
  readonly kind: 'general-protection';
  readonly message: string;
}

export type ControlFault = GeneralProtection;

export interface ProcessorState {
  readonly regLo: Int32Array;
  readonly regHi: Int32Array;
  readonly cr0: number;
  readonly cr2: number;
  readonly cr3: number;
  readonly cr4: number;
  readonly pdpteLo: Int32Array;
  readonly pdpteHi: Int32Array;
  readonly preemptCount: number;
  readonly cpl: number;
  readonly lastFault: PageFault | null;
  readonly tlb: TlbState;
}

export class Processor {
  readonly regLo = new Int32Array(GPR_COUNT + 1);
  readonly regHi = new Int32Array(GPR_COUNT + 1);
  cr0 = CR0_PE;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  /** PDPTE registers, loaded from the PDPT when CR3 is written under PAE paging (SDM §4.4.1). */
  readonly pdpteLo = new Int32Array(PDPT_ENTRIES);
  readonly pdpteHi = new Int32Array(PDPT_ENTRIES);
  /** Spinlocks held plus explicit preemption-off calls ([00041]): the scheduler preempts only at zero. */
  preemptCount = 0;
  /** Current privilege level: 0 (the data mover's code, [00037]) or 3. */
  cpl = 0;
  lastFault: PageFault | null = null;
  readonly tlb: Tlb;
  /** The TLB-coherence sanitizer, when it is on (tlb-sanitizer.ts): told of every fill and of every use of a suspect entry. */
  sanitizer: TlbObserver | null = null;
  private pg = false;
  private readonly walkOut = new WalkOut();
  /** The four PDPTEs as a CR3 load reads them, before they are checked. */
  private readonly loadLo = new Int32Array(PDPT_ENTRIES);
  private readonly loadHi = new Int32Array(PDPT_ENTRIES);
  /** What this processor's walks found (see walk-memo.ts). */
  private readonly memo = new WalkMemo();
  private readonly pdptes: Pdptes;

  constructor(readonly id: number, private readonly mem: PhysicalMemory, geometry?: TlbGeometry) {
    this.tlb = new Tlb(geometry);
    mem.addHostListener(() => this.tlb.dropHost());
    const cr3Base = () => (this.cr3 & CR3_PDPT_MASK) >>> 0;
    this.pdptes = { lo: this.pdpteLo, hi: this.pdpteHi, get base() { return cr3Base(); } };
  }

  get paging(): boolean {
    return this.pg;
  }

  /** The PDPTE registers as the walk reads them. */
  get loadedPdptes(): Pdptes {
    return this.pdptes;
  }

  // ---- the hot path ------------------------------------------------------------------------------

  // The fast cache mirrors TLB entries only, and the TLB is empty whenever paging is off (clearing
  // CR0.PG flushes it and nothing fills it until paging is on again), so a fast-cache hit implies
  // paging is on and the paging-off test can come after it.

  /** Linear -> physical for a read. Returns -1 on a page fault (details in lastFault, CR2 set). */
  translateRead(va: number): number {
    const vpn = va >>> PAGE_SHIFT;
    const tlb = this.tlb;
    const i = vpn & FAST_MASK;
    if (tlb.fastTag[i] === vpn) {
      const e = tlb.fastWay[i];
      if (!tlb.isMru[e]) tlb.stamp(e);
      tlb.hits++;
      return tlb.fastBase[i] + (va & 0xfff);
    }
    if (!this.pg) return va >>> 0;
    return this.translateSlow(va >>> 0, false);
  }

  /** Linear -> physical for a write (sets D through a walk the first time). -1 on a page fault. */
  translateWrite(va: number): number {
    const vpn = va >>> PAGE_SHIFT;
    const tlb = this.tlb;
    const i = vpn & FAST_MASK;
    if (tlb.fastWTag[i] === vpn) {
      const e = tlb.fastWay[i];
      if (!tlb.isMru[e]) tlb.stamp(e);
      tlb.hits++;
      return tlb.fastBase[i] + (va & 0xfff);
    }
    if (!this.pg) return va >>> 0;
    return this.translateSlow(va >>> 0, true);
  }

  private translateSlow(va: number, write: boolean): number {
    const tlb = this.tlb;
    const vpn = va >>> PAGE_SHIFT;
    const user = this.cpl === 3;
    const e = tlb.lookup(vpn);
    if (e >= 0) {
      const f = tlb.flags[e];
      if (user && !(f & TLB_US)) return this.cachedFault(e, va, write, 'user-supervisor');
      if (write && !(f & TLB_RW) && (user || (this.cr0 & CR0_WP))) return this.cachedFault(e, va, write, 'write-protect');
      if (!write || (f & TLB_DIRTY)) {
        if (tlb.marks[e] & TLB_SUSPECT && this.sanitizer !== null) this.sanitizer.used(this, e, va, write);
        return tlb.frame[e] + (va & 0xfff);
      }
      // A write through a clean entry: the processor walks to set D, then refills the entry.
    } else {
      tlb.misses++;
    }
    tlb.walks++;
    const kind = (write ? 1 : 0) | (user ? 2 : 0) | (this.cr0 & CR0_WP ? 4 : 0);
    const mem = this.mem;
    // The walk memo answers a walk it has seen over unchanged tables (not while the sanitizer, which
    // looks at what each fill was built from, is on).
    const memo = this.sanitizer === null ? this.memo : null;
    const key = memo !== null ? memo.keyOf(kind, this.pdpteLo, this.pdpteHi) : 0;
    if (memo !== null) {
      const m = memo.find(vpn, key, mem.tableWrites);
      if (m >= 0) {
        tlb.fill(vpn, memo.frame[m], memo.global[m] && (this.cr4 & CR4_PGE) ? memo.flags[m] | TLB_GLOBAL : memo.flags[m]);
        return memo.frame[m] + (va & 0xfff);
      }
    }
    const out = this.walkOut;
    if (!walk(mem, this.pdptes, va, CPU_REQUESTS[kind], out, null)) {
      if (e >= 0) tlb.invalidateEntry(e);
      this.raisePageFault(va, write, user, out.errorCode, out.fault!, out.faultLevel);
      return -1;
    }
    let flags = (out.writable ? TLB_RW : 0) | (out.user ? TLB_US : 0) | (out.dirty ? TLB_DIRTY : 0) | (out.large ? TLB_LARGE : 0) |
      (out.pwt ? TLB_PWT : 0) | (out.pcd ? TLB_PCD : 0);
    if (memo !== null) {
      mem.watchTables(out.pdeAddr, out.pteAddr);
      memo.remember(vpn, key, mem.tableWrites, out.frameBase, flags, out.global);
    }
    if (out.global && (this.cr4 & CR4_PGE)) flags |= TLB_GLOBAL;
    const filled = tlb.fill(vpn, out.frameBase, flags);
    if (this.sanitizer !== null) this.sanitizer.filled(this, filled);
    return out.pa;
  }

  private cachedFault(e: number, va: number, write: boolean, reason: FaultKind): number {
    const user = this.cpl === 3;
    // A page fault invalidates the TLB entries for the faulting address (SDM §4.10.4.1).
    this.tlb.invalidateEntry(e);
    this.raisePageFault(va, write, user, 1 | (write ? 2 : 0) | (user ? 4 : 0), reason, null);
    return -1;
  }

  private raisePageFault(va: number, write: boolean, user: boolean, errorCode: number, reason: FaultKind, level: LevelName | null): void {
    this.cr2 = va >>> 0;
    this.lastFault = { kind: 'page-fault', va: va >>> 0, errorCode, reason, level, write, user };
  }

  // ---- control registers -------------------------------------------------------------------------

  /** MOV to CR0. Returns a #GP (and changes nothing) when the architecture refuses the value (SDM Vol. 2B, MOV—Move to/from Control Registers). */
  writeCr0(value: number): ControlFault | null {
    value >>>= 0;
    const pgNew = (value & CR0_PG) !== 0;
    if (pgNew && !(value & CR0_PE)) return gp('CR0.PG cannot be set while CR0.PE is clear');
    if (pgNew && !(this.cr4 & CR4_PAE)) return gp('this machine pages only in PAE mode: set CR4.PAE before CR0.PG');
    if ((value & CR0_NW) && !(value & CR0_CD)) return gp('CR0.NW cannot be set while CR0.CD is clear');
    const old = this.cr0;
    if (pgNew && (!this.pg || ((old ^ value) & CR0_PDPTE_RELOAD))) {
      const bad = this.loadPdptes(this.cr3);
      if (bad) return bad;
    }
    this.cr0 = value;
    this.pg = pgNew;
    if ((old & CR0_PG) && !pgNew) this.tlb.flushAll();
    if ((old ^ value) & CR0_WP) this.tlb.resetFast();
    return null;
  }

  /** MOV to CR3: under PAE paging loads the four PDPTEs (a reserved bit raises #GP), then drops non-global entries. */
  writeCr3(value: number): ControlFault | null {
    value >>>= 0;
    if (this.pg) {
      const bad = this.loadPdptes(value);
      if (bad) return bad;
    }
    this.cr3 = value;
    this.tlb.flushNonGlobal();
    return null;
  }

  /** MOV to CR4: reserved bits raise #GP; a change of PGE or PAE flushes everything, globals too (SDM §4.10.4.1). */
  writeCr4(value: number): ControlFault | null {
    value >>>= 0;
    const old = this.cr4;
    if (value & CR4_RESERVED) return gp(`CR4 bits ${hex((value & CR4_RESERVED) >>> 0)} are reserved`);
    // PCIDs exist only in IA-32e mode, which this 32-bit machine never enters.
    if (value & CR4_PCIDE) return gp('CR4.PCIDE can only be set in IA-32e mode');
    if (this.pg && !(value & CR4_PAE)) return gp('CR4.PAE cannot be cleared while paging is on (this machine pages only in PAE mode)');
    if (this.pg && ((old ^ value) & CR4_PDPTE_RELOAD)) {
      const bad = this.loadPdptes(this.cr3);
      if (bad) return bad;
    }
    this.cr4 = value;
    if ((old ^ value) & (CR4_PGE | CR4_PAE)) this.tlb.flushAll();
    return null;
  }

  /** Reads the 32-byte-aligned PDPT at CR3's base into the PDPTE registers. */
  private loadPdptes(cr3: number): ControlFault | null {
    const base = (cr3 & CR3_PDPT_MASK) >>> 0;
    // All four are checked before any register changes (a #GP leaves the old ones).
    const lo = this.loadLo, hi = this.loadHi;
    for (let i = 0; i < PDPT_ENTRIES; i++) {
      lo[i] = this.mem.read32(base + i * ENTRY_SIZE);
      hi[i] = this.mem.read32(base + i * ENTRY_SIZE + 4);
      if ((lo[i] & 1) && reservedBits('PDPTE', lo[i], hi[i])) {
        return gp(`PDPTE ${i} at ${hex(base + i * ENTRY_SIZE)} has reserved bits set (${hex(hi[i] >>> 0)}:${hex(lo[i] >>> 0)}): loading the PDPT raises #GP`);
      }
    }
    this.pdpteLo.set(lo);
    this.pdpteHi.set(hi);
    return null;
  }

  /** INVLPG. */
  invlpg(va: number): void {
    this.tlb.invalidatePage(va >>> 0);
  }

  setCpl(cpl: 0 | 3): void {
    if (cpl !== this.cpl) { this.cpl = cpl; this.tlb.setUserMode(cpl === 3); }
  }

  // ---- checkpoints -------------------------------------------------------------------------------

  snapshot(): ProcessorState {
    return {
      regLo: this.regLo.slice(), regHi: this.regHi.slice(), cr0: this.cr0, cr2: this.cr2, cr3: this.cr3, cr4: this.cr4,
      pdpteLo: this.pdpteLo.slice(), pdpteHi: this.pdpteHi.slice(), preemptCount: this.preemptCount, cpl: this.cpl,
      lastFault: this.lastFault, tlb: this.tlb.snapshot(),
    };
  }

  restore(s: ProcessorState): void {
    this.regLo.set(s.regLo);
    this.regHi.set(s.regHi);
    this.cr0 = s.cr0;
    this.cr2 = s.cr2;
    this.cr3 = s.cr3;
    this.cr4 = s.cr4;
    this.pg = (s.cr0 & CR0_PG) !== 0;
    this.pdpteLo.set(s.pdpteLo);
    this.pdpteHi.set(s.pdpteHi);
    this.preemptCount = s.preemptCount;
    this.cpl = s.cpl;
    this.lastFault = s.lastFault;
    this.tlb.setUserMode(s.cpl === 3);
    this.tlb.restore(s.tlb);
    if (!this.pg) this.tlb.resetFast();
  }
}

/** The CPU's walk requests, indexed by write | user << 1 | wp << 2 (no allocation per walk). */
const CPU_REQUESTS: readonly WalkRequest[] = Array.from({ length: 8 }, (_, k) => ({ write: (k & 1) !== 0, user: (k & 2) !== 0, wp: (k & 4) !== 0, sideEffects: true }));

function gp(message: string): GeneralProtection {
  return { kind: 'general-protection', message };
}
