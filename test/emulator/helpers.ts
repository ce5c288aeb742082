// Shared helpers for the emulator's unit tests. Nothing here calls the walk under test: entry addresses
// are computed from the SDM's PAE rules (Vol. 3A §4.4) directly, so tests can check the walk against them.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CR0_PE, CR0_PG, Machine, PhysicalMemory, validateLayout, type Layout, type Processor,
} from '../../emulator/index';

export const P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;

/** The patent layout puts the PDPTs first in the page-table area at 0xEF00_0000, 32 bytes each, in space order. */
export const VS1_PDPT = 0xef00_0000;
export const VS2_PDPT = 0xef00_0020;

/** Frame of an entry: bits 35..12 (lo bits 31..12, hi bits 3..0 as PA bits 35..32). */
export function frameOf(lo: number, hi: number): number {
  return (hi & 0xf) * 2 ** 32 + ((lo & 0xfffff000) >>> 0);
}

/** SDM §4.4.2: PDPTE i at CR3[31:5] + 8*i, i = VA[31:30]. */
export function pdpteAddress(pdpt: number, va: number): number {
  return pdpt + 8 * (va >>> 30);
}

/** PDE address = PDPTE frame + 8 * VA[29:21]. */
export function pdeAddress(mem: PhysicalMemory, pdpt: number, va: number): number {
  const a = pdpteAddress(pdpt, va);
  return frameOf(mem.read32(a), mem.read32(a + 4)) + 8 * ((va >>> 21) & 0x1ff);
}

/** PTE address = PDE frame + 8 * VA[20:12]. */
export function pteAddress(mem: PhysicalMemory, pdpt: number, va: number): number {
  const a = pdeAddress(mem, pdpt, va);
  return frameOf(mem.read32(a), mem.read32(a + 4)) + 8 * ((va >>> 12) & 0x1ff);
}

/** Puts a processor into a paged space the way [00043] does: load CR3, then turn paging on. */
export function enterSpace(machine: Machine, cpu: Processor, space: string): void {
  const s = machine.space(space);
  assert.ok(s && s.pdpt !== null, `${space} is a paged space`);
  assert.equal(cpu.writeCr3(s.pdpt), null);
  if (!cpu.paging) assert.equal(cpu.writeCr0(CR0_PE | CR0_PG), null);
}

export function layoutOf(spec: unknown): Layout {
  const r = validateLayout(spec);
  if (!r.ok) assert.fail(`layout should be valid: ${JSON.stringify(r.problems)}`);
  return r.layout;
}

/** Every touched page and a hash of its bytes: equal digests mean equal memory. */
export function memoryDigest(mem: PhysicalMemory): { pages: number[]; hash: string; touched: number } {
  const pages = mem.touchedPages();
  const h = createHash('sha256');
  const buf = new Uint8Array(4096);
  for (const pfn of pages) {
    h.update(String(pfn));
    h.update(mem.readBytes(pfn * 4096, 4096, buf));
  }
  return { pages, hash: h.digest('hex'), touched: mem.pagesTouched };
}

/** The patent's FIG. 5 layout spec as plain mutable JSON, for variants. */
export function patentSpec(): {
  name: string;
  chunks: { name: string; base: string; size: string; purpose?: string }[];
  spaces: { name: string; paging?: boolean; map?: Record<string, unknown>[] }[];
  pageTables: { base: string; size: string };
  volumes?: { name: string; blockSize: number; blocks: number }[];
} {
  return {
    name: 'patent',
    chunks: [
      { name: 'C1', base: '0x0', size: '512M' },
      { name: 'C2', base: '0x2000_0000', size: '3.25G' },
      { name: 'C3', base: '0xF000_0000', size: '256M' },
      { name: 'C4', base: '0x1_0000_0000', size: '3.25G' },
      { name: 'C5', base: '0x1_D000_0000', size: '3.25G' },
    ],
    spaces: [
      { name: 'VS0', paging: false },
      { name: 'VS1', map: [{ va: '0x0', chunk: 'C1', global: true }, { va: '0x2000_0000', chunk: 'C4' }, { va: '0xF000_0000', chunk: 'C3', global: true }] },
      { name: 'VS2', map: [{ va: '0x0', chunk: 'C1', global: true }, { va: '0x2000_0000', chunk: 'C5' }, { va: '0xF000_0000', chunk: 'C3', global: true }] },
    ],
    pageTables: { base: '0xEF00_0000', size: '16M' },
  };
}
