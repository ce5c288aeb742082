// Geometry of the patent layout ([00034]-[00038], FIG. 5) at every chunk boundary, in VS0, VS1 and VS2,
// both by the debugger's walk (inspect.translate) and by a processor running in the space.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine, translate, vaIndices, CR0_PG } from '../../emulator/index';
import { VS1_PDPT, VS2_PDPT, enterSpace } from './helpers';

// Chunks (FIG. 5): C1 [0, 512M), C2 [512M, 3.75G), C3 [3.75G, 4G), C4 [4G, 7.25G), C5 [7.25G, 10.5G).
// 512M = 0x2000_0000, 3.75G = 0xF000_0000, 4G = 0x1_0000_0000, 7.25G = 0x1_D000_0000.
// VS1/VS2 map VA [512M, 3.75G) linearly onto C4/C5, so VA v -> chunk base + (v - 0x2000_0000):
//   0xEFFF_F000 - 0x2000_0000 = 0xCFFF_F000  ->  C4: 0x1_CFFF_F000, C5: 0x1_D000_0000 + 0xCFFF_F000 = 0x2_9FFF_F000
//   0xEFFF_FFFF - 0x2000_0000 = 0xCFFF_FFFF  ->  C4: 0x1_CFFF_FFFF, C5: 0x2_9FFF_FFFF
// VS0 runs with paging off: PA = VA. C1 and C3 are common: the same PA in every space.
const EXPECTED: Record<string, [va: number, pa: number, chunk: string][]> = {
  VS0: [
    [0x1fff_f000, 0x1fff_f000, 'C1'], [0x1fff_ffff, 0x1fff_ffff, 'C1'],
    [0x2000_0000, 0x2000_0000, 'C2'], [0xefff_f000, 0xefff_f000, 'C2'], [0xefff_ffff, 0xefff_ffff, 'C2'],
    [0xf000_0000, 0xf000_0000, 'C3'], [0xffff_ffff, 0xffff_ffff, 'C3'],
  ],
  VS1: [
    [0x1fff_f000, 0x1fff_f000, 'C1'], [0x1fff_ffff, 0x1fff_ffff, 'C1'],
    [0x2000_0000, 0x1_0000_0000, 'C4'], [0xefff_f000, 0x1_cfff_f000, 'C4'], [0xefff_ffff, 0x1_cfff_ffff, 'C4'],
    [0xf000_0000, 0xf000_0000, 'C3'], [0xffff_ffff, 0xffff_ffff, 'C3'],
  ],
  VS2: [
    [0x1fff_f000, 0x1fff_f000, 'C1'], [0x1fff_ffff, 0x1fff_ffff, 'C1'],
    [0x2000_0000, 0x1_d000_0000, 'C5'], [0xefff_f000, 0x2_9fff_f000, 'C5'], [0xefff_ffff, 0x2_9fff_ffff, 'C5'],
    [0xf000_0000, 0xf000_0000, 'C3'], [0xffff_ffff, 0xffff_ffff, 'C3'],
  ],
};

test('VA splits 2|9|9|12 ([00034])', () => {
  // 0xEFFF_F000 = 11 | 1_0111_1111 | 1_1111_1111 | 0000_0000_0000 -> 3, 0x17F = 383, 511, 0
  assert.deepEqual(vaIndices(0xefff_f000), { pdpt: 3, pd: 383, pt: 511, offset: 0 });
  // 0x2000_0000 = 00 | 1_0000_0000 | 0 | 0 -> PD index 256
  assert.deepEqual(vaIndices(0x2000_0000), { pdpt: 0, pd: 256, pt: 0, offset: 0 });
  // 0xF000_0000: bits 29..21 = 0x3000_0000 >> 21 = 0x180 = 384
  assert.deepEqual(vaIndices(0xf000_0000), { pdpt: 3, pd: 384, pt: 0, offset: 0 });
  assert.deepEqual(vaIndices(0xffff_ffff), { pdpt: 3, pd: 511, pt: 511, offset: 0xfff });
  assert.deepEqual(vaIndices(0x1fff_f000), { pdpt: 0, pd: 255, pt: 511, offset: 0 });
});

for (const space of ['VS0', 'VS1', 'VS2']) {
  test(`${space}: chunk boundaries by inspect.translate`, () => {
    const m = new Machine({ cpus: 1 });
    for (const [va, pa, chunk] of EXPECTED[space]) {
      const t = translate(m, { space }, va);
      assert.equal(t.ok, true, `${space} ${va.toString(16)} translates`);
      assert.equal(t.pa, pa, `${space} ${va.toString(16)} -> ${pa.toString(16)}, got ${t.pa?.toString(16)}`);
      assert.equal(t.chunk?.name, chunk, `${space} ${va.toString(16)} in ${chunk}`);
      assert.equal(t.paging, space !== 'VS0');
      if (space === 'VS0') {
        assert.equal(t.levels.length, 0, 'paging off walks no table');
      } else {
        // Three levels, and the PDPTE is read at CR3 + 8 * VA[31:30].
        assert.deepEqual(t.levels.map((l) => l.level), ['PDPTE', 'PDE', 'PTE']);
        const pdpt = space === 'VS1' ? VS1_PDPT : VS2_PDPT;
        assert.equal(t.cr3, pdpt);
        assert.equal(t.levels[0].entryAddress, pdpt + 8 * (va >>> 30));
        assert.equal(t.levels[1].index, (va >>> 21) & 0x1ff);
        assert.equal(t.levels[2].index, (va >>> 12) & 0x1ff);
        assert.equal(t.pageSize, 4096);
      }
    }
  });

  test(`${space}: chunk boundaries by a processor running in it`, () => {
    const m = new Machine({ cpus: 1 });
    const cpu = m.processors[0];
    if (space !== 'VS0') enterSpace(m, cpu, space);
    assert.equal(cpu.paging, space !== 'VS0');
    assert.equal((cpu.cr0 & CR0_PG) !== 0, space !== 'VS0');
    assert.equal(m.currentSpace(cpu)?.name, space);
    for (const [va, pa, chunk] of EXPECTED[space]) {
      assert.equal(cpu.translateRead(va), pa, `${space} read ${va.toString(16)}`);
      assert.equal(cpu.translateWrite(va), pa, `${space} write ${va.toString(16)}`);
      assert.equal(m.chunkAt(pa)?.name, chunk);
    }
    assert.equal(cpu.lastFault, null);
    // Data written through the VA is found at the PA (and only there: the truncated PA is untouched).
    const [va, pa] = EXPECTED[space][2];
    const before = m.memory.read32(pa % 2 ** 32);
    m.memory.write32(cpu.translateWrite(va + 0x10), 0xcafe_f00d);
    assert.equal(m.memory.read32(pa + 0x10), 0xcafe_f00d);
    if (pa >= 2 ** 32) assert.equal(m.memory.read32(pa % 2 ** 32), before);
  });
}

test('the same VA in VS1 and VS2 reaches the same common chunk PA but different middle chunks', () => {
  const m = new Machine({ cpus: 2 });
  const [a, b] = m.processors;
  enterSpace(m, a, 'VS1');
  enterSpace(m, b, 'VS2');
  // Each processor has its own CR3 ([00035]).
  assert.equal(a.cr3, VS1_PDPT);
  assert.equal(b.cr3, VS2_PDPT);
  assert.equal(a.translateRead(0x0000_1234), b.translateRead(0x0000_1234));
  assert.equal(a.translateRead(0xf123_4567), b.translateRead(0xf123_4567));
  assert.equal(a.translateRead(0x2000_1234), 0x1_0000_1234);
  assert.equal(b.translateRead(0x2000_1234), 0x1_d000_1234);
});
