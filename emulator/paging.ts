// 32-bit PAE paging (Intel SDM Vol. 3A §4.4), the one walk that both the CPU and the debugger use.
//
// A 32-bit linear address splits 2|9|9|12 ([00034]):
//   bits 31..30  index into the 4-entry page-directory-pointer table (PDPT) at CR3
//   bits 29..21  index into a 512-entry page directory (the patent's "page middle directory")
//   bits 20..12  index into a 512-entry page table
//   bits 11..0   byte offset in the 4 KiB page (bits 20..0 for a 2 MiB page)
//
// Every entry is 8 bytes, little-endian, held here as two 32-bit halves (lo = bits 31..0, hi = 63..32):
//   bit 0 P (present)       bit 1 R/W (writable)    bit 2 U/S (user)     bit 3 PWT    bit 4 PCD
//   bit 5 A (accessed)      bit 6 D (dirty, leaf)   bit 7 PS (2 MiB page, in a PDE; PAT in a PTE)
//   bit 8 G (global, leaf)  bits 11..9 ignored      bits 35..12 frame (24 bits)  bits 63..36 reserved
// A PDPTE has only P, PWT and PCD; its bits 2..1 and 8..5 are reserved (checked when CR3 is loaded).
// A 2 MiB PDE's bits 20..13 are reserved (bit 12 is its PAT bit).
//
// The walk never throws and never allocates on the CPU's path: it fills a reusable WalkOut. With
// `sideEffects` off (the debugger's walks) it sets no Accessed/Dirty bit; with a trace array it records
// every level it read.

import type { PhysicalMemory } from './physical-memory';

export const PTE_P = 1 << 0;
export const PTE_RW = 1 << 1;
export const PTE_US = 1 << 2;
export const PTE_PWT = 1 << 3;
export const PTE_PCD = 1 << 4;
export const PTE_A = 1 << 5;
export const PTE_D = 1 << 6;
export const PTE_PS = 1 << 7;
export const PTE_PAT = 1 << 7;
export const PTE_G = 1 << 8;
/** Frame bits 31..12 of the low half; bits 35..32 are the low nibble of the high half. */
export const ENTRY_FRAME_LO_MASK = 0xfffff000;
export const ENTRY_FRAME_HI_MASK = 0x0000000f;
/** Bits 63..36 must be zero with MAXPHYADDR = 36 (and no IA32_EFER.NXE, so bit 63 too). */
export const ENTRY_RESERVED_HI_MASK = 0xfffffff0;
/** PDPTE bits 2..1 and 8..5 are reserved in PAE mode. */
export const PDPTE_RESERVED_LO_MASK = 0x000001e6;
/** In a 2 MiB PDE, bits 20..13 sit between the PAT bit (12) and the frame (35..21) and are reserved. */
export const PDE_LARGE_RESERVED_LO_MASK = 0x001fe000;
export const LARGE_FRAME_LO_MASK = 0xffe00000;

export const PDPT_ENTRIES = 4;
export const TABLE_ENTRIES = 512;
export const ENTRY_SIZE = 8;
export const PDPT_ALIGN = 32;
export const PDPT_SHIFT = 30;
export const PD_SHIFT = 21;
export const PT_SHIFT = 12;
export const TABLE_INDEX_MASK = 0x1ff;
export const LARGE_PAGE_SIZE = 1 << PD_SHIFT;
export const LARGE_OFFSET_MASK = LARGE_PAGE_SIZE - 1;
/** CR3 bits 31..5 hold the PDPT base in PAE mode. */
export const CR3_PDPT_MASK = 0xffffffe0;

/** Page-fault error code bits (SDM §4.7). */
export const PF_P = 1 << 0;
export const PF_W = 1 << 1;
export const PF_U = 1 << 2;
export const PF_RSVD = 1 << 3;

export type LevelName = 'PDPTE' | 'PDE' | 'PTE';
export type FaultKind = 'not-present' | 'reserved-bit' | 'write-protect' | 'user-supervisor';

/** One paging-structure entry the walk read. */
export interface WalkLevel {
  readonly level: LevelName;
  readonly index: number;
  /** Physical address of the 8-byte entry (for a PDPTE of a CPU walk: where it was loaded from at CR3 time). */
  readonly entryAddress: number;
  readonly lo: number;
  readonly hi: number;
}

/** What a walk found; reused across walks on the CPU's path. */
export class WalkOut {
  ok = false;
  /** Physical base of the 4 KiB frame the address falls in (for 2 MiB pages, the 4 KiB piece of it). */
  frameBase = 0;
  /** Physical address of the byte. */
  pa = 0;
  large = false;
  writable = false;
  user = false;
  global = false;
  dirty = false;
  pwt = false;
  pcd = false;
  errorCode = 0;
  /** Where the walk read its PDE and PTE (-1: no PTE, a 2 MiB page; or not reached). */
  pdeAddr = -1;
  pteAddr = -1;
  fault: FaultKind | null = null;
  faultLevel: LevelName | null = null;
}

/** The four PDPTE registers: loaded from memory at CR3 load time, not read again by walks. */
export interface Pdptes {
  readonly lo: Int32Array | number[];
  readonly hi: Int32Array | number[];
  /** Where the PDPT was (CR3's base), for reporting entry addresses. */
  readonly base: number;
}

export interface WalkRequest {
  readonly write: boolean;
  readonly user: boolean;
  /** CR0.WP: supervisor writes honour R/W. */
  readonly wp: boolean;
  readonly sideEffects: boolean;
}

export function entryFrameBase(lo: number, hi: number): number {
  return (hi & ENTRY_FRAME_HI_MASK) * 0x1_0000_0000 + ((lo & ENTRY_FRAME_LO_MASK) >>> 0);
}

function fail(out: WalkOut, kind: FaultKind, level: LevelName, req: WalkRequest): boolean {
  out.ok = false;
  out.fault = kind;
  out.faultLevel = level;
  out.errorCode = (kind === 'not-present' ? 0 : PF_P) | (kind === 'reserved-bit' ? PF_RSVD : 0) | (req.write ? PF_W : 0) | (req.user ? PF_U : 0);
  return false;
}

/**
 * Translates `va` through the PDPTE registers and the page directories and tables in `mem`.
 * Returns out.ok. On success sets A on the PDE and PTE (and D on the leaf for a write) if sideEffects.
 */
export function walk(mem: PhysicalMemory, pdptes: Pdptes, va: number, req: WalkRequest, out: WalkOut, trace: WalkLevel[] | null): boolean {
  out.fault = null;
  out.faultLevel = null;
  out.errorCode = 0;
  out.pdeAddr = -1;
  out.pteAddr = -1;
  const i = va >>> PDPT_SHIFT;
  const pdpteLo = pdptes.lo[i];
  const pdpteHi = pdptes.hi[i];
  if (trace) trace.push({ level: 'PDPTE', index: i, entryAddress: pdptes.base + i * ENTRY_SIZE, lo: pdpteLo >>> 0, hi: pdpteHi >>> 0 });
  if (!(pdpteLo & PTE_P)) return fail(out, 'not-present', 'PDPTE', req);

  const pdIndex = (va >>> PD_SHIFT) & TABLE_INDEX_MASK;
  const pdeAddr = entryFrameBase(pdpteLo, pdpteHi) + pdIndex * ENTRY_SIZE;
  const pdeLo = mem.read32(pdeAddr);
  const pdeHi = mem.read32(pdeAddr + 4);
  out.pdeAddr = pdeAddr;
  if (trace) trace.push({ level: 'PDE', index: pdIndex, entryAddress: pdeAddr, lo: pdeLo, hi: pdeHi });
  if (!(pdeLo & PTE_P)) return fail(out, 'not-present', 'PDE', req);
  if (pdeHi & ENTRY_RESERVED_HI_MASK) return fail(out, 'reserved-bit', 'PDE', req);

  if (pdeLo & PTE_PS) {
    if (pdeLo & PDE_LARGE_RESERVED_LO_MASK) return fail(out, 'reserved-bit', 'PDE', req);
    if (!checkAccess(pdeLo, req, out, 'PDE')) return false;
    const base = (pdeHi & ENTRY_FRAME_HI_MASK) * 0x1_0000_0000 + ((pdeLo & LARGE_FRAME_LO_MASK) >>> 0);
    out.large = true;
    out.frameBase = base + ((va & LARGE_OFFSET_MASK) & ENTRY_FRAME_LO_MASK);
    out.pa = base + (va & LARGE_OFFSET_MASK);
    leafFlags(pdeLo, out);
    if (req.sideEffects) setAccessed(mem, pdeAddr, pdeLo, req.write, true);
    out.dirty = out.dirty || req.write;
    out.ok = true;
    return true;
  }

  const ptIndex = (va >>> PT_SHIFT) & TABLE_INDEX_MASK;
  const pteAddr = entryFrameBase(pdeLo, pdeHi) + ptIndex * ENTRY_SIZE;
  const pteLo = mem.read32(pteAddr);
  const pteHi = mem.read32(pteAddr + 4);
  out.pteAddr = pteAddr;
  if (trace) trace.push({ level: 'PTE', index: ptIndex, entryAddress: pteAddr, lo: pteLo, hi: pteHi });
  if (!(pteLo & PTE_P)) return fail(out, 'not-present', 'PTE', req);
  if (pteHi & ENTRY_RESERVED_HI_MASK) return fail(out, 'reserved-bit', 'PTE', req);
  // Access rights are the AND of the PDE's and the PTE's R/W and U/S (SDM §4.6).
  if (!checkAccess(pdeLo & pteLo, req, out, 'PTE')) return false;
  out.large = false;
  out.frameBase = entryFrameBase(pteLo, pteHi);
  out.pa = out.frameBase + (va & 0xfff);
  leafFlags(pteLo, out);
  out.writable = ((pdeLo & pteLo) & PTE_RW) !== 0;
  out.user = ((pdeLo & pteLo) & PTE_US) !== 0;
  if (req.sideEffects) {
    setAccessed(mem, pdeAddr, pdeLo, false, false);
    setAccessed(mem, pteAddr, pteLo, req.write, true);
  }
  out.dirty = out.dirty || req.write;
  out.ok = true;
  return true;
}

function checkAccess(rights: number, req: WalkRequest, out: WalkOut, level: LevelName): boolean {
  if (req.user && !(rights & PTE_US)) return fail(out, 'user-supervisor', level, req);
  if (req.write && !(rights & PTE_RW) && (req.user || req.wp)) return fail(out, 'write-protect', level, req);
  return true;
}

function leafFlags(lo: number, out: WalkOut): void {
  out.writable = (lo & PTE_RW) !== 0;
  out.user = (lo & PTE_US) !== 0;
  out.global = (lo & PTE_G) !== 0;
  out.dirty = (lo & PTE_D) !== 0;
  out.pwt = (lo & PTE_PWT) !== 0;
  out.pcd = (lo & PTE_PCD) !== 0;
}

/** Sets A (and D on a leaf being written) in an entry, writing only when a bit actually changes. */
function setAccessed(mem: PhysicalMemory, addr: number, lo: number, write: boolean, leaf: boolean): void {
  const bits = PTE_A | (write && leaf ? PTE_D : 0);
  if ((lo & bits) !== bits) mem.write32(addr, (lo | bits) >>> 0);
}

/** Decoded flags of an entry, in the order a person reads them (WinDbg's !pte style letters). */
export function decodeFlags(level: LevelName, lo: number, hi: number): string[] {
  const f: string[] = [];
  if (!(lo & PTE_P)) return ['not present'];
  f.push('P');
  if (level !== 'PDPTE') {
    f.push(lo & PTE_RW ? 'RW' : 'RO');
    f.push(lo & PTE_US ? 'U' : 'S');
  }
  if (lo & PTE_PWT) f.push('PWT');
  if (lo & PTE_PCD) f.push('PCD');
  if (level !== 'PDPTE') {
    if (lo & PTE_A) f.push('A');
    const leaf = level === 'PTE' || (lo & PTE_PS) !== 0;
    if (leaf && lo & PTE_D) f.push('D');
    if (level === 'PDE' && lo & PTE_PS) f.push('PS');
    if (level === 'PTE' && lo & PTE_PAT) f.push('PAT');
    if (leaf && lo & PTE_G) f.push('G');
  }
  if (reservedBits(level, lo, hi)) f.push('RSVD!');
  return f;
}

/** True when the entry has a reserved bit set (the walk faults on it, or CR3 load raises #GP). */
export function reservedBits(level: LevelName, lo: number, hi: number): boolean {
  if (hi & ENTRY_RESERVED_HI_MASK) return true;
  if (level === 'PDPTE') return (lo & PDPTE_RESERVED_LO_MASK) !== 0;
  if (level === 'PDE' && lo & PTE_PS) return (lo & PDE_LARGE_RESERVED_LO_MASK) !== 0;
  return false;
}

/** Splits a VA into its 2|9|9|12 indices. */
export function vaIndices(va: number): { pdpt: number; pd: number; pt: number; offset: number } {
  return { pdpt: va >>> PDPT_SHIFT, pd: (va >>> PD_SHIFT) & TABLE_INDEX_MASK, pt: (va >>> PT_SHIFT) & TABLE_INDEX_MASK, offset: va & 0xfff };
}
