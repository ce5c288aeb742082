// The bodies of the custom requests behind the extension's views (declared in protocol.ts): walks,
// TLB contents, control registers, the layout with each processor's position, whereis, one VA compared
// across spaces. Wording comes
// from the emulator's report functions, so a view says what the console and the CLI say.

import {
  CR0_PE, CR0_WP, CR3_PDPT_MASK, ENTRY_SIZE, FOUR_GIB, PDPT_ENTRIES, decodeFlags, describeErrorCode, describeWalkFault, entryUses, formatSize, hex64, InspectError, mappedRanges, mappedRangesAt, type Machine, type MappedRange, type Processor, CR4_PAE, CR4_PGE, formatTranslation, hex, listTlb, parseNumber, tlbFlagWords, translate, whereIs, type Program, type StructField, type TranslateTarget, type Translation,
  MAX_COMPARE_BYTES, compareSpaces, describeSpaceView, formatCompareBytes, formatComparison, type SpaceComparison,
} from '../emulator/index';
import { formatRef, parseRef } from './memory-ref';
import { ErrorCode, type ControlRegistersView, type LayoutView, type PageTranslationView, type PdpteRegisterView, type MoverRequests, type RangeWalkView, type StructFieldView, type StructTypeView, type StructValueView, type TlbProcessorView, type WalkView } from './protocol';
import { RequestError, bad } from './request';
import { variables } from './variables';
import type { MoverRuntime } from './runtime';

type Args<K extends keyof MoverRequests> = MoverRequests[K][0];
type Result<K extends keyof MoverRequests> = MoverRequests[K][1];

function walkToView(t: Translation): WalkView {
  return {
    va: hex(t.va, 8), space: t.space, paging: t.paging, cr3: t.cr3 === null ? null : hex(t.cr3), ok: t.ok, pa: t.pa === null ? null : hex(t.pa), chunk: t.chunk?.name ?? null,
    fault: t.fault ? describeWalkFault(t.fault) : null,
    levels: t.levels.map((l) => ({ level: l.level, index: l.index, entryAddress: hex(l.entryAddress), raw: l.raw, flags: l.flags, target: l.target === null ? null : hex(l.target) })),
    tlb: t.tlb.map((h) => ({ cpu: h.cpu, space: h.space, held: h.held, stale: !!h.stale, ...(h.staleReason ? { staleReason: h.staleReason } : {}), ...(h.frame !== undefined ? { frame: hex(h.frame) } : {}) })),
    text: formatTranslation(t), memoryReference: t.pa === null ? null : formatRef({ space: 'PA', address: t.pa }),
  };
}

function processorArg(rt: MoverRuntime, cpu: unknown): number {
  const id = cpu ?? 0;
  if (typeof id !== 'number' || !rt.machine.processors[id]) throw bad(`no processor ${JSON.stringify(cpu)}`);
  return id;
}

/** Runs a range walk lists before "N more" (the Page Walk view's rows). */
export const RANGE_WALK_LIMIT = 200;

/** The tables a range walk reads: a space's PDPT, a processor's CR3, or a raw CR3; paging off has none. */
function rangeRuns(m: Machine, target: TranslateTarget, t: Translation): MappedRange[] {
  try {
    if ('cr3' in target) return mappedRangesAt(m, target.cr3);
    if ('cpu' in target) return m.processors[target.cpu].paging ? mappedRangesAt(m, m.processors[target.cpu].cr3) : mappedRanges(m, t.space);
    return mappedRanges(m, target.space);
  } catch (e) {
    if (e instanceof InspectError) throw bad(e.message);
    throw e;
  }
}

/** Every mapping in [start, end) under the walk's tables, clipped to the range, the first `limit` of them. */
function rangeWalkView(m: Machine, target: TranslateTarget, t: Translation, start: number, endArg: unknown, limitArg: unknown): RangeWalkView {
  const endIn = parseNumber(String(endArg ?? ''));
  if (endIn === undefined || endIn > FOUR_GIB) throw bad(`not the end of a VA range: ${JSON.stringify(endArg)} (at most 0x1_0000_0000)`);
  if (endIn <= start) throw bad(`the range ${hex(start, 8)}..${hex(endIn)} is empty: end must be above va`);
  const limit = limitArg ?? RANGE_WALK_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw bad(`limit must be a positive whole number of rows (got ${JSON.stringify(limitArg)})`);
  const runs = rangeRuns(m, target, t).filter((r) => r.va < endIn && r.va + r.size > start);
  const named = m.space(t.space) !== undefined;
  const rows = runs.slice(0, limit).map((r) => {
    const lo = Math.max(r.va, start), hi = Math.min(r.va + r.size, endIn);
    const pa = r.pa + (lo - r.va);
    return {
      va: hex(lo, 8), last: hex(hi - 1, 8), size: formatSize(hi - lo), sizeNumber: hi - lo, pa: hex(pa), chunk: m.chunkAt(pa)?.name ?? null,
      flags: tlbFlagWords({ writable: r.writable, user: r.user, dirty: false, global: r.global, large: r.large, pwt: false, pcd: false }),
      memoryReference: named ? formatRef({ space: t.space, address: lo }) : formatRef({ space: 'PA', address: pa }),
    };
  });
  return { space: t.space, cr3: hex(t.cr3 ?? 0), start: hex(start, 8), last: hex(endIn - 1, 8), rows, total: runs.length, more: runs.length - rows.length };
}

export function walkView(rt: MoverRuntime, a: Args<'mover/walk'>): Result<'mover/walk'> {
  const va = parseNumber(String(a.va ?? ''));
  if (va === undefined || va >= 2 ** 32) throw bad(`not a virtual address: ${JSON.stringify(a.va)}`);
  let target: TranslateTarget;
  if (a.cr3 !== undefined) {
    const cr3 = parseNumber(String(a.cr3));
    if (cr3 === undefined || cr3 >= 2 ** 32) throw bad(`not a CR3 value: ${JSON.stringify(a.cr3)} (32 bits, the PDPT's physical address)`);
    target = { cr3 };
  } else if (a.space !== undefined) {
    if (typeof a.space !== 'string') throw bad('space must be the name of a space, e.g. VS1');
    if (!rt.machine.space(a.space)) throw bad(`no space named ${a.space}`);
    target = { space: a.space };
  } else target = { cpu: processorArg(rt, a.cpu) };
  const t = translate(rt.machine, target, va);
  const view = walkToView(t);
  return a.end === undefined ? view : { ...view, range: rangeWalkView(rt.machine, target, t, va, a.end, a.limit) };
}

export function lastWalkView(rt: MoverRuntime, a: Args<'mover/lastWalk'>): Result<'mover/lastWalk'> {
  const cpu = processorArg(rt, a.cpu);
  const last = rt.lastAccess(cpu);
  return last ? walkToView(translate(rt.machine, { cpu }, last.va)) : null;
}

/** The entries held at the last run's start that are gone now and were not flushed: the replacement policy evicted them. */
function evictedSinceMark(rt: MoverRuntime, cpu: number, flushed: readonly number[]): TlbProcessorView['evicted'] {
  const before = rt.tlbAtMark[cpu];
  if (!before) return [];
  const tlb = rt.machine.processors[cpu].tlb;
  const now = new Set<string>();
  for (let e = 0; e < tlb.size; e++) if (tlb.vpn[e] >= 0) now.add(`${tlb.vpn[e]}:${tlb.frame[e]}`);
  const gone = new Set(flushed);
  const out: { va: string; frame: string }[] = [];
  for (let e = 0; e < before.vpn.length; e++) {
    const vpn = before.vpn[e];
    if (vpn < 0 || gone.has(vpn) || now.has(`${vpn}:${before.frame[e]}`)) continue;
    out.push({ va: hex(vpn * 4096, 8), frame: hex(before.frame[e]) });
  }
  return out;
}

export function tlbView(rt: MoverRuntime, a: Args<'mover/tlb'>): Result<'mover/tlb'> {
  const cpus = a.cpu === undefined ? rt.machine.processors.map((p) => p.id) : [processorArg(rt, a.cpu)];
  return {
    processors: cpus.map((cpu): TlbProcessorView => {
      const v = listTlb(rt.machine, cpu, rt.tlbMarks[cpu] ?? Infinity);
      return {
        cpu, space: v.space, sets: v.sets, ways: v.ways, policy: v.policy, counters: { ...v.counters },
        flushed: v.flushedSinceMark.map((vpn) => hex(vpn * 4096, 8)),
        hitRate: v.counters.hits + v.counters.misses ? v.counters.hits / (v.counters.hits + v.counters.misses) : null,
        evicted: evictedSinceMark(rt, cpu, v.flushedSinceMark),
        entries: v.entries.map((e) => ({
          set: e.set, way: e.way, va: hex(e.va, 8), frame: hex(e.frame), global: e.flags.global, lruRank: e.lruRank, stale: e.stale, staleReason: e.staleReason, fresh: e.fresh,
          flags: tlbFlagWords(e.flags),
        })),
      };
    }),
  };
}

/** The four PDPTE registers beside the PDPT that CR3 names in memory now (they part after a PDPT write until the next CR3 load). */
function pdpteRegisters(m: Machine, p: Processor): PdpteRegisterView[] {
  const loaded = p.loadedPdptes;
  const base = (p.cr3 & CR3_PDPT_MASK) >>> 0;
  const out: PdpteRegisterView[] = [];
  for (let i = 0; i < PDPT_ENTRIES; i++) {
    const lo = loaded.lo[i], hi = loaded.hi[i];
    const mlo = m.memory.read32(base + i * ENTRY_SIZE), mhi = m.memory.read32(base + i * ENTRY_SIZE + 4);
    out.push({ index: i, loaded: hex64(lo, hi), flags: decodeFlags('PDPTE', lo, hi), memory: hex64(mlo, mhi), differs: (lo | 0) !== (mlo | 0) || (hi | 0) !== (mhi | 0), memoryReference: formatRef({ space: 'PA', address: base + i * ENTRY_SIZE }) });
  }
  return out;
}

export function controlRegistersView(rt: MoverRuntime): Result<'mover/controlRegisters'> {
  const m = rt.machine;
  return {
    processors: m.processors.map((p): ControlRegistersView => {
      const last = rt.lastAccess(p.id);
      const t = rt.threadOn(p.id);
      return {
        cpu: p.id, thread: t?.name ?? null, space: m.currentSpaceName(p), cr0: hex(p.cr0 >>> 0, 8), pe: (p.cr0 & CR0_PE) !== 0, wp: (p.cr0 & CR0_WP) !== 0, pg: p.paging,
        cr2: hex(p.cr2, 8), cr3: hex(p.cr3, 8), cr3Space: m.spaceOfCr3(p.cr3)?.name ?? null, cr4: hex(p.cr4, 8),
        pae: (p.cr4 & CR4_PAE) !== 0, pge: (p.cr4 & CR4_PGE) !== 0, preemptCount: p.preemptCount, lastAccess: last ? hex(last.va, 8) : null,
        pdptes: pdpteRegisters(m, p),
        lastFault: p.lastFault ? { va: hex(p.lastFault.va, 8), errorCode: describeErrorCode(p.lastFault.errorCode), reason: `${p.lastFault.write ? 'write' : 'read'}: ${describeWalkFault(p.lastFault, false)}` } : null,
      };
    }),
  };
}

export function layoutView(rt: MoverRuntime): LayoutView {
  const m = rt.machine;
  return {
    name: m.layout.name,
    chunks: m.layout.chunks.map((c) => ({ name: c.name, base: hex(c.base), size: hex(c.size), end: hex(c.base + c.size), purpose: c.purpose, baseNumber: c.base, sizeNumber: c.size })),
    spaces: m.spaces.map((s) => ({
      name: s.name, paging: s.space.paging, cr3: s.pdpt === null ? null : hex(s.pdpt), purpose: s.space.purpose,
      mappings: s.space.paging
        ? s.space.mappings.map((x) => ({ va: hex(x.va, 8), size: hex(x.size), chunk: x.chunk, pa: hex(x.pa), global: x.global, vaNumber: x.va, sizeNumber: x.size, paNumber: x.pa }))
        : m.layout.chunks.filter((c) => c.base < 2 ** 32).map((c) => ({ va: hex(c.base, 8), size: hex(Math.min(c.size, 2 ** 32 - c.base)), chunk: c.name, pa: hex(c.base), global: false, vaNumber: c.base, sizeNumber: Math.min(c.size, 2 ** 32 - c.base), paNumber: c.base })),
    })),
    processors: m.processors.map((p) => {
      const last = rt.lastAccess(p.id);
      const pa = last ? translate(m, { cpu: p.id }, last.va).pa : null;
      return { cpu: p.id, space: m.currentSpaceName(p), lastVa: last ? hex(last.va, 8) : null, lastPa: pa === null ? null : hex(pa) };
    }),
  };
}

export function whereisView(rt: MoverRuntime, a: Args<'mover/whereis'>): Result<'mover/whereis'> {
  const pa = parseNumber(String(a.pa ?? ''));
  if (pa === undefined || pa >= 2 ** 36) throw bad(`not a physical address: ${JSON.stringify(a.pa)}`);
  const mappings = whereIs(rt.machine, pa).map((x) => ({ space: x.space, va: hex(x.va, 8) }));
  if (!a.entries) return { mappings };
  const entries = entryUses(rt.machine, pa).map((u) => ({ space: u.space, level: u.level, va: hex(u.va, 8), last: hex(u.va + u.size - 1, 8), size: formatSize(u.size), memoryReference: formatRef({ space: u.space, address: u.va }) }));
  return { mappings, entryAddress: hex(pa - (pa % ENTRY_SIZE)), entries };
}

/** The same VA in every space, side by side (issue 17's "one address, every space"). */
export function compareView(rt: MoverRuntime, a: Args<'mover/compare'>): Result<'mover/compare'> {
  const va = parseNumber(String(a.va ?? ''));
  if (va === undefined || va >= FOUR_GIB) throw bad(`not a virtual address: ${JSON.stringify(a.va)} (a space is 32 bits)`);
  const length = a.length ?? 16;
  if (length < 1 || length > MAX_COMPARE_BYTES) throw bad(`compare 1 to ${MAX_COMPARE_BYTES} bytes`);
  let c: SpaceComparison;
  try { c = compareSpaces(rt.machine, va, length); } catch (e) { throw bad((e as Error).message); }
  return {
    va: hex(va, 8), length: c.length, text: formatComparison(c),
    differAt: c.differs.flatMap((d, k) => (d ? [k] : [])),
    spaces: c.spaces.map((v) => ({
      space: v.space, ok: v.translation.ok, pa: v.translation.pa === null ? null : hex(v.translation.pa), chunk: v.translation.chunk?.name ?? null,
      sameAs: v.sameAs, description: describeSpaceView(v), bytes: formatCompareBytes(v),
      memoryReference: v.translation.ok ? formatRef({ space: v.space, address: va }) : null,
    })),
  };
}

export function objectsView(program: Program | null): Result<'mover/objects'> {
  return { objects: (program?.objects ?? []).map((o) => ({ name: o.name, type: o.type, space: o.space, address: hex(o.va), memoryReference: formatRef({ space: o.space, address: o.va }) })) };
}

/** The most pages one translations request answers (1 MiB of a space). */
const MAX_TRANSLATED_PAGES = 256;
const PAGE = 4096;

export function translationsView(rt: MoverRuntime, a: Args<'mover/translations'>): Result<'mover/translations'> {
  if (typeof a.space !== 'string' || !rt.machine.space(a.space)) throw bad(`translations needs the name of a space (got ${JSON.stringify(a.space)}; spaces: ${rt.machine.spaces.map((s) => s.name).join(', ')})`);
  const va = parseNumber(String(a.va ?? ''));
  if (va === undefined || va >= 2 ** 32) throw bad(`not a virtual address: ${JSON.stringify(a.va)}`);
  if (typeof a.count !== 'number' || a.count < 0) throw bad('translations needs a count of bytes');
  const space = rt.machine.space(a.space)!.name;
  const first = Math.floor(va / PAGE);
  const last = Math.min(Math.floor((Math.min(va + Math.max(a.count, 1), 2 ** 32) - 1) / PAGE), first + MAX_TRANSLATED_PAGES - 1);
  const pages: PageTranslationView[] = [];
  for (let p = first; p <= last; p++) {
    const pa = rt.interp.peekTranslate(space, p * PAGE);
    pages.push({ va: hex(p * PAGE, 8), vaNumber: p * PAGE, pa: pa === null ? null : hex(pa), paNumber: pa, chunk: pa === null ? null : rt.machine.chunkAt(pa)?.name ?? null });
  }
  return { pages };
}

function typeName(f: StructField): string {
  const t = f.type;
  return t.kind === 'struct' ? t.name : t.kind === 'ptr' ? (t.target ? `${t.target}*` : 'ptr') : `${t.signed ? 'i' : 'u'}${t.bytes * 8}`;
}

function fieldView(f: StructField): StructFieldView {
  const type = typeName(f);
  return { name: f.name, offset: f.offset, size: f.elementSize * f.count, count: f.count, type: f.count > 1 ? `${type}[${f.count}]` : type };
}

export function structsView(program: Program): Result<'mover/structs'> {
  const structs: StructTypeView[] = [...program.structs.values()].map((s) => ({ name: s.name, size: s.size, fields: s.fields.map(fieldView) })).sort((x, y) => x.name.localeCompare(y.name));
  return { structs, objects: objectsView(program).objects };
}

export function structValuesView(rt: MoverRuntime, program: Program, a: Args<'mover/structValues'>): Result<'mover/structValues'> {
  const st = typeof a.type === 'string' ? program.structs.get(a.type) : undefined;
  if (!st) throw bad(`no struct named ${JSON.stringify(a.type)} (structs: ${[...program.structs.keys()].join(', ') || 'none'})`);
  if (typeof a.memoryReference !== 'string') throw new RequestError(ErrorCode.BadMemoryReference, 'structValues needs a memoryReference such as vs1:0x2000_0000');
  const ref = parseRef(a.memoryReference, rt.interp);
  if (typeof ref === 'string') throw new RequestError(ErrorCode.BadMemoryReference, ref);
  // The Variables view's own typed values (no handles: the overlay shows one level).
  const values = variables({ kind: 'struct', space: ref.space, address: ref.address, type: st.name }, { interp: rt.interp, program, handle: () => 0, tlbMarks: rt.tlbMarks });
  const fields = st.fields.map((f, i): StructValueView => {
    const v = values[i];
    const shape = fieldView(f);
    const isPointer = f.count === 1 && f.type.kind === 'ptr';
    const pointer = isPointer && v.value !== 'null' && v.value !== '(unmapped)' && v.memoryReference ? v.memoryReference : null;
    return { ...shape, value: v.value, pointer };
  });
  return { type: st.name, memoryReference: formatRef(ref), size: st.size, fields };
}
