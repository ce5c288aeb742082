// The time-travel machine diff (issue 17): what changed in the whole machine between an earlier
// instant and now. The earlier instant is a `MachinePoint` (the cheap part of the machine copied when
// it was recorded: clock, processor registers, TLB entries, thread registers) and a live checkpoint
// taken at that same instant, whose journals hold the old contents of every page and block written
// since. Nothing here changes the machine.

import { hex, hex64 } from './hex';
import type { Machine } from './machine';
import { PAGE_SIZE } from './physical-memory';
import { CR3_PDPT_MASK, ENTRY_SIZE, LARGE_FRAME_LO_MASK, PDPT_ENTRIES, PTE_P, PTE_PS, TABLE_ENTRIES, decodeFlags, entryFrameBase, type LevelName } from './paging';
import { entryUses, mappedRangesAt, translate, type EntryUse } from './inspect';
import { GPR_COUNT } from './processor';
import { registerName } from './asm/isa';
import type { Interpreter } from './interp/interpreter';
import type { Program, StructField, StructType } from './asm/program';

/** The registers and TLB of one processor at a point. */
export interface PointCpu {
  readonly cr0: number;
  readonly cr2: number;
  readonly cr3: number;
  readonly cr4: number;
  readonly pdptes: readonly (readonly [number, number])[];
  readonly preemptCount: number;
  readonly tlb: { readonly vpn: Int32Array; readonly frame: Float64Array; readonly flags: Uint8Array };
}

/** An instant of the machine, as the debugger records it at a stop (memory comes from a checkpoint). */
export interface MachinePoint {
  /** The machine's clock (instructions retired by all processors). */
  readonly at: number;
  /** The live checkpoint taken at `at`: its journals hold what was overwritten since. */
  readonly checkpoint: number;
  readonly cpus: readonly PointCpu[];
  readonly threads: readonly { readonly name: string; readonly pc: number; readonly regs: readonly bigint[] }[];
}

/** Records the cheap part of an instant (the caller makes sure checkpoint `checkpoint` is at this instant). */
export function recordPoint(interp: Interpreter, checkpoint: number): MachinePoint {
  return {
    at: interp.retired, checkpoint,
    cpus: interp.machine.processors.map((p) => ({
      cr0: p.cr0 >>> 0, cr2: p.cr2 >>> 0, cr3: p.cr3 >>> 0, cr4: p.cr4 >>> 0, preemptCount: p.preemptCount,
      pdptes: Array.from({ length: PDPT_ENTRIES }, (_, i) => [p.pdpteLo[i] >>> 0, p.pdpteHi[i] >>> 0] as const),
      tlb: { vpn: p.tlb.vpn.slice(), frame: p.tlb.frame.slice(), flags: p.tlb.flags.slice() },
    })),
    threads: interp.threads.map((t) => {
      const r = interp.registersOf(t);
      return { name: t.name, pc: t.pc, regs: Array.from({ length: GPR_COUNT }, (_, i) => (BigInt(r.hi[i] >>> 0) << 32n) | BigInt(r.lo[i] >>> 0)) };
    }),
  };
}

/** Ranges of changed bytes shown in full up to this many bytes each. */
export const DIFF_BYTES_SHOWN = 32;
/** At most this many memory ranges are listed (the count says how many there were). */
export const DIFF_MAX_RANGES = 256;
/** Spaces/VAs listed per range. */
export const DIFF_MAPPERS_SHOWN = 4;

export interface MemoryChange {
  readonly pa: number;
  readonly length: number;
  readonly chunk: string | null;
  /** The first DIFF_BYTES_SHOWN bytes then and now. */
  readonly old: Uint8Array;
  readonly now: Uint8Array;
  /** (space, VA) that map the range's first byte, at most DIFF_MAPPERS_SHOWN. */
  readonly mappedBy: readonly { readonly space: string; readonly va: number }[];
  readonly moreMappers: number;
}

export interface EntryChange {
  readonly pa: number;
  readonly level: LevelName;
  readonly old: readonly [number, number];
  readonly now: readonly [number, number];
  /** The table or frame each points at (null when not present). */
  readonly oldTarget: number | null;
  readonly nowTarget: number | null;
  readonly oldFlags: readonly string[];
  readonly nowFlags: readonly string[];
  readonly uses: readonly EntryUse[];
}

export interface TlbChange {
  readonly cpu: number;
  readonly fills: readonly { readonly va: number; readonly frame: number }[];
  readonly evictions: readonly { readonly va: number; readonly frame: number }[];
}

export interface RegisterChange {
  /** "cpu0" or a thread's name. */
  readonly owner: string;
  readonly register: string;
  readonly old: string;
  readonly now: string;
}

export interface BlockChange {
  readonly volume: string;
  readonly block: number;
  /** Bytes that differ, and the first 16 bytes from the first that differs. */
  readonly changedBytes: number;
  readonly offset: number;
  readonly old: Uint8Array;
  readonly now: Uint8Array;
}

export interface FieldChange {
  readonly object: string;
  readonly type: string;
  readonly field: string;
  readonly space: string;
  readonly va: number;
  readonly pa: number;
  readonly old: string;
  readonly now: string;
}

export interface MachineDiff {
  readonly from: number;
  readonly to: number;
  readonly memory: readonly MemoryChange[];
  /** Ranges beyond DIFF_MAX_RANGES, not listed. */
  readonly moreRanges: number;
  readonly bytesChanged: number;
  readonly entries: readonly EntryChange[];
  readonly tlb: readonly TlbChange[];
  readonly registers: readonly RegisterChange[];
  readonly blocks: readonly BlockChange[];
  readonly fields: readonly FieldChange[];
}

export class DiffError extends Error {}

/** Old bytes at a PA: from the journals' saved copy when the page was written since, else as now. */
class OldMemory {
  constructor(private readonly machine: Machine, readonly pages: Map<number, Uint8Array | null>) {}
  read(pa: number, length: number): Uint8Array {
    const out = this.machine.memory.readBytes(pa, length);
    for (let i = 0; i < length; i++) {
      const pfn = Math.floor((pa + i) / PAGE_SIZE);
      if (!this.pages.has(pfn)) continue;
      const old = this.pages.get(pfn);
      out[i] = old ? old[(pa + i) % PAGE_SIZE] : 0;
    }
    return out;
  }
}

/** What changed from point `from` to the machine now. Throws DiffError when its checkpoint is gone. */
export function diffMachine(interp: Interpreter, from: MachinePoint, program?: Program): MachineDiff {
  const m = interp.machine;
  const old = m.oldContentsSince(from.checkpoint);
  if (!old) throw new DiffError(`instruction ${from.at} is older than the kept history (its checkpoint was dropped to bound memory)`);
  const oldMem = new OldMemory(m, old.pages);

  // Changed byte runs, page by page, coalesced across page boundaries.
  const runs: { pa: number; length: number }[] = [];
  let bytesChanged = 0;
  for (const pfn of [...old.pages.keys()].sort((a, b) => a - b)) {
    const before = old.pages.get(pfn) ?? new Uint8Array(PAGE_SIZE);
    const now = m.memory.readBytes(pfn * PAGE_SIZE, PAGE_SIZE);
    for (let i = 0; i < PAGE_SIZE; i++) {
      if (before[i] === now[i]) continue;
      bytesChanged++;
      const pa = pfn * PAGE_SIZE + i;
      const last = runs[runs.length - 1];
      if (last && last.pa + last.length === pa) last.length++;
      else runs.push({ pa, length: 1 });
    }
  }
  const listed = runs.slice(0, DIFF_MAX_RANGES);
  const mappersOf = mapperScan(m, listed.map((r) => r.pa));
  const memory = listed.map((r): MemoryChange => {
    const shown = Math.min(r.length, DIFF_BYTES_SHOWN);
    const mappers = mappersOf(r.pa);
    return {
      pa: r.pa, length: r.length, chunk: m.chunkAt(r.pa)?.name ?? null, old: oldMem.read(r.pa, shown), now: m.memory.readBytes(r.pa, shown),
      mappedBy: mappers.slice(0, DIFF_MAPPERS_SHOWN).map((x) => ({ space: x.space, va: x.va })), moreMappers: Math.max(0, mappers.length - DIFF_MAPPERS_SHOWN),
    };
  });

  return {
    from: from.at, to: interp.retired, memory, moreRanges: runs.length - listed.length, bytesChanged,
    entries: entryChanges(m, runs, oldMem), tlb: tlbChanges(m, from), registers: registerChanges(interp, from),
    blocks: blockChanges(m, old.blocks), fields: program ? fieldChanges(m, program, oldMem) : [],
  };
}

/**
 * whereIs for many addresses at once: each space's live mappings walked once (whereIs scans them all
 * for each address), answering (space, VA) of every mapping of each address's page, in VA order.
 */
function mapperScan(m: Machine, pas: readonly number[]): (pa: number) => { space: string; va: number }[] {
  const frames = new Map<number, { space: string; va: number }[]>();
  for (const pa of pas) frames.set(Math.floor(pa / PAGE_SIZE) * PAGE_SIZE, []);
  const wanted = [...frames.keys()].sort((a, b) => a - b);
  for (const s of m.spaces) {
    if (s.pdpt === null) {
      for (const f of wanted) if (f < 2 ** 32) frames.get(f)!.push({ space: s.name, va: f });
      continue;
    }
    for (const r of mappedRangesAt(m, s.pdpt)) {
      for (const f of wanted) if (f >= r.pa && f < r.pa + r.size) frames.get(f)!.push({ space: s.name, va: r.va + (f - r.pa) });
    }
  }
  return (pa) => (frames.get(Math.floor(pa / PAGE_SIZE) * PAGE_SIZE) ?? []).map((x) => ({ space: x.space, va: x.va + (pa % PAGE_SIZE) }));
}

/** The physical pages that hold paging structures of some space now (PDPTs are 32 bytes, listed apart). */
function tablePages(m: Machine): { pages: Set<number>; pdpts: number[] } {
  const pages = new Set<number>();
  const pdpts: number[] = [];
  for (const s of m.spaces) {
    if (s.pdpt === null) continue;
    const pdpt = (s.pdpt & CR3_PDPT_MASK) >>> 0;
    pdpts.push(pdpt);
    for (let i = 0; i < PDPT_ENTRIES; i++) {
      const lo = m.memory.read32(pdpt + i * ENTRY_SIZE);
      if (!(lo & PTE_P)) continue;
      const pd = entryFrameBase(lo, m.memory.read32(pdpt + i * ENTRY_SIZE + 4));
      pages.add(pd / PAGE_SIZE);
      for (let d = 0; d < TABLE_ENTRIES; d++) {
        const dlo = m.memory.read32(pd + d * ENTRY_SIZE);
        if (!(dlo & PTE_P) || dlo & PTE_PS) continue;
        pages.add(entryFrameBase(dlo, m.memory.read32(pd + d * ENTRY_SIZE + 4)) / PAGE_SIZE);
      }
    }
  }
  return { pages, pdpts };
}

function entryTarget(level: LevelName, lo: number, hi: number): number | null {
  if (!(lo & PTE_P)) return null;
  return level === 'PDE' && lo & PTE_PS ? entryFrameBase(lo & LARGE_FRAME_LO_MASK, hi) : entryFrameBase(lo, hi);
}

function entryChanges(m: Machine, runs: readonly { pa: number; length: number }[], oldMem: OldMemory): EntryChange[] {
  if (runs.length === 0) return [];
  const { pages, pdpts } = tablePages(m);
  const isTable = (pa: number) => pages.has(Math.floor(pa / PAGE_SIZE)) || pdpts.some((p) => pa >= p && pa < p + PDPT_ENTRIES * ENTRY_SIZE);
  const seen = new Set<number>();
  const out: EntryChange[] = [];
  for (const r of runs) {
    for (let at = r.pa - (r.pa % ENTRY_SIZE); at < r.pa + r.length; at += ENTRY_SIZE) {
      if (out.length >= DIFF_MAX_RANGES) return out;
      if (seen.has(at) || !isTable(at)) continue;
      seen.add(at);
      const uses = entryUses(m, at);
      if (uses.length === 0) continue;
      const level = uses[0].level;
      const ob = new DataView(oldMem.read(at, ENTRY_SIZE).buffer);
      const oldE = [ob.getUint32(0, true), ob.getUint32(4, true)] as const;
      const nowE = [m.memory.read32(at) >>> 0, m.memory.read32(at + 4) >>> 0] as const;
      out.push({
        pa: at, level, old: oldE, now: nowE, oldTarget: entryTarget(level, oldE[0], oldE[1]), nowTarget: entryTarget(level, nowE[0], nowE[1]),
        oldFlags: decodeFlags(level, oldE[0], oldE[1]), nowFlags: decodeFlags(level, nowE[0], nowE[1]), uses,
      });
    }
  }
  return out;
}

function tlbChanges(m: Machine, from: MachinePoint): TlbChange[] {
  const out: TlbChange[] = [];
  m.processors.forEach((p, cpu) => {
    const then = from.cpus[cpu]?.tlb;
    if (!then) return;
    const key = (vpn: number, frame: number) => `${vpn}:${frame}`;
    const entries = (vpn: Int32Array, frame: Float64Array) => {
      const map = new Map<string, { va: number; frame: number }>();
      for (let e = 0; e < vpn.length; e++) if (vpn[e] >= 0) map.set(key(vpn[e], frame[e]), { va: vpn[e] * PAGE_SIZE, frame: frame[e] });
      return map;
    };
    const before = entries(then.vpn, then.frame), now = entries(p.tlb.vpn, p.tlb.frame);
    const byVa = (a: { va: number }, b: { va: number }) => a.va - b.va;
    const fills = [...now].filter(([k]) => !before.has(k)).map(([, v]) => v).sort(byVa);
    const evictions = [...before].filter(([k]) => !now.has(k)).map(([, v]) => v).sort(byVa);
    if (fills.length || evictions.length) out.push({ cpu, fills, evictions });
  });
  return out;
}

function registerChanges(interp: Interpreter, from: MachinePoint): RegisterChange[] {
  const out: RegisterChange[] = [];
  const now = recordPoint(interp, from.checkpoint);
  now.cpus.forEach((c, cpu) => {
    const o = from.cpus[cpu];
    if (!o) return;
    const owner = `cpu${cpu}`;
    for (const r of ['cr0', 'cr2', 'cr3', 'cr4'] as const) if (o[r] !== c[r]) out.push({ owner, register: r, old: hex(o[r], 8), now: hex(c[r], 8) });
    c.pdptes.forEach(([lo, hi], i) => {
      const [olo, ohi] = o.pdptes[i];
      if (olo !== lo || ohi !== hi) out.push({ owner, register: `pdpte${i}`, old: hex64(olo, ohi), now: hex64(lo, hi) });
    });
    if (o.preemptCount !== c.preemptCount) out.push({ owner, register: 'preempt', old: String(o.preemptCount), now: String(c.preemptCount) });
  });
  now.threads.forEach((t, k) => {
    const o = from.threads[k];
    if (!o) return;
    if (o.pc !== t.pc) out.push({ owner: t.name, register: 'pc', old: String(o.pc), now: String(t.pc) });
    t.regs.forEach((v, i) => { if (o.regs[i] !== v) out.push({ owner: t.name, register: registerName(i), old: `0x${o.regs[i].toString(16)}`, now: `0x${v.toString(16)}` }); });
  });
  return out;
}

function blockChanges(m: Machine, blocks: Map<string, Map<number, Uint8Array | undefined>>): BlockChange[] {
  const out: BlockChange[] = [];
  for (const [name, written] of [...blocks].sort(([a], [b]) => a.localeCompare(b))) {
    const v = m.volumes.get(name);
    if (!v) continue;
    for (const b of [...written.keys()].sort((x, y) => x - y)) {
      const before = written.get(b) ?? new Uint8Array(v.blockSize);
      const now = v.peek(b) ?? new Uint8Array(v.blockSize);
      let first = -1, changed = 0;
      for (let i = 0; i < v.blockSize; i++) if (before[i] !== now[i]) { changed++; if (first < 0) first = i; }
      if (changed === 0) continue;
      out.push({ volume: name, block: b, changedBytes: changed, offset: first, old: before.slice(first, first + 16), now: now.slice(first, first + 16) });
    }
  }
  return out;
}

/** Scalar leaves of a struct, nested structs flattened (`hdr.count`); arrays are one leaf. */
function leaves(program: Program, st: StructType, prefix: string, base: number, out: { name: string; offset: number; field: StructField }[], depth = 0): void {
  for (const f of st.fields) {
    const inner = f.type.kind === 'struct' ? program.structs.get(f.type.name) : undefined;
    if (inner && f.count === 1 && depth < 4) leaves(program, inner, `${prefix}${f.name}.`, base + f.offset, out, depth + 1);
    else out.push({ name: prefix + f.name, offset: base + f.offset, field: f });
  }
}

function fieldValue(f: StructField, bytes: Uint8Array): string {
  if (f.count === 1 && (f.type.kind === 'int' || f.type.kind === 'ptr')) {
    let v = 0n;
    for (let k = bytes.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k]);
    if (f.type.kind === 'int' && f.type.signed && bytes.length > 0 && bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(bytes.length * 8);
    return f.type.kind === 'ptr' ? hex(Number(v), 8) : v < 0n ? v.toString() : `0x${v.toString(16)} (${v})`;
  }
  const shown = [...bytes.subarray(0, DIFF_BYTES_SHOWN)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > DIFF_BYTES_SHOWN ? `${shown} …` : shown;
}

function fieldChanges(m: Machine, program: Program, oldMem: OldMemory): FieldChange[] {
  const out: FieldChange[] = [];
  for (const o of program.objects) {
    const st = program.structs.get(o.type);
    if (!st || !m.space(o.space)) continue;
    const list: { name: string; offset: number; field: StructField }[] = [];
    leaves(program, st, '', 0, list);
    for (const l of list) {
      const size = l.field.count * l.field.elementSize;
      const va = o.va + l.offset;
      if (size === 0 || va + size > 2 ** 32) continue;
      const t = translate(m, { space: o.space }, va);
      if (!t.ok || t.pa === null) continue;
      const pa = t.pa;
      const before = oldMem.read(pa, size), now = m.memory.readBytes(pa, size);
      if (before.every((b, i) => b === now[i])) continue;
      out.push({ object: o.name, type: o.type, field: l.name, space: o.space, va, pa, old: fieldValue(l.field, before), now: fieldValue(l.field, now) });
    }
  }
  return out;
}

const bytesText = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** The memory range's bytes then -> now, as the views and the console print them. */
export function formatChangeBytes(c: { readonly old: Uint8Array; readonly now: Uint8Array; readonly length?: number }): string {
  const more = c.length !== undefined && c.length > c.old.length ? ' …' : '';
  return `${bytesText(c.old)}${more} -> ${bytesText(c.now)}${more}`;
}

/** An entry's change in words: old -> new frame and flags. */
export function formatEntryChange(e: EntryChange): string {
  const side = (raw: readonly [number, number], target: number | null, flags: readonly string[]) => `${hex64(raw[0], raw[1])} (${target === null ? '' : `${hex(target)} `}${flags.join(' ')})`;
  return `${side(e.old, e.oldTarget, e.oldFlags)} -> ${side(e.now, e.nowTarget, e.nowFlags)}`;
}

export function formatEntryUse(u: EntryUse): string {
  return `${u.space} ${hex(u.va, 8)}-${hex(u.va + u.size - 1, 8)}`;
}

/** The whole diff as the console prints it. */
export function formatMachineDiff(d: MachineDiff): string {
  const lines = [`machine diff, instruction ${d.from} -> ${d.to}:`];
  const section = (title: string, rows: string[]) => { if (rows.length) lines.push(title, ...rows.map((r) => `  ${r}`)); };
  const chunks = new Map<string, MemoryChange[]>();
  for (const c of d.memory) { const k = c.chunk ?? 'no chunk'; chunks.set(k, [...(chunks.get(k) ?? []), c]); }
  const mem: string[] = [];
  for (const [chunk, list] of chunks) {
    mem.push(`${chunk}:`);
    for (const c of list) {
      const where = c.mappedBy.map((x) => `${x.space}:${hex(x.va, 8)}`).join(' ') + (c.moreMappers ? ` +${c.moreMappers}` : '');
      mem.push(`  pa:${hex(c.pa)} ${c.length} byte${c.length === 1 ? '' : 's'}  ${formatChangeBytes(c)}${where ? `  (${where})` : ''}`);
    }
  }
  if (d.moreRanges) mem.push(`… ${d.moreRanges} more ranges`);
  section(`memory: ${d.bytesChanged} byte${d.bytesChanged === 1 ? '' : 's'} changed`, mem);
  section('page tables:', d.entries.map((e) => `${e.level} at pa:${hex(e.pa)} ${formatEntryChange(e)}  maps ${e.uses.map(formatEntryUse).join(', ')}`));
  section('TLB:', d.tlb.flatMap((t) => [
    ...t.fills.map((f) => `cpu${t.cpu} fill ${hex(f.va, 8)} -> ${hex(f.frame)}`),
    ...t.evictions.map((f) => `cpu${t.cpu} evict ${hex(f.va, 8)} -> ${hex(f.frame)}`),
  ]));
  section('registers:', d.registers.map((r) => `${r.owner} ${r.register}: ${r.old} -> ${r.now}`));
  section('volumes:', d.blocks.map((b) => `${b.volume} block ${b.block}: ${b.changedBytes} bytes changed, at +${hex(b.offset)} ${formatChangeBytes(b)}`));
  section('objects:', d.fields.map((f) => `${f.object}.${f.field} (${f.type}, ${f.space}:${hex(f.va, 8)}): ${f.old} -> ${f.now}`));
  if (lines.length === 1) lines.push('  nothing changed');
  return lines.join('\n');
}
