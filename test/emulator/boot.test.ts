// The boot builder: [00040]'s paging structures, shared page tables for the common chunks, entry values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine, LayoutError, PhysicalMemory, buildPageTables, pagingEntries, translate, whereIs } from '../../emulator/index';
import { P, PS, RW, US, G, VS1_PDPT, VS2_PDPT, frameOf, layoutOf, memoryDigest, pdeAddress, pteAddress, patentSpec } from './helpers';

test('[00040] counts: 2 PDPTs, 8 page directories, 3712 page tables (4096 without sharing)', () => {
  // Each paged 4 GiB space: 1 PDPT ("page directory" in the patent), 4 page directories (one per 1 GiB,
  // the patent's "page middle directories"), 4 GiB / 2 MiB = 2048 page tables. Two spaces: 2, 8, 4096.
  // C1 (512M / 2M = 256 tables) and C3 (256M / 2M = 128 tables) sit at the same VAs with the same flags
  // in VS1 and VS2, so VS2 reuses them: 2 * 2048 - (256 + 128) = 4096 - 384 = 3712.
  const m = new Machine({ cpus: 1 });
  const c = m.bootCounts;
  assert.equal(c.pdpts, 2);
  assert.equal(c.pageDirectories, 8);
  assert.equal(c.pageTables, 3712);
  assert.equal(c.pageTablesUnshared, 4096);
  assert.equal(c.sharedPageTableUses, 384);
  // Pages used: one page holds both 32-byte PDPTs, then 8 directories and 3712 tables.
  assert.equal(c.bytesUsed, (1 + 8 + 3712) * 4096);
});

test('PDPTs sit first in the page-table area in C2, below 4 GiB; every structure lies in the area', () => {
  const m = new Machine({ cpus: 1 });
  assert.equal(m.space('VS0')!.pdpt, null);
  assert.equal(m.space('VS1')!.pdpt, VS1_PDPT);
  assert.equal(m.space('VS2')!.pdpt, VS2_PDPT);
  const areaStart = 0xef00_0000, areaEnd = 0xf000_0000; // 16M at 0xEF00_0000, inside C2 [0x2000_0000, 0xF000_0000)
  for (const space of ['VS1', 'VS2']) {
    const { entries } = pagingEntries(m, space);
    // 4 PDPTEs + 4 * 512 PDEs + 2048 * 512 PTEs, every one non-zero in the patent layout.
    assert.equal(entries.length, 4 + 4 * 512 + 2048 * 512);
    for (const e of entries) assert.ok(e.pa >= areaStart && e.pa < areaEnd, `entry at ${e.pa.toString(16)} inside the area`);
  }
});

test('C1 and C3 page tables are shared between VS1 and VS2; the middle chunk tables are not', () => {
  const m = new Machine({ cpus: 1 });
  const mem = m.memory;
  const ptOf = (pdpt: number, va: number) => {
    const a = pdeAddress(mem, pdpt, va);
    return frameOf(mem.read32(a), mem.read32(a + 4));
  };
  for (const va of [0x0, 0x1fe0_0000, 0xf000_0000, 0xffe0_0000]) assert.equal(ptOf(VS1_PDPT, va), ptOf(VS2_PDPT, va), `shared table for ${va.toString(16)}`);
  for (const va of [0x2000_0000, 0xefe0_0000]) assert.notEqual(ptOf(VS1_PDPT, va), ptOf(VS2_PDPT, va), `separate table for ${va.toString(16)}`);
  // The page directories themselves are per space (8 of them).
  assert.notEqual(pdeAddress(mem, VS1_PDPT, 0), pdeAddress(mem, VS2_PDPT, 0));
});

test('entry values: PDPTE = PD | P; PDE = PT | P RW US; PTE = frame | flags with PA bits 35..32 in the high half', () => {
  const m = new Machine({ cpus: 1 });
  const mem = m.memory;
  // PDPTEs: only P (bits 2..1 and 8..5 are reserved in PAE PDPTEs).
  for (let i = 0; i < 4; i++) assert.equal(mem.read32(VS1_PDPT + 8 * i) & 0xfff, P);
  assert.equal(mem.read32(pdeAddress(mem, VS1_PDPT, 0x2000_0000)) & 0xfff, P | RW | US);
  const pte = (pdpt: number, va: number) => { const a = pteAddress(mem, pdpt, va); return [mem.read32(a), mem.read32(a + 4)]; };
  // VS1 0x2000_0000 -> C4 0x1_0000_0000: lo = 0x0000_0000 | P RW US = 0x7, hi = 1.
  assert.deepEqual(pte(VS1_PDPT, 0x2000_0000), [0x7, 0x1]);
  // VS2 0xEFFF_F000 -> C5 0x2_9FFF_F000: lo = 0x9FFF_F000 | 7, hi = 2.
  assert.deepEqual(pte(VS2_PDPT, 0xefff_f000), [0x9fff_f007, 0x2]);
  // C1 and C3 are global: VA 0x1000 -> lo = 0x1000 | G | 7 = 0x1107; 0xFFFF_F000 -> 0xFFFF_F107.
  assert.deepEqual(pte(VS1_PDPT, 0x1000), [0x1107, 0]);
  assert.deepEqual(pte(VS2_PDPT, 0xffff_f000), [0xffff_f107, 0]);
});

test('a 2M mapping becomes PS PDEs; flags follow the mapping', () => {
  const layout = layoutOf({
    chunks: [{ name: 'LOW', base: '0', size: '16M' }, { name: 'TBL', base: '0x100_0000', size: '1M' }, { name: 'BIG', base: '0x1_0000_0000', size: '8M' }],
    spaces: [{ name: 'VSL', map: [
      { va: '0', chunk: 'LOW', pageSize: '2M', global: true, writable: false },
      { va: '0x4000_0000', chunk: 'BIG', pageSize: '2M', user: false },
    ] }],
    pageTables: { base: '0x100_0000', size: '1M' },
  });
  const m = new Machine({ layout, cpus: 1 });
  const pdpt = m.space('VSL')!.pdpt!;
  const pde = (va: number) => { const a = pdeAddress(m.memory, pdpt, va); return [m.memory.read32(a), m.memory.read32(a + 4)]; };
  // VA 0x20_0000 (PD index 1) -> PA 0x20_0000: P | US | PS | G (read-only) = 0x20_0000 | 0x185.
  assert.deepEqual(pde(0x20_0000), [0x20_0000 | P | US | PS | G, 0]);
  // VA 0x4060_0000 (PDPTE 1, PD index 3) -> PA 0x1_0060_0000: P | RW | PS = 0x0060_0083, hi 1.
  assert.deepEqual(pde(0x4060_0000), [0x60_0000 | P | RW | PS, 1]);
  assert.equal(m.bootCounts.pageTables, 0);
  assert.equal(m.bootCounts.pageDirectories, 2);
});

test('a 2 MiB region whose frames cross the 4 GiB physical line keeps bits 35..32 right', () => {
  // Chunk X starts 1 MiB below 4 GiB and is mapped at VA 0, so the one page table for VA [0, 2M) lists
  // frames 0xFFF0_0000 .. 0xFFFF_F000 and then 0x1_0000_0000 .. 0x1_000F_F000: the PTE for VA 0x10_0000
  // must hold lo = 0x0000_0000 | flags, hi = 1 (not PA 0).
  const layout = layoutOf({
    chunks: [{ name: 'TBL', base: '0x100_0000', size: '1M' }, { name: 'X', base: '0xFFF0_0000', size: '2M' }],
    spaces: [{ name: 'VSX', map: [{ va: '0', chunk: 'X' }] }],
    pageTables: { base: '0x100_0000', size: '1M' },
  });
  const m = new Machine({ layout, cpus: 1 });
  assert.equal(translate(m, { space: 'VSX' }, 0x0f_f000).pa, 0xffff_f000);
  assert.equal(translate(m, { space: 'VSX' }, 0x10_0000).pa, 0x1_0000_0000);
  assert.equal(translate(m, { space: 'VSX' }, 0x1f_fabc).pa, 0x1_000f_fabc);
  assert.deepEqual(whereIs(m, 0x1_0000_0000).map((x) => [x.space, x.va]), [['VSX', 0x10_0000]]);
  assert.deepEqual(whereIs(m, 0).map((x) => [x.space, x.va]), []);
});

test('a page-table area too small for the layout is a clear LayoutError', () => {
  const spec = patentSpec();
  spec.pageTables = { base: '0xEF00_0000', size: '1M' };
  const layout = layoutOf(spec);
  assert.throws(() => buildPageTables(new PhysicalMemory(), layout), (e: unknown) => {
    assert.ok(e instanceof LayoutError);
    assert.equal(e.problems[0].path, 'pageTables.size');
    assert.match(e.message, /too small/);
    return true;
  });
  assert.throws(() => new Machine({ layout }), LayoutError);
});

/**
 * Mappings that cover 2 MiB regions in part (windows at 4 KiB offsets, two mappings in one region, a
 * mapping's tail and the next one's head in one region), 2 MiB pages, a chunk mapped twice, and whole
 * regions whose tables another space already has for only part of a run (fresh, shared, fresh).
 */
const MIXED_SPEC = {
  chunks: [
    { name: 'TBL', base: '0x100_0000', size: '4M' }, { name: 'A', base: '0x20_0000', size: '12M' },
    { name: 'B', base: '0x1_0000_3000', size: '64M' }, { name: 'D', base: '0xF_0000_0000', size: '8M' },
  ],
  spaces: [
    { name: 'S1', map: [
      { va: '0x1000', chunk: 'A', size: '0x5000' },
      { va: '0x7000', chunk: 'B', offset: '0x1000', size: '0x3000', writable: false },
      { va: '0x30_0000', chunk: 'A', offset: '0x1000', size: '5M' },
      { va: '0x80_0000', chunk: 'A', size: '4M', global: true },
      { va: '0x3FF0_0000', chunk: 'B', size: '3M', user: false },
      { va: '0x8000_0000', chunk: 'D', pageSize: '2M' },
      { va: '0x8080_0000', chunk: 'A', size: '6M' },
      { va: '0xC000_0000', chunk: 'B', offset: '0x1FF000', size: '20M' },
    ] },
    { name: 'S0', paging: false },
    { name: 'S2', map: [
      { va: '0x80_0000', chunk: 'A', size: '4M', global: true },
      { va: '0x100_0000', chunk: 'A', size: '2M', global: true },
      { va: '0x1000', chunk: 'A', size: '0x5000' },
      { va: '0x2000_0000', chunk: 'B', offset: '0x1FF000', size: '8M' },
      { va: '0x4000_0000', chunk: 'A', offset: '0x1000', size: '5M' },
      { va: '0xFFE0_0000', chunk: 'D', size: '2M' },
    ] },
    { name: 'S5', map: [{ va: '0x4000_0000', chunk: 'A', offset: '4M', size: '2M', writable: false }] },
    { name: 'S6', map: [
      { va: '0', chunk: 'A', size: '12M', writable: false },
      { va: '0xC0_1000', chunk: 'B', size: '3M' },
      { va: '0xF0_1000', chunk: 'A', size: '1M' },
      { va: '0x1000_0000', chunk: 'D', size: '4M', pageSize: '2M', user: false },
      { va: '0x1040_0000', chunk: 'D', offset: '4M', size: '4M' },
    ] },
    { name: 'S3', map: [{ va: '0', chunk: 'A', size: '12M', global: true }, { va: '0xC000_0000', chunk: 'B', size: '64M', user: false }] },
  ],
  pageTables: { base: '0x100_0000', size: '4M' },
};

test('the paging structures are byte for byte those of a builder that wrote every region in turn', () => {
  // Digests of every page of the page-table area, taken from the builder that visited each 2 MiB
  // region of each space in order and wrote its entries one by one.
  const patent = new Machine({ cpus: 1 });
  assert.equal(memoryDigest(patent.memory).hash, 'fc527dd1053fc1e0455cb127103b594c660b3e62d51bea90a0055e06b976e495');
  const mixed = new Machine({ layout: layoutOf(MIXED_SPEC), cpus: 1 });
  assert.deepEqual(mixed.bootCounts, { pdpts: 5, pageDirectories: 11, pageTables: 73, sharedPageTableUses: 10, pageTablesUnshared: 83, bytesUsed: 85 * 4096 });
  assert.equal(memoryDigest(mixed.memory).hash, '9d4bed8e3bbe6d0728c4d9e1604851f93007a524bba8f8fefe8e0c181894c712');
  // Walked through: every page of every mapping lands where the layout says.
  for (const s of mixed.layout.spaces.filter((x) => x.paging)) {
    for (const m of s.mappings) {
      for (let off = 0; off < m.size; off += 4096) assert.equal(translate(mixed, { space: s.name }, m.va + off).pa, m.pa + off);
    }
  }
  // The area needs exactly the pages counted: one fewer is too small.
  const fits = { ...MIXED_SPEC, pageTables: { base: '0x100_0000', size: String(85 * 4096) } };
  assert.equal(new Machine({ layout: layoutOf(fits), cpus: 1 }).bootCounts.bytesUsed, 85 * 4096);
  const short = { ...MIXED_SPEC, pageTables: { base: '0x100_0000', size: String(84 * 4096) } };
  assert.throws(() => new Machine({ layout: layoutOf(short), cpus: 1 }), LayoutError);
});
