// The debugger's view of the machine, with no side effects: a walk here fills no TLB entry, sets no
// Accessed or Dirty bit and counts nothing. It is the same walk the CPU performs (paging.ts), run with
// side effects off; tests prove the machine is unchanged afterwards.

import { hex, hex64, FOUR_GIB } from './hex';
import type { Chunk } from './layout';
import type { Machine, SpaceInfo } from './machine';
import { PAGE_SIZE } from './physical-memory';
import {
  CR3_PDPT_MASK, ENTRY_SIZE, LARGE_FRAME_LO_MASK, LARGE_PAGE_SIZE, PDPT_ENTRIES, PTE_G, PTE_P, PTE_PS, PTE_RW, PTE_US, TABLE_ENTRIES, WalkOut, decodeFlags, entryFrameBase, walk,
  type FaultKind, type LevelName, type Pdptes, type WalkLevel,
} from './paging';
import { CR0_WP, type Processor } from './processor';
import { TLB_DIRTY, TLB_GLOBAL, TLB_LARGE, TLB_PCD, TLB_PWT, TLB_RW, TLB_US, policyLabel, type Tlb, type TlbCounters } from './tlb';

export interface InspectedLevel extends WalkLevel {
  /** The entry as 16 hex digits. */
  readonly raw: string;
  readonly flags: readonly string[];
  /** Physical base the entry points to (next table or page), when present. */
  readonly target: number | null;
}

export interface TlbHolding {
  readonly cpu: number;
  /** The space that processor runs in now. */
  readonly space: string;
  readonly held: boolean;
  readonly set?: number;
  readonly way?: number;
  readonly frame?: number;
  readonly flags?: TlbEntryFlags;
  /** The entry no longer matches what a walk on that processor finds. */
  readonly stale?: boolean;
  readonly staleReason?: string;
}

export interface Translation {
  readonly va: number;
  readonly space: string;
  readonly paging: boolean;
  /** CR3 the walk started from (the space's PDPT, or the processor's CR3). */
  readonly cr3: number | null;
  readonly levels: readonly InspectedLevel[];
  readonly ok: boolean;
  readonly pa: number | null;
  readonly pageSize: number;
  readonly chunk: Chunk | null;
  readonly fault: { readonly reason: FaultKind; readonly level: LevelName | null; readonly errorCode: number } | null;
  readonly tlb: readonly TlbHolding[];
}

/** A named space (its PDPT in memory), a processor (its loaded PDPTE registers) or a raw CR3 value (the PDPT it names, masked, in memory). */
export type TranslateTarget = { readonly space: string } | { readonly cpu: number } | { readonly cr3: number };

export interface TranslateOptions {
  readonly write?: boolean;
  readonly user?: boolean;
}

export class InspectError extends Error {}

function pdptesFromMemory(machine: Machine, base: number): Pdptes {
  const lo: number[] = [], hi: number[] = [];
  for (let i = 0; i < PDPT_ENTRIES; i++) {
    lo.push(machine.memory.read32(base + i * ENTRY_SIZE));
    hi.push(machine.memory.read32(base + i * ENTRY_SIZE + 4));
  }
  return { lo, hi, base };
}

function inspectLevel(l: WalkLevel): InspectedLevel {
  const present = (l.lo & PTE_P) !== 0;
  let target: number | null = null;
  if (present) target = l.level === 'PDE' && l.lo & PTE_PS ? entryFrameBase(l.lo & LARGE_FRAME_LO_MASK, l.hi) : entryFrameBase(l.lo, l.hi);
  return { ...l, raw: hex64(l.lo, l.hi), flags: decodeFlags(l.level, l.lo, l.hi), target };
}

/**
 * Translates `va` in a named space (walking the page tables in memory from the space's PDPT) or on a
 * processor (walking through its loaded PDPTE registers, as the CPU would). No side effects.
 */
export function translate(machine: Machine, target: TranslateTarget, va: number, opts: TranslateOptions = {}): Translation {
  if (!Number.isInteger(va) || va < 0 || va >= FOUR_GIB) throw new InspectError(`virtual address ${va} is outside the 32-bit linear space (0 .. 0xFFFF_FFFF)`);
  let spaceName: string;
  let pdptes: Pdptes | null;
  let wp = false;
  if ('space' in target) {
    const s = machine.space(target.space);
    if (!s) throw new InspectError(`no space named ${target.space} (spaces: ${machine.spaces.map((x) => x.name).join(', ')})`);
    spaceName = s.name;
    pdptes = s.pdpt === null ? null : pdptesFromMemory(machine, s.pdpt);
  } else if ('cr3' in target) {
    if (!Number.isSafeInteger(target.cr3) || target.cr3 < 0 || target.cr3 >= FOUR_GIB) throw new InspectError(`CR3 ${target.cr3} is not a 32-bit value`);
    spaceName = machine.spaceNameFor(true, target.cr3);
    pdptes = pdptesFromMemory(machine, (target.cr3 & CR3_PDPT_MASK) >>> 0);
  } else {
    const cpu = machine.processor(target.cpu);
    if (!cpu) throw new InspectError(`no processor ${target.cpu} (processors 0..${machine.processors.length - 1})`);
    spaceName = machine.currentSpaceName(cpu);
    pdptes = cpu.paging ? cpu.loadedPdptes : null;
    wp = (cpu.cr0 & CR0_WP) !== 0;
  }
  const tlbInfo = (vaPage: number) => machine.processors.map((p) => tlbHolding(machine, p, vaPage));
  if (pdptes === null) {
    return { va, space: spaceName, paging: false, cr3: null, levels: [], ok: true, pa: va, pageSize: PAGE_SIZE, chunk: machine.chunkAt(va) ?? null, fault: null, tlb: tlbInfo(va) };
  }
  const trace: WalkLevel[] = [];
  const out = new WalkOut();
  walk(machine.memory, pdptes, va, { write: !!opts.write, user: !!opts.user, wp, sideEffects: false }, out, trace);
  return {
    va, space: spaceName, paging: true, cr3: pdptes.base, levels: trace.map(inspectLevel), ok: out.ok, pa: out.ok ? out.pa : null,
    pageSize: out.ok && out.large ? LARGE_PAGE_SIZE : PAGE_SIZE, chunk: out.ok ? machine.chunkAt(out.pa) ?? null : null,
    fault: out.ok ? null : { reason: out.fault!, level: out.faultLevel, errorCode: out.errorCode }, tlb: tlbInfo(va),
  };
}

export interface TlbEntryFlags {
  readonly writable: boolean;
  readonly user: boolean;
  readonly dirty: boolean;
  readonly global: boolean;
  readonly large: boolean;
  readonly pwt: boolean;
  readonly pcd: boolean;
}

function entryFlags(f: number): TlbEntryFlags {
  return { writable: !!(f & TLB_RW), user: !!(f & TLB_US), dirty: !!(f & TLB_DIRTY), global: !!(f & TLB_GLOBAL), large: !!(f & TLB_LARGE), pwt: !!(f & TLB_PWT), pcd: !!(f & TLB_PCD) };
}

/** Why a TLB entry disagrees with a fresh walk on its processor, or null if it still matches. */
function staleness(machine: Machine, cpu: Processor, tlb: Tlb, e: number): string | null {
  const va = tlb.vpn[e] * PAGE_SIZE;
  if (!cpu.paging) return 'paging is off, so this entry is never used';
  const out = new WalkOut();
  walk(machine.memory, cpu.loadedPdptes, va, { write: false, user: false, wp: false, sideEffects: false }, out, null);
  if (!out.ok) return `the page tables now say ${out.fault} at the ${out.faultLevel}`;
  if (out.frameBase !== tlb.frame[e]) return `the page tables now map it to ${hex(out.frameBase)}, not ${hex(tlb.frame[e])}`;
  const f = tlb.flags[e];
  if (out.writable !== !!(f & TLB_RW)) return `the page tables now say ${out.writable ? 'read/write' : 'read-only'}`;
  if (out.user !== !!(f & TLB_US)) return `the page tables now say ${out.user ? 'user' : 'supervisor'}`;
  return null;
}

function tlbHolding(machine: Machine, cpu: Processor, va: number): TlbHolding {
  const tlb = cpu.tlb;
  const e = tlb.probe(va >>> 12);
  const space = machine.currentSpaceName(cpu);
  if (e < 0) return { cpu: cpu.id, space, held: false };
  const why = staleness(machine, cpu, tlb, e);
  return {
    cpu: cpu.id, space, held: true, set: Math.floor(e / tlb.ways), way: e % tlb.ways, frame: tlb.frame[e], flags: entryFlags(tlb.flags[e]),
    stale: why !== null, ...(why !== null ? { staleReason: why } : {}),
  };
}

export interface TlbEntryView {
  readonly index: number;
  readonly set: number;
  readonly way: number;
  readonly vpn: number;
  readonly va: number;
  readonly frame: number;
  readonly flags: TlbEntryFlags;
  /** 0 = most recently used in its set. */
  readonly lruRank: number;
  readonly stale: boolean;
  readonly staleReason: string | null;
  /** Filled after the given change mark (see Tlb.markChanges). */
  readonly fresh: boolean;
}

export interface TlbView {
  readonly cpu: number;
  readonly space: string;
  readonly sets: number;
  readonly ways: number;
  /** The replacement policy, worded by policyLabel. */
  readonly policy: string;
  readonly entries: readonly TlbEntryView[];
  readonly counters: Readonly<TlbCounters>;
  /** VPNs flushed since the change mark. */
  readonly flushedSinceMark: readonly number[];
}

/** The valid entries of a processor's TLB, stale ones marked. `sinceMark`: entries filled after it are fresh. */
export function listTlb(machine: Machine, cpuId: number, sinceMark = Infinity): TlbView {
  const cpu = machine.processor(cpuId);
  if (!cpu) throw new InspectError(`no processor ${cpuId} (processors 0..${machine.processors.length - 1})`);
  const tlb = cpu.tlb;
  const entries: TlbEntryView[] = [];
  for (let e = 0; e < tlb.size; e++) {
    if (tlb.vpn[e] < 0) continue;
    const why = staleness(machine, cpu, tlb, e);
    entries.push({
      index: e, set: Math.floor(e / tlb.ways), way: e % tlb.ways, vpn: tlb.vpn[e], va: tlb.vpn[e] * PAGE_SIZE, frame: tlb.frame[e], flags: entryFlags(tlb.flags[e]),
      lruRank: tlb.lruRank(e), stale: why !== null, staleReason: why, fresh: tlb.filledAt[e] > sinceMark,
    });
  }
  return { cpu: cpuId, space: machine.currentSpaceName(cpu), sets: tlb.sets, ways: tlb.ways, policy: policyLabel(tlb.policy, tlb.seed), entries, counters: { ...tlb.counters }, flushedSinceMark: [...tlb.flushedSinceMark] };
}

export interface Mapper {
  readonly space: string;
  readonly va: number;
  /** The leaf entry that maps it. */
  readonly level: 'PTE' | 'PDE';
  readonly entryAddress: number;
}

/**
 * Every (space, VA) whose translation reaches physical address `pa`, found by scanning each space's
 * live paging structures (not the layout: a program may have edited them). The paging-off space maps
 * the low 4 GiB one to one.
 */
export function whereIs(machine: Machine, pa: number): Mapper[] {
  if (!Number.isSafeInteger(pa) || pa < 0 || pa >= 2 ** 36) throw new InspectError(`physical address ${pa} is outside the 36-bit physical space`);
  const out: Mapper[] = [];
  const frame = Math.floor(pa / PAGE_SIZE) * PAGE_SIZE;
  const offset = pa - frame;
  const page = new Uint8Array(PAGE_SIZE);
  const view = new DataView(page.buffer);
  for (const s of machine.spaces) {
    if (s.pdpt === null) {
      if (pa < FOUR_GIB) out.push({ space: s.name, va: pa, level: 'PTE', entryAddress: -1 });
      continue;
    }
    scanSpace(machine, s, (va, level, entryAddress, base, size) => {
      if (pa >= base && pa < base + size) out.push({ space: s.name, va: va + (level === 'PDE' ? pa - base : offset), level, entryAddress });
    }, frame, page, view);
  }
  return out;
}

/** A paging-structure entry found at a physical address: which space's VAs it maps. */
export interface EntryUse {
  readonly space: string;
  readonly level: LevelName;
  /** The first VA it covers and how many bytes (1 GiB for a PDPTE, 2 MiB for a PDE, 4 KiB for a PTE). */
  readonly va: number;
  readonly size: number;
  /** The 8-byte entry's own address (pa rounded down to 8). */
  readonly entryAddress: number;
}

/**
 * PTE address -> VA: every (space, level, VA range) for which the 8-byte entry holding `pa` is a
 * paging-structure entry, found from each paged space's live tables (a table shared by spaces lists
 * each of them). Entries that are not present still name the range they would map.
 */
export function entryUses(machine: Machine, pa: number): EntryUse[] {
  if (!Number.isSafeInteger(pa) || pa < 0 || pa >= 2 ** 36) throw new InspectError(`physical address ${pa} is outside the 36-bit physical space`);
  const at = pa - (pa % ENTRY_SIZE);
  const mem = machine.memory;
  const out: EntryUse[] = [];
  const inTable = (table: number, count: number) => at >= table && at < table + count * ENTRY_SIZE ? (at - table) / ENTRY_SIZE : -1;
  for (const s of machine.spaces) {
    if (s.pdpt === null) continue;
    const pdpt = (s.pdpt & CR3_PDPT_MASK) >>> 0;
    let i = inTable(pdpt, PDPT_ENTRIES);
    if (i >= 0) out.push({ space: s.name, level: 'PDPTE', va: i * 0x4000_0000, size: 0x4000_0000, entryAddress: at });
    for (i = 0; i < PDPT_ENTRIES; i++) {
      const lo = mem.read32(pdpt + i * ENTRY_SIZE);
      if (!(lo & PTE_P)) continue;
      const pd = entryFrameBase(lo, mem.read32(pdpt + i * ENTRY_SIZE + 4));
      const j = inTable(pd, TABLE_ENTRIES);
      if (j >= 0) out.push({ space: s.name, level: 'PDE', va: i * 0x4000_0000 + j * LARGE_PAGE_SIZE, size: LARGE_PAGE_SIZE, entryAddress: at });
      for (let d = 0; d < TABLE_ENTRIES; d++) {
        const dlo = mem.read32(pd + d * ENTRY_SIZE);
        if (!(dlo & PTE_P) || dlo & PTE_PS) continue;
        const k = inTable(entryFrameBase(dlo, mem.read32(pd + d * ENTRY_SIZE + 4)), TABLE_ENTRIES);
        if (k >= 0) out.push({ space: s.name, level: 'PTE', va: i * 0x4000_0000 + d * LARGE_PAGE_SIZE + k * PAGE_SIZE, size: PAGE_SIZE, entryAddress: at });
      }
    }
  }
  return out;
}

function scanSpace(
  machine: Machine, s: SpaceInfo, found: (va: number, level: 'PTE' | 'PDE', entryAddress: number, base: number, size: number) => void,
  frame: number, page: Uint8Array, view: DataView,
): void {
  const mem = machine.memory;
  const base = (s.pdpt! & CR3_PDPT_MASK) >>> 0;
  for (let i = 0; i < PDPT_ENTRIES; i++) {
    const lo = mem.read32(base + i * ENTRY_SIZE), hi = mem.read32(base + i * ENTRY_SIZE + 4);
    if (!(lo & PTE_P)) continue;
    const pdAddr = entryFrameBase(lo, hi);
    const pd = mem.readBytes(pdAddr, PAGE_SIZE);
    const pdView = new DataView(pd.buffer);
    for (let j = 0; j < TABLE_ENTRIES; j++) {
      const dlo = pdView.getUint32(j * ENTRY_SIZE, true), dhi = pdView.getUint32(j * ENTRY_SIZE + 4, true);
      if (!(dlo & PTE_P)) continue;
      const vaBase = i * 0x4000_0000 + j * LARGE_PAGE_SIZE;
      if (dlo & PTE_PS) {
        found(vaBase, 'PDE', pdAddr + j * ENTRY_SIZE, entryFrameBase(dlo & LARGE_FRAME_LO_MASK, dhi), LARGE_PAGE_SIZE);
        continue;
      }
      const ptAddr = entryFrameBase(dlo, dhi);
      if (!mem.isTouched(ptAddr)) continue;
      mem.readBytes(ptAddr, PAGE_SIZE, page);
      for (let k = 0; k < TABLE_ENTRIES; k++) {
        const tlo = view.getUint32(k * ENTRY_SIZE, true);
        if (!(tlo & PTE_P)) continue;
        const b = entryFrameBase(tlo, view.getUint32(k * ENTRY_SIZE + 4, true));
        if (b === frame) found(vaBase + k * PAGE_SIZE, 'PTE', ptAddr + k * ENTRY_SIZE, b, PAGE_SIZE);
      }
    }
  }
}

/** Every non-zero 8-byte paging-structure entry reachable from a space's PDPT, in address order. */
export function pagingEntries(machine: Machine, spaceName: string): { cr3: number; entries: { pa: number; lo: number; hi: number }[] } {
  const s = machine.space(spaceName);
  if (!s) throw new InspectError(`no space named ${spaceName} (spaces: ${machine.spaces.map((x) => x.name).join(', ')})`);
  if (s.pdpt === null) throw new InspectError(`${s.name} runs with paging off: it has no page tables (linear = physical)`);
  const mem = machine.memory;
  const seen = new Set<number>();
  const entries: { pa: number; lo: number; hi: number }[] = [];
  const table = (addr: number, count: number, level: LevelName) => {
    if (seen.has(addr)) return;
    seen.add(addr);
    for (let i = 0; i < count; i++) {
      const pa = addr + i * ENTRY_SIZE;
      const lo = mem.read32(pa), hi = mem.read32(pa + 4);
      if (lo === 0 && hi === 0) continue;
      entries.push({ pa, lo, hi });
      if (!(lo & PTE_P)) continue;
      if (level === 'PDPTE') table(entryFrameBase(lo, hi), TABLE_ENTRIES, 'PDE');
      else if (level === 'PDE' && !(lo & PTE_PS)) table(entryFrameBase(lo, hi), TABLE_ENTRIES, 'PTE');
    }
  };
  table(s.pdpt, PDPT_ENTRIES, 'PDPTE');
  entries.sort((a, b) => a.pa - b.pa);
  return { cr3: s.pdpt, entries };
}

/** One run of a space's mappings: contiguous VAs onto contiguous PAs with the same effective rights. */
export interface MappedRange {
  readonly va: number;
  readonly size: number;
  readonly pa: number;
  readonly writable: boolean;
  readonly user: boolean;
  readonly global: boolean;
  /** Made of 2 MiB pages. */
  readonly large: boolean;
}

/**
 * Every mapped range of a paged space, walked from its PDPT in memory (the tables as they are now,
 * as QEMU's `info mem` and Bochs' `info tab` list them). Rights are those of the whole walk: writable
 * and user only when every level allows it. No side effects.
 */
export function mappedRanges(machine: Machine, spaceName: string): MappedRange[] {
  const s = machine.space(spaceName);
  if (!s) throw new InspectError(`no space named ${spaceName} (spaces: ${machine.spaces.map((x) => x.name).join(', ')})`);
  if (s.pdpt === null) throw new InspectError(`${s.name} runs with paging off: linear = physical, no tables to walk`);
  return mappedRangesAt(machine, s.pdpt);
}

/** As mappedRanges, for the tables under a PDPT at any physical address (a raw CR3 value, masked). */
export function mappedRangesAt(machine: Machine, cr3: number): MappedRange[] {
  const pdpt = (cr3 & CR3_PDPT_MASK) >>> 0;
  const mem = machine.memory;
  const out: MappedRange[] = [];
  const add = (va: number, size: number, pa: number, writable: boolean, user: boolean, global: boolean, large: boolean) => {
    const last = out[out.length - 1];
    if (last && last.va + last.size === va && last.pa + last.size === pa && last.writable === writable && last.user === user && last.global === global && last.large === large) {
      out[out.length - 1] = { ...last, size: last.size + size };
    } else {
      out.push({ va, size, pa, writable, user, global, large });
    }
  };
  for (let i = 0; i < PDPT_ENTRIES; i++) {
    const e = pdpt + i * ENTRY_SIZE;
    const lo1 = mem.read32(e), hi1 = mem.read32(e + 4);
    if (!(lo1 & PTE_P)) continue;
    const pd = entryFrameBase(lo1, hi1);
    for (let j = 0; j < TABLE_ENTRIES; j++) {
      const lo2 = mem.read32(pd + j * ENTRY_SIZE), hi2 = mem.read32(pd + j * ENTRY_SIZE + 4);
      if (!(lo2 & PTE_P)) continue;
      const vaPd = (i * TABLE_ENTRIES + j) * LARGE_PAGE_SIZE;
      if (lo2 & PTE_PS) {
        add(vaPd, LARGE_PAGE_SIZE, entryFrameBase(lo2 & LARGE_FRAME_LO_MASK, hi2), (lo2 & PTE_RW) !== 0, (lo2 & PTE_US) !== 0, (lo2 & PTE_G) !== 0, true);
        continue;
      }
      const pt = entryFrameBase(lo2, hi2);
      for (let k = 0; k < TABLE_ENTRIES; k++) {
        const lo3 = mem.read32(pt + k * ENTRY_SIZE);
        if (!(lo3 & PTE_P)) continue;
        const hi3 = mem.read32(pt + k * ENTRY_SIZE + 4);
        add(vaPd + k * PAGE_SIZE, PAGE_SIZE, entryFrameBase(lo3, hi3), (lo2 & lo3 & PTE_RW) !== 0, (lo2 & lo3 & PTE_US) !== 0, (lo3 & PTE_G) !== 0, false);
      }
    }
  }
  return out;
}
