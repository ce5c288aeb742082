// Layouts are data: physical chunks and the virtual spaces that map them ([00037]-[00038], FIG. 5).
//
// A layout file is JSON (numbers as JSON numbers or strings such as "0x1_0000_0000", "512M", "3.25G"):
//   { "name": "...",
//     "chunks": [ { "name": "C1", "base": "0", "size": "512M", "purpose": "stacks, per-processor data, boot" }, ... ],
//     "spaces": [ { "name": "VS0", "paging": false },
//                 { "name": "VS1", "map": [ { "va": "0", "chunk": "C1", "global": true }, ... ] } ],
//     "pageTables": { "base": "0xEF00_0000", "size": "16M" },
//     "volumes": [ { "name": "clone", "blockSize": 4096, "blocks": 1024 } ] }
// A mapping may also give "offset" and "size" (a window of the chunk), "writable", "user" (both default
// true) and "pageSize": "4K" (default) or "2M". `validateLayout` reports every problem at once.

import { FOUR_GIB, GiB, MiB, formatSize, hex, parseNumber } from './hex';
import { PAGE_SIZE, PHYS_LIMIT } from './physical-memory';
import { LARGE_PAGE_SIZE } from './paging';
import { jsonErrorOffset, lineColumnAt } from './json-position';

export interface Chunk {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly purpose: string;
}

export interface Mapping {
  readonly va: number;
  readonly size: number;
  readonly chunk: string;
  /** Offset of the window in the chunk. */
  readonly offset: number;
  /** Physical address the first byte maps to (chunk base + offset). */
  readonly pa: number;
  readonly global: boolean;
  readonly writable: boolean;
  readonly user: boolean;
  readonly pageSize: number;
}

export interface Space {
  readonly name: string;
  /** false: paging off, linear = physical over the low 4 GiB ([00040]: VS0). */
  readonly paging: boolean;
  readonly mappings: readonly Mapping[];
  readonly purpose: string;
}

export interface VolumeSpec {
  readonly name: string;
  readonly blockSize: number;
  readonly blocks: number;
}

export interface Layout {
  readonly name: string;
  readonly chunks: readonly Chunk[];
  readonly spaces: readonly Space[];
  /** Where the boot builder puts PDPTs, page directories and page tables. The PDPTs come first. */
  readonly pageTables: { readonly base: number; readonly size: number };
  readonly volumes: readonly VolumeSpec[];
}

export interface LayoutProblem {
  /** Where in the layout: "chunks[2].size", "spaces[1].map[0].chunk". */
  readonly path: string;
  readonly message: string;
}

/** Problems as `path: message`, one per line indented under a heading (or joined by `separator`). */
export function formatLayoutProblems(problems: readonly LayoutProblem[], separator = '\n'): string {
  return problems.map((p) => `${separator === '\n' ? '  ' : ''}${p.path}: ${p.message}`).join(separator);
}

export class LayoutError extends Error {
  constructor(readonly problems: readonly LayoutProblem[]) {
    super(`invalid layout:\n${formatLayoutProblems(problems)}`);
  }
}

export type LayoutResult = { readonly ok: true; readonly layout: Layout } | { readonly ok: false; readonly problems: readonly LayoutProblem[] };

/** The patent's FIG. 5 layout as data: C1..C5, VS0 paging off, VS1 = C1|C4|C3, VS2 = C1|C5|C3. */
export const PATENT_LAYOUT_SPEC = {
  name: 'patent FIG. 5 ([00037]-[00038])',
  chunks: [
    { name: 'C1', base: '0x0', size: '512M', purpose: 'processor stacks, per-processor data, machine boot' },
    { name: 'C2', base: '0x2000_0000', size: '3.25G', purpose: 'inode cache, buffer cache, page tables' },
    { name: 'C3', base: '0xF000_0000', size: '256M', purpose: 'BIOS and device drivers' },
    { name: 'C4', base: '0x1_0000_0000', size: '3.25G', purpose: 'DNLC' },
    { name: 'C5', base: '0x1_D000_0000', size: '3.25G', purpose: 'snapshot bit and block maps' },
  ],
  spaces: [
    { name: 'VS0', paging: false, purpose: 'applications, buffer cache: C1|C2|C3' },
    { name: 'VS1', purpose: 'DNLC', map: [
      { va: '0x0', chunk: 'C1', global: true },
      { va: '0x2000_0000', chunk: 'C4' },
      { va: '0xF000_0000', chunk: 'C3', global: true },
    ] },
    { name: 'VS2', purpose: 'snapshot copy facility', map: [
      { va: '0x0', chunk: 'C1', global: true },
      { va: '0x2000_0000', chunk: 'C5' },
      { va: '0xF000_0000', chunk: 'C3', global: true },
    ] },
  ],
  pageTables: { base: '0xEF00_0000', size: '16M' },
  volumes: [] as VolumeSpec[],
} as const;

let patentLayout: Layout | undefined;
export function defaultLayout(): Layout {
  if (!patentLayout) {
    const r = validateLayout(PATENT_LAYOUT_SPEC);
    if (!r.ok) throw new LayoutError(r.problems);
    patentLayout = r.layout;
  }
  return patentLayout;
}

/** Parses layout JSON text; syntax errors are problems too (given by position: the text may be any file's). */
export function parseLayoutText(text: string): LayoutResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const at = lineColumnAt(text, Math.max(0, jsonErrorOffset(text)));
    return { ok: false, problems: [{ path: '(file)', message: `not valid JSON at line ${at.line} column ${at.column}` }] };
  }
  return validateLayout(json);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a layout description and resolves it, collecting every problem rather than stopping at the first. */
export function validateLayout(input: unknown): LayoutResult {
  const problems: LayoutProblem[] = [];
  const err = (path: string, message: string) => { problems.push({ path, message }); };
  if (!isObj(input)) return { ok: false, problems: [{ path: '(layout)', message: 'a layout is a JSON object with "chunks" and "spaces"' }] };

  const num = (v: unknown, path: string, what: string): number | undefined => {
    if (v === undefined) { err(path, `${what} is missing`); return undefined; }
    const n = typeof v === 'string' || typeof v === 'number' ? parseNumber(v) : undefined;
    if (n === undefined || n < 0) { err(path, `${what} must be a non-negative whole number such as 0x2000_0000 or 512M (got ${JSON.stringify(v)})`); return undefined; }
    return n;
  };
  const name = (v: unknown, path: string): string | undefined => {
    if (typeof v !== 'string' || !/^[A-Za-z_][\w.-]*$/.test(v)) { err(path, `a name is a word such as "C1" or "VS1" (got ${JSON.stringify(v)})`); return undefined; }
    return v;
  };

  // ---- chunks
  const chunks: Chunk[] = [];
  if (!Array.isArray(input.chunks) || input.chunks.length === 0) err('chunks', 'a layout needs a non-empty "chunks" array');
  else input.chunks.forEach((c: unknown, i: number) => {
    const p = `chunks[${i}]`;
    if (!isObj(c)) { err(p, 'a chunk is an object with name, base, size and purpose'); return; }
    const n = name(c.name, `${p}.name`);
    const base = num(c.base, `${p}.base`, 'base');
    const size = num(c.size, `${p}.size`, 'size');
    if (base === undefined || size === undefined || n === undefined) return;
    let good = true;
    if (base % PAGE_SIZE) { err(`${p}.base`, `chunk ${n} base ${hex(base)} is not 4 KiB aligned`); good = false; }
    if (size === 0 || size % PAGE_SIZE) { err(`${p}.size`, `chunk ${n} size ${hex(size)} must be a non-zero multiple of 4 KiB`); good = false; }
    if (base + size > PHYS_LIMIT) { err(p, `chunk ${n} (${hex(base)} + ${formatSize(size)}) goes beyond the 64 GiB (36-bit) physical space`); good = false; }
    if (chunks.some((o) => o.name === n)) { err(`${p}.name`, `chunk name ${n} is used twice`); good = false; }
    if (good) chunks.push({ name: n, base, size, purpose: typeof c.purpose === 'string' ? c.purpose : '' });
  });
  const sorted = [...chunks].sort((a, b) => a.base - b.base);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1], b = sorted[i];
    if (a.base + a.size > b.base) err('chunks', `chunks ${a.name} (${hex(a.base)}..${hex(a.base + a.size - 1)}) and ${b.name} (${hex(b.base)}..${hex(b.base + b.size - 1)}) overlap`);
  }

  // ---- spaces
  const spaces: Space[] = [];
  if (!Array.isArray(input.spaces) || input.spaces.length === 0) err('spaces', 'a layout needs a non-empty "spaces" array');
  else input.spaces.forEach((s: unknown, i: number) => {
    const p = `spaces[${i}]`;
    if (!isObj(s)) { err(p, 'a space is an object with a name and either "paging": false or a "map" array'); return; }
    const n = name(s.name, `${p}.name`);
    if (n === undefined) return;
    if (spaces.some((o) => o.name === n)) { err(`${p}.name`, `space name ${n} is used twice`); return; }
    const purpose = typeof s.purpose === 'string' ? s.purpose : '';
    if (s.paging === false) {
      if (s.map !== undefined) err(`${p}.map`, `space ${n} has paging off, so it maps linear = physical and takes no "map"`);
      if (spaces.some((o) => !o.paging)) err(`${p}.paging`, `only one space can have paging off (linear = physical); ${spaces.find((o) => !o.paging)!.name} already does`);
      spaces.push({ name: n, paging: false, mappings: [], purpose });
      return;
    }
    if (s.paging !== undefined && s.paging !== true) err(`${p}.paging`, `"paging" is true or false (got ${JSON.stringify(s.paging)})`);
    if (!Array.isArray(s.map) || s.map.length === 0) { err(`${p}.map`, `space ${n} has paging on and needs a non-empty "map" of VA ranges to chunks`); return; }
    const mappings: Mapping[] = [];
    s.map.forEach((m: unknown, j: number) => {
      const mp = `${p}.map[${j}]`;
      if (!isObj(m)) { err(mp, 'a mapping is an object with va and chunk (and optionally offset, size, global, writable, user, pageSize)'); return; }
      const va = num(m.va, `${mp}.va`, 'va');
      const chunkName = typeof m.chunk === 'string' ? m.chunk : undefined;
      const chunk = chunks.find((c) => c.name === chunkName);
      if (!chunk) { err(`${mp}.chunk`, chunkName === undefined ? 'chunk is missing' : `no chunk named ${JSON.stringify(chunkName)} (chunks: ${chunks.map((c) => c.name).join(', ')})`); return; }
      const offset = m.offset === undefined ? 0 : num(m.offset, `${mp}.offset`, 'offset');
      if (va === undefined || offset === undefined) return;
      const size = m.size === undefined ? chunk.size - offset : num(m.size, `${mp}.size`, 'size');
      if (size === undefined) return;
      let pageSize = PAGE_SIZE;
      if (m.pageSize !== undefined) {
        if (m.pageSize === '2M' || m.pageSize === LARGE_PAGE_SIZE) pageSize = LARGE_PAGE_SIZE;
        else if (m.pageSize !== '4K' && m.pageSize !== PAGE_SIZE) err(`${mp}.pageSize`, `pageSize is "4K" or "2M" (got ${JSON.stringify(m.pageSize)})`);
      }
      const bools: Record<string, boolean> = {};
      for (const key of ['global', 'writable', 'user']) {
        const v = m[key];
        if (v !== undefined && typeof v !== 'boolean') err(`${mp}.${key}`, `${key} is true or false`);
        bools[key] = typeof v === 'boolean' ? v : key !== 'global';
      }
      const unit = pageSize === PAGE_SIZE ? '4 KiB' : '2 MiB';
      let good = true;
      for (const [what, v] of [['va', va], ['offset', offset], ['size', size], ['physical address', chunk.base + offset]] as const) {
        if (v % pageSize) { err(`${mp}`, `${what} ${hex(v)} of ${n}'s mapping of ${chunk.name} is not ${unit} aligned`); good = false; }
      }
      if (size === 0) { err(`${mp}.size`, 'a mapping needs a non-zero size'); good = false; }
      if (offset > chunk.size) { err(`${mp}.offset`, `offset ${hex(offset)} is past the end of chunk ${chunk.name} (${formatSize(chunk.size)})`); good = false; }
      else if (offset + size > chunk.size) { err(`${mp}`, `the window ${hex(offset)} + ${formatSize(size)} runs past the end of chunk ${chunk.name} (${formatSize(chunk.size)})`); good = false; }
      if (va + size > FOUR_GIB) { err(`${mp}`, `space ${n} would be larger than 4 GiB: ${hex(va)} + ${formatSize(size)} ends past 0xFFFF_FFFF`); good = false; }
      for (const o of mappings) {
        if (va < o.va + o.size && o.va < va + size) { err(mp, `VA range ${hex(va)}..${hex(va + size - 1)} overlaps ${o.chunk}'s mapping at ${hex(o.va)}..${hex(o.va + o.size - 1)} in ${n}`); good = false; }
      }
      if (good) mappings.push({ va, size, chunk: chunk.name, offset, pa: chunk.base + offset, global: bools.global, writable: bools.writable, user: bools.user, pageSize });
    });
    mappings.sort((a, b) => a.va - b.va);
    spaces.push({ name: n, paging: true, mappings, purpose });
  });

  // ---- page-table area
  let pageTables = { base: 0, size: 0 };
  const pt = input.pageTables;
  const pagedSpaces = spaces.filter((s) => s.paging).length;
  if (pt === undefined) {
    if (pagedSpaces > 0) err('pageTables', 'a layout with paged spaces needs "pageTables": { "base", "size" } (a region inside a chunk, below 4 GiB for the PDPTs)');
  } else if (!isObj(pt)) err('pageTables', '"pageTables" is an object with base and size');
  else {
    const base = num(pt.base, 'pageTables.base', 'base');
    const size = num(pt.size, 'pageTables.size', 'size');
    if (base !== undefined && size !== undefined) {
      pageTables = { base, size };
      if (base % PAGE_SIZE || size % PAGE_SIZE || size === 0) err('pageTables', `the page-table area ${hex(base)} + ${formatSize(size)} must be 4 KiB aligned and non-empty`);
      // CR3 holds a 32-bit PDPT address in PAE mode, so the PDPTs (first in the area) must lie below 4 GiB.
      if (base + PAGE_SIZE > FOUR_GIB) err('pageTables.base', `CR3 is 32 bits in PAE mode: the PDPTs at the start of the page-table area (${hex(base)}) must lie below 4 GiB`);
      if (!chunks.some((c) => base >= c.base && base + size <= c.base + c.size)) err('pageTables', `the page-table area ${hex(base)}..${hex(base + size - 1)} must lie inside one chunk`);
    }
  }

  // ---- volumes
  const volumes: VolumeSpec[] = [];
  if (input.volumes !== undefined) {
    if (!Array.isArray(input.volumes)) err('volumes', '"volumes" is an array of { name, blockSize, blocks }');
    else input.volumes.forEach((v: unknown, i: number) => {
      const p = `volumes[${i}]`;
      if (!isObj(v)) { err(p, 'a volume is an object with name, blockSize and blocks'); return; }
      const n = name(v.name, `${p}.name`);
      const blockSize = num(v.blockSize, `${p}.blockSize`, 'blockSize');
      const blocks = num(v.blocks, `${p}.blocks`, 'blocks');
      if (n === undefined || blockSize === undefined || blocks === undefined) return;
      if (blockSize < 512 || blockSize > MiB || (blockSize & (blockSize - 1))) { err(`${p}.blockSize`, `blockSize must be a power of two from 512 to 1M (got ${blockSize})`); return; }
      if (blocks < 1 || blocks * blockSize > 16 * GiB * 64) { err(`${p}.blocks`, `blocks must be at least 1 and the volume at most 1 TiB`); return; }
      if (volumes.some((o) => o.name === n)) { err(`${p}.name`, `volume name ${n} is used twice`); return; }
      volumes.push({ name: n, blockSize, blocks });
    });
  }

  if (problems.length) return { ok: false, problems };
  return { ok: true, layout: { name: typeof input.name === 'string' ? input.name : 'layout', chunks: sorted, spaces, pageTables, volumes } };
}

/** The chunk holding a physical address, if any. */
export function chunkAt(layout: Layout, pa: number): Chunk | undefined {
  for (const c of layout.chunks) if (pa >= c.base && pa < c.base + c.size) return c;
  return undefined;
}

/** Where a space's VA lands by the layout alone (not the live page tables): PA and chunk, or undefined. */
export function layoutTranslate(layout: Layout, space: Space, va: number): { pa: number; chunk: Chunk | undefined } | undefined {
  if (!space.paging) return va < FOUR_GIB ? { pa: va, chunk: chunkAt(layout, va) } : undefined;
  for (const m of space.mappings) {
    if (va >= m.va && va < m.va + m.size) {
      const pa = m.pa + (va - m.va);
      return { pa, chunk: chunkAt(layout, pa) };
    }
  }
  return undefined;
}
