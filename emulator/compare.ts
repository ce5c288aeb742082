// One virtual address in every space, side by side: the patent's central idea ([00006]-[00008]) is
// that the spaces share common chunks at the same addresses and own separate ones. For each space:
// its translation of the VA (walked from its page tables, no side effects), the chunk it lands in,
// which other spaces reach the same physical bytes there (common) or none (separate), and the bytes
// themselves, with the offsets where the spaces disagree.

import { FOUR_GIB, hex } from './hex';
import { PAGE_SIZE } from './physical-memory';
import { translate, type Translation } from './inspect';
import { describeWalkFault } from './report';
import type { Machine } from './machine';

/** The most bytes one comparison reads per space. */
export const MAX_COMPARE_BYTES = 256;

export interface SpaceView {
  readonly space: string;
  readonly translation: Translation;
  /** The other spaces whose translation of this VA reaches the same physical address. */
  readonly sameAs: readonly string[];
  /** The bytes as this space reads them from the VA on; null where the page is not mapped. */
  readonly bytes: readonly (number | null)[];
}

export interface SpaceComparison {
  readonly va: number;
  readonly length: number;
  readonly spaces: readonly SpaceView[];
  /** Per offset: whether the mapped spaces read different bytes there. */
  readonly differs: readonly boolean[];
}

export function compareSpaces(machine: Machine, va: number, length = 16): SpaceComparison {
  const n = Math.max(1, Math.min(MAX_COMPARE_BYTES, Math.floor(length)));
  if (va + n > FOUR_GIB) throw new RangeError(`${n} bytes from the VA run past the end of the 32-bit space`);
  const translations = machine.spaces.map((s) => translate(machine, { space: s.name }, va));
  const spaces = machine.spaces.map((s, i): SpaceView => {
    const t = translations[i];
    const bytes: (number | null)[] = [];
    for (let k = 0; k < n;) {
      // Each page of the range is translated on its own: the next page may map elsewhere, or nowhere.
      const at = va + k;
      const run = Math.min(n - k, PAGE_SIZE - (at % PAGE_SIZE));
      const pt = k === 0 ? t : translate(machine, { space: s.name }, at);
      if (pt.ok && pt.pa !== null) for (const b of machine.memory.readBytes(pt.pa, run)) bytes.push(b);
      else for (let j = 0; j < run; j++) bytes.push(null);
      k += run;
    }
    const sameAs = machine.spaces.filter((_, j) => j !== i && t.ok && translations[j].ok && translations[j].pa === t.pa).map((o) => o.name);
    return { space: s.name, translation: t, sameAs, bytes };
  });
  const differs = Array.from({ length: n }, (_, k) => new Set(spaces.map((s) => s.bytes[k]).filter((b) => b !== null)).size > 1);
  return { va, length: n, spaces, differs };
}

/** "PA 0x1_0000_0000 · C4 · separate", "PA 0x80_0000 · C1 · common with VS1, VS2", "not mapped: ...". */
export function describeSpaceView(v: SpaceView): string {
  const t = v.translation;
  if (!t.ok || t.pa === null) return `not mapped: ${t.fault ? describeWalkFault(t.fault, false) : 'no translation'}`;
  const where = `PA ${hex(t.pa)}${t.chunk ? ` · ${t.chunk.name}` : ' · in no chunk'}${t.paging ? '' : ' · paging off'}`;
  return `${where} · ${v.sameAs.length ? `common with ${v.sameAs.join(', ')}` : 'separate'}`;
}

/** The bytes of a space as hex pairs, `..` where unmapped. */
export function formatCompareBytes(v: SpaceView): string {
  return v.bytes.map((b) => (b === null ? '..' : b.toString(16).padStart(2, '0'))).join(' ');
}

/** The console's text of a comparison: one row per space, and a marker row under the bytes that differ. */
export function formatComparison(c: SpaceComparison): string {
  const heads = c.spaces.map((v) => `  ${v.space.padEnd(5)} ${describeSpaceView(v)}`);
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  const rows = c.spaces.map((v, i) => `${heads[i].padEnd(width)}${formatCompareBytes(v)}`);
  const marks = c.differs.map((d) => (d ? '^^' : '  ')).join(' ');
  const where = c.differs.flatMap((d, k) => (d ? [k] : []));
  const summary = where.length === 0 ? 'the same bytes in every space that maps it' : `differ at ${where.length} of ${c.length} bytes (marked ^^)`;
  return [`${hex(c.va, 8)}, ${c.length} bytes, in every space: ${summary}`, ...rows, ...(where.length ? [`${' '.repeat(width)}${marks}`.trimEnd()] : [])].join('\n');
}
