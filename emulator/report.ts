// Text renderings of the machine for people: the chunk map, translations in the spirit of WinDbg's
// !pte and Bochs' `page`, and TLB listings in the spirit of QEMU's `info tlb`. The CLI prints these and
// the debugger's console reuses them, so there is one way the machine is described.

import { FOUR_GIB, formatSize, hex, hexPlain } from './hex';
import type { Layout } from './layout';
import type { Machine } from './machine';
import type { TlbEntryFlags, Translation, TlbView } from './inspect';
import { vaIndices } from './paging';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text from a layout or a program, made safe for a terminal: every C0 and C1 control character and DEL
 * (an escape sequence starts with one) becomes `\u00XX`, except those in `keep` (say "\n\t").
 * The form is JSON's, so JSON text passed through stays JSON with the same value.
 */
export function escapeControls(text: string, keep = ''): string {
  return text.replace(CONTROL_CHARACTERS, (c) => (keep.includes(c) ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/** Which chunk each space sees at each VA range, like FIG. 5: one row per range, one column per space. */
export function spaceMatrix(layout: Layout): { from: number; to: number; cells: string[] }[] {
  const cuts = new Set<number>([0, FOUR_GIB]);
  for (const s of layout.spaces) {
    if (!s.paging) for (const c of layout.chunks) { if (c.base < FOUR_GIB) { cuts.add(c.base); cuts.add(Math.min(FOUR_GIB, c.base + c.size)); } }
    for (const m of s.mappings) { cuts.add(m.va); cuts.add(m.va + m.size); }
  }
  const points = [...cuts].sort((a, b) => a - b);
  const rows: { from: number; to: number; cells: string[] }[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const from = points[i], to = points[i + 1];
    const cells = layout.spaces.map((s) => {
      if (!s.paging) return layout.chunks.find((c) => from >= c.base && from < c.base + c.size)?.name ?? '(none)';
      const m = s.mappings.find((x) => from >= x.va && from < x.va + x.size);
      return m ? m.chunk + (m.global ? '*' : '') : '-';
    });
    const prev = rows[rows.length - 1];
    if (prev && prev.cells.join() === cells.join()) prev.to = to;
    else rows.push({ from, to, cells });
  }
  return rows;
}

export function formatLayout(machine: Machine): string {
  const { layout, bootCounts: counts } = machine;
  const out: string[] = [`Layout: ${escapeControls(layout.name)}`, '', 'Physical chunks (36-bit physical space, 64 GiB)'];
  out.push(...table([['chunk', 'base', 'last byte', 'size', 'purpose'], ...layout.chunks.map((c) => [c.name, hex(c.base), hex(c.base + c.size - 1), formatSize(c.size), escapeControls(c.purpose)])]));
  out.push('', 'Spaces: which chunk each VA range reaches (* = global pages, kept across CR3 loads)');
  const matrix = spaceMatrix(layout);
  out.push(...table([['VA range', ...layout.spaces.map((s) => s.name)], ...matrix.map((r) => [`${hex(r.from, 8)}..${hex(r.to - 1, 8)}`, ...r.cells])]));
  out.push('');
  for (const s of machine.spaces) {
    const what = s.pdpt === null ? 'paging off: linear = physical' : `CR3 = ${hex(s.pdpt)}`;
    out.push(`  ${s.name.padEnd(5)} ${what}${s.space.purpose ? ` (${escapeControls(s.space.purpose)})` : ''}`);
  }
  if (counts.pdpts > 0) {
    out.push('', `Paging structures at ${hex(layout.pageTables.base)}: ${counts.pdpts} PDPTs, ${counts.pageDirectories} page directories, ` +
      `${counts.pageTables} page tables (${counts.sharedPageTableUses} directory entries reuse a shared table; ${counts.pageTablesUnshared} without sharing), ` +
      `${formatSize(counts.bytesUsed)} used`);
  }
  if (layout.volumes.length) {
    out.push('', 'Volumes');
    out.push(...table([['volume', 'block size', 'blocks'], ...layout.volumes.map((v) => [v.name, String(v.blockSize), String(v.blocks)])]));
  }
  return out.join('\n');
}

/**
 * The layout as JSON: a layout file (`mover layout --json > l.json; mover run --layout l.json` gives the
 * same machine), with what the boot derived beside it (chunk ends, each space's CR3, each mapping's PA,
 * the paging-structure counts), which a layout file may carry and validateLayout ignores.
 */
export function layoutJson(machine: Machine): unknown {
  const { layout } = machine;
  return {
    name: layout.name,
    chunks: layout.chunks.map((c) => ({ name: c.name, base: hexPlain(c.base), size: hexPlain(c.size), end: hexPlain(c.base + c.size), purpose: c.purpose })),
    spaces: machine.spaces.map((s) => ({
      name: s.name, paging: s.space.paging, purpose: s.space.purpose, cr3: s.pdpt === null ? null : hexPlain(s.pdpt),
      ...(s.space.paging ? {
        map: s.space.mappings.map((m) => ({
          va: hexPlain(m.va), chunk: m.chunk, offset: hexPlain(m.offset), size: hexPlain(m.size), pa: hexPlain(m.pa), global: m.global, writable: m.writable, user: m.user, pageSize: m.pageSize,
        })),
      } : {}),
    })),
    pageTables: { base: hexPlain(layout.pageTables.base), size: hexPlain(layout.pageTables.size), ...machine.bootCounts },
    volumes: layout.volumes,
  };
}

/** Why a walk failed, in the words every view uses: "not-present at the PDE" (with the error code unless asked not to). */
export function describeWalkFault(f: NonNullable<Translation['fault']>, withCode = true): string {
  return `${f.reason}${f.level ? ` at the ${f.level}` : ''}${withCode ? `, error code ${hex(f.errorCode)}` : ''}`;
}

/** A TLB entry's flags as the listings show them: RW|RO, U|S, then D, G and 2M when set. */
export function tlbFlagWords(f: TlbEntryFlags): string[] {
  return [f.writable ? 'RW' : 'RO', f.user ? 'U' : 'S', ...(f.dirty ? ['D'] : []), ...(f.global ? ['G'] : []), ...(f.large ? ['2M'] : [])];
}

/** One line: `VS1 0x2000_1234 -> 0x1_0000_1234 (C4)` or `-> fault (...)`. */
export function formatTranslationLine(t: Translation): string {
  const head = `${t.space} ${hex(t.va, 8)}`;
  if (t.ok && t.pa !== null) return `${head} -> ${hex(t.pa)} (${t.chunk ? t.chunk.name : 'no chunk'})`;
  return `${head} -> fault (${describeWalkFault(t.fault!)})`;
}

/** Every level of the walk, as WinDbg's !pte lays it out. */
export function formatTranslation(t: Translation): string {
  const ix = vaIndices(t.va);
  const out = [`${t.space} ${hex(t.va, 8)}   PDPT index ${ix.pdpt}, PD index ${ix.pd}, PT index ${ix.pt}, offset ${hex(ix.offset)}`];
  if (!t.paging) {
    out.push('  paging off: linear = physical (no tables walked)');
  } else {
    out.push(`  CR3    ${hex(t.cr3!)}  (PDPT base)`);
    for (const l of t.levels) {
      const points = l.target === null ? '' : l.level === 'PTE' || l.flags.includes('PS') ? `-> frame ${hex(l.target)}` : `-> ${l.level === 'PDPTE' ? 'page directory' : 'page table'} at ${hex(l.target)}`;
      out.push(`  ${l.level.padEnd(5)}  at ${hex(l.entryAddress).padEnd(13)} = ${l.raw}  ${l.flags.join(' ').padEnd(16)} ${points}`.trimEnd());
    }
  }
  if (t.ok && t.pa !== null) {
    const c = t.chunk;
    out.push(`  PA     ${hex(t.pa)}${c ? `  (${c.name} + ${hex(t.pa - c.base)}${c.purpose ? `, ${c.purpose}` : ''})` : '  (in no chunk)'}${t.pageSize > 4096 ? '  [2 MiB page]' : ''}`);
  } else {
    out.push(`  FAULT  #PF ${describeWalkFault(t.fault!)}`);
  }
  for (const h of t.tlb) {
    const state = !h.held ? 'not held' : `held in set ${h.set} way ${h.way} -> ${hex(h.frame!)}${h.stale ? ` STALE: ${h.staleReason}` : ''}`;
    out.push(`  TLB    cpu${h.cpu} (${h.space}): ${state}`);
  }
  return out.join('\n');
}

/** A TLB listing in the spirit of QEMU's `info tlb`: one line per valid entry. */
export function formatTlb(v: TlbView): string {
  const out = [`cpu${v.cpu} TLB (${v.space}): ${v.sets} sets x ${v.ways} ways, ${v.entries.length} valid; ` +
    `hits ${v.counters.hits}, misses ${v.counters.misses}, walks ${v.counters.walks}, flushes ${v.counters.flushes} (${v.counters.invalidated} entries dropped)`];
  for (const e of v.entries) {
    const flags = tlbFlagWords(e.flags).join(' ');
    out.push(`  ${hex(e.va, 8)}: ${hex(e.frame).padEnd(14)} ${flags.padEnd(12)} set ${String(e.set).padStart(2)} way ${e.way} lru ${e.lruRank}${e.stale ? `  STALE (${e.staleReason})` : ''}`);
  }
  return out.join('\n');
}
