// The PAE walk itself: entries read from the addresses the SDM says, paging structures above 4 GiB,
// Accessed and Dirty bits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine, translate, walk, WalkOut, PhysicalMemory, type WalkLevel } from '../../emulator/index';
import { A, D, G, P, RW, US, VS1_PDPT, enterSpace, frameOf, layoutOf, pdeAddress, pteAddress } from './helpers';

test('the walk reads each level at base + 8 * index and builds PA = frame | offset (SDM 4.4.2)', () => {
  // A hand-built three-level structure in bare memory: PDPT at 0x1000, PD at 0x2000, PT at 0x3000.
  const mem = new PhysicalMemory();
  const va = 0x4060_5abc; // PDPT index 1, PD index (0x4060_5abc >> 21) & 0x1ff = 0x203 & 0x1ff = 3, PT index 5, offset 0xabc
  mem.write32(0x2000 + 3 * 8, 0x3000 | P | RW | US);
  mem.write32(0x3000 + 5 * 8, 0x7654_3000 | P | RW | US);
  mem.write32(0x3000 + 5 * 8 + 4, 0x9); // PA bits 35..32 = 9
  const pdptes = { lo: [0, 0x2000 | P, 0, 0], hi: [0, 0, 0, 0], base: 0x1000 };
  const out = new WalkOut();
  const trace: WalkLevel[] = [];
  assert.equal(walk(mem, pdptes, va, { write: false, user: false, wp: false, sideEffects: false }, out, trace), true);
  assert.equal(out.pa, 0x9_7654_3abc);
  assert.equal(out.frameBase, 0x9_7654_3000);
  assert.deepEqual(trace.map((l) => [l.level, l.index, l.entryAddress]), [['PDPTE', 1, 0x1008], ['PDE', 3, 0x2018], ['PTE', 5, 0x3028]]);
});

test('page directory and page table above 4 GiB, reached through a 36-bit frame (not truncated to 32 bits)', () => {
  const m = new Machine({ cpus: 1 });
  const mem = m.memory;
  // VS1's PDPTE 1 covers VA 0x4000_0000..0x7FFF_FFFF; point it at a PD written by hand in C4.
  const pd = 0x1_8000_0000, pt = 0x1_8000_1000, target = 0x2_0000_0000;
  mem.write32(VS1_PDPT + 8, (pd % 2 ** 32) | P); // lo = 0x8000_0001
  mem.write32(VS1_PDPT + 12, 1); // hi = PA bits 35..32 = 1
  mem.write32(pd + 0 * 8, (pt % 2 ** 32) | P | RW | US);
  mem.write32(pd + 4, 1);
  mem.write32(pt + 0 * 8, (target % 2 ** 32) | P | RW | US);
  mem.write32(pt + 4, 2);
  // Decoys at the same addresses truncated to 32 bits (0x8000_0000, 0x8000_1000, in C2): a walk that
  // dropped bits 35..32 would follow them to 0x3000_0000.
  mem.write32(0x8000_0000, 0x8000_1000 | P | RW | US);
  mem.write32(0x8000_1000, 0x3000_0000 | P | RW | US);

  const t = translate(m, { space: 'VS1' }, 0x4000_0abc);
  assert.equal(t.ok, true);
  assert.equal(t.pa, 0x2_0000_0abc);
  assert.equal(t.chunk?.name, 'C5'); // 0x2_0000_0000 lies in C5 [0x1_D000_0000, 0x2_A000_0000)
  assert.equal(t.levels[1].entryAddress, pd);
  assert.equal(t.levels[2].entryAddress, pt);
  assert.equal(t.levels[0].target, pd);
  assert.equal(t.levels[1].target, pt);

  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1'); // loads the edited PDPTE into the PDPTE registers
  assert.equal(cpu.translateRead(0x4000_0abc), 0x2_0000_0abc);
  // The CPU's walk set A at the high addresses, not at the decoys.
  assert.equal(mem.read32(pd) & A, A);
  assert.equal(mem.read32(pt) & A, A);
  assert.equal(mem.read32(0x8000_0000) & A, 0);
  assert.equal(mem.read32(0x8000_1000) & A, 0);
});

test('a layout whose page-table area straddles 4 GiB: the boot builder puts directories and tables above it', () => {
  // PDPTs must be below 4 GiB (CR3 is 32 bits); the area starts one page below 4 GiB, so the PDPT page is
  // 0xFFFF_F000 and every page directory and table lands at 0x1_0000_0000 or above.
  const layout = layoutOf({
    chunks: [
      { name: 'LOW', base: '0', size: '16M' },
      { name: 'TBL', base: '0xFFFF_F000', size: '8M' },
      { name: 'HI', base: '0x3_0000_0000', size: '64M' },
    ],
    spaces: [{ name: 'VS0', paging: false }, { name: 'VSH', map: [{ va: '0', chunk: 'LOW' }, { va: '0x8000_0000', chunk: 'HI' }] }],
    pageTables: { base: '0xFFFF_F000', size: '8M' },
  });
  const m = new Machine({ layout, cpus: 1 });
  const pdpt = m.space('VSH')!.pdpt!;
  assert.equal(pdpt, 0xffff_f000);
  const t = translate(m, { space: 'VSH' }, 0x8012_3456);
  assert.equal(t.pa, 0x3_0012_3456);
  assert.ok(t.levels[1].entryAddress >= 2 ** 32, 'PDE read above 4 GiB');
  assert.ok(t.levels[2].entryAddress >= 2 ** 32, 'PTE read above 4 GiB');
  // A decoy PTE at the PTE's address truncated to 32 bits (in LOW) must not be used.
  const pte = t.levels[2].entryAddress;
  m.memory.write32(pte % 2 ** 32, 0x0000_5000 | P | RW);
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VSH');
  assert.equal(cpu.translateRead(0x8012_3456), 0x3_0012_3456);
  assert.equal(cpu.translateRead(0x0000_0010), 0x10);
});

test('a read sets A in the PDE and the PTE but not D; a write sets D in the PTE', () => {
  const m = new Machine({ cpus: 1 });
  const mem = m.memory;
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  const va = 0x2000_1000;
  const pdpte = VS1_PDPT, pde = pdeAddress(mem, VS1_PDPT, va), pte = pteAddress(mem, VS1_PDPT, va);
  const pdpteBefore = mem.read64(pdpte);
  assert.equal(mem.read32(pde) & (A | D), 0, 'boot leaves A and D clear');
  assert.equal(mem.read32(pte) & (A | D), 0);

  assert.equal(cpu.translateRead(va + 4), 0x1_0000_1004);
  assert.equal(mem.read32(pde) & A, A, 'read sets A in the PDE');
  assert.equal(mem.read32(pte) & A, A, 'read sets A in the PTE');
  assert.equal(mem.read32(pte) & D, 0, 'read leaves D clear');
  assert.equal(mem.read32(pde) & D, 0);
  assert.equal(mem.read64(pdpte), pdpteBefore, 'PAE PDPTEs have no A bit: untouched');
  assert.equal(frameOf(mem.read32(pte), mem.read32(pte + 4)), 0x1_0000_1000, 'the frame is not disturbed');

  // The TLB entry is clean, so the write walks again to set D: walks 1 -> 2.
  assert.equal(cpu.tlb.counters.walks, 1);
  assert.equal(cpu.translateWrite(va + 8), 0x1_0000_1008);
  assert.equal(cpu.tlb.counters.walks, 2, 'a write through a clean TLB entry walks');
  assert.equal(mem.read32(pte) & D, D, 'write sets D in the PTE');
  assert.equal(mem.read32(pde) & D, 0, 'D is a leaf bit only');
  // Now the entry is dirty: further writes need no walk.
  assert.equal(cpu.translateWrite(va + 12), 0x1_0000_100c);
  assert.equal(cpu.tlb.counters.walks, 2);

  // A second page whose PTE is already dirty in memory: the read fills a dirty entry, the write does not walk.
  const va2 = 0x2000_2000, pte2 = pteAddress(mem, VS1_PDPT, va2);
  mem.write32(pte2, mem.read32(pte2) | D);
  cpu.translateRead(va2);
  assert.equal(cpu.tlb.counters.walks, 3);
  cpu.translateWrite(va2);
  assert.equal(cpu.tlb.counters.walks, 3);
});

test('a write to a page never read sets A and D in one walk', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS2');
  const va = 0x3000_0000;
  const pte = pteAddress(m.memory, 0xef00_0020, va);
  assert.equal(cpu.translateWrite(va), 0x1_d000_0000 + 0x1000_0000);
  assert.equal(m.memory.read32(pte) & (A | D), A | D);
  assert.equal(cpu.tlb.counters.walks, 1);
});

test('global C1 pages carry G in the PTE; the walk reports it', () => {
  const m = new Machine({ cpus: 1 });
  const pte = pteAddress(m.memory, VS1_PDPT, 0x1000);
  // C1 is mapped global ([00038]'s common chunk): PTE = 0x1000 | G | US | RW | P = 0x1107.
  assert.equal(m.memory.read32(pte), 0x1107);
  const out = new WalkOut();
  const lo: number[] = [], hi: number[] = [];
  for (let i = 0; i < 4; i++) { lo.push(m.memory.read32(VS1_PDPT + 8 * i)); hi.push(m.memory.read32(VS1_PDPT + 8 * i + 4)); }
  walk(m.memory, { lo, hi, base: VS1_PDPT }, 0x1000, { write: false, user: false, wp: false, sideEffects: false }, out, null);
  assert.equal(out.global, true);
  walk(m.memory, { lo, hi, base: VS1_PDPT }, 0x2000_0000, { write: false, user: false, wp: false, sideEffects: false }, out, null);
  assert.equal(out.global, false);
  assert.equal(G, 0x100);
});
