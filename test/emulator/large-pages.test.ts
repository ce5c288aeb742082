// 2 MiB pages: a PDE with PS (SDM 4.4.2, Table 4-9): frame = PDE bits 35..21, offset = VA bits 20..0,
// bit 12 is PAT, bits 20..13 are reserved.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine, TLB_LARGE, listTlb, translate, whereIs, validateLayout } from '../../emulator/index';
import { A, D, P, PS, RW, enterSpace, layoutOf, pdeAddress } from './helpers';

const LAYOUT = layoutOf({
  chunks: [
    { name: 'LOW', base: '0', size: '16M' },
    { name: 'TBL', base: '0x100_0000', size: '1M' },
    { name: 'BIG', base: '0x1_0000_0000', size: '64M' },
  ],
  spaces: [
    { name: 'VS0', paging: false },
    { name: 'VSL', map: [{ va: '0', chunk: 'LOW', pageSize: '2M' }, { va: '0x4000_0000', chunk: 'BIG', pageSize: '2M' }] },
  ],
  pageTables: { base: '0x100_0000', size: '1M' },
});

function setup() {
  const m = new Machine({ layout: LAYOUT, cpus: 1 });
  return { m, cpu: m.processors[0], pdpt: m.space('VSL')!.pdpt! };
}

test('a layout mapping with pageSize 2M translates through a PS PDE (two levels)', () => {
  const { m } = setup();
  const t = translate(m, { space: 'VSL' }, 0x0030_1234);
  assert.equal(t.pa, 0x0030_1234);
  assert.equal(t.pageSize, 2 * 1024 * 1024);
  assert.deepEqual(t.levels.map((l) => l.level), ['PDPTE', 'PDE']);
  assert.ok(t.levels[1].flags.includes('PS'));
  // VA 0x4060_0ABC: PDPTE 1, PD index 3 -> BIG + 3 * 2M = 0x1_0060_0000, + 0xABC.
  const t2 = translate(m, { space: 'VSL' }, 0x4060_0abc);
  assert.equal(t2.pa, 0x1_0060_0abc);
  assert.equal(t2.chunk?.name, 'BIG');
  assert.equal(t2.levels[1].target, 0x1_0060_0000);
  assert.deepEqual(whereIs(m, 0x1_0060_0abc).map((x) => [x.space, x.va, x.level]), [['VSL', 0x4060_0abc, 'PDE']]);
});

test('a hand-written PS PDE above 4 GiB: PA = bits 35..21 of the PDE | VA bits 20..0', () => {
  const { m, cpu, pdpt } = setup();
  // PD index 100 of the second GiB: VA 0x4000_0000 + 100 * 2M = 0x4C80_0000.
  const va = 0x4c81_2345; // offset in the 2 MiB page: 0x1_2345
  const pde = pdeAddress(m.memory, pdpt, va);
  m.memory.write32(pde, 0x0440_0000 | P | RW | PS);
  m.memory.write32(pde + 4, 0x3); // frame 0x3_0440_0000
  assert.equal(translate(m, { space: 'VSL' }, va).pa, 0x3_0441_2345);
  enterSpace(m, cpu, 'VSL');
  assert.equal(cpu.translateRead(va), 0x3_0441_2345);
  assert.equal(cpu.translateRead(0x4c9f_ffff), 0x3_045f_ffff, 'last byte of the 2 MiB page');
  assert.equal(m.memory.read32(pde) & (A | D), A, 'a read sets A, not D');
  assert.equal(cpu.translateWrite(va), 0x3_0441_2345);
  assert.equal(m.memory.read32(pde) & (A | D), A | D, 'a write sets D in the PS PDE (the leaf)');

  // Bit 12 is PAT: allowed, and not part of the frame.
  m.memory.write32(pde, 0x0440_0000 | P | RW | PS | 0x1000);
  assert.equal(translate(m, { space: 'VSL' }, va).pa, 0x3_0441_2345);
  // Bits 20..13 are reserved: each one alone faults with RSVD | P.
  for (let bit = 13; bit <= 20; bit++) {
    m.memory.write32(pde, (0x0440_0000 | P | RW | PS | (1 << bit)) >>> 0);
    const t = translate(m, { space: 'VSL' }, va);
    assert.equal(t.ok, false, `bit ${bit} is reserved`);
    assert.equal(t.fault?.reason, 'reserved-bit');
    assert.equal(t.fault?.level, 'PDE');
    assert.equal(t.fault?.errorCode, 9);
    cpu.invlpg(va);
    assert.equal(cpu.translateRead(va), -1);
    assert.equal(cpu.lastFault?.errorCode, 9);
  }
  // Bit 21 is a frame bit: 0x0440_0000 | 0x20_0000 = 0x0460_0000.
  m.memory.write32(pde, 0x0460_0000 | P | RW | PS);
  cpu.invlpg(va);
  assert.equal(cpu.translateRead(va), 0x3_0461_2345);
});

test('INVLPG of any address in a 2 MiB page drops every TLB piece of it', () => {
  const { m, cpu } = setup();
  enterSpace(m, cpu, 'VSL');
  // Three 4 KiB pieces of the 2 MiB page 0x40_0000..0x5F_FFFF, and one of the next page.
  for (const va of [0x40_0000, 0x40_1000, 0x5f_f000, 0x60_0000]) assert.equal(cpu.translateRead(va), va);
  for (const e of listTlb(m, 0).entries) assert.equal(e.flags.large, true);
  assert.equal(cpu.tlb.flags[cpu.tlb.probe(0x400)] & TLB_LARGE, TLB_LARGE);
  cpu.invlpg(0x5a_bcde); // a page of the 2 MiB page that the TLB does not even hold
  assert.equal(cpu.tlb.probe(0x400), -1);
  assert.equal(cpu.tlb.probe(0x401), -1);
  assert.equal(cpu.tlb.probe(0x5ff), -1);
  assert.notEqual(cpu.tlb.probe(0x600), -1, 'the next 2 MiB page stays');
  assert.equal(cpu.tlb.counters.invalidated, 3);
});

test('2M mappings must be 2 MiB aligned in VA, offset, size and PA', () => {
  const r = validateLayout({
    chunks: [{ name: 'LOW', base: '0', size: '16M' }, { name: 'ODD', base: '0x100_1000', size: '4M' }],
    spaces: [{ name: 'VSL', map: [{ va: '0x1000', chunk: 'LOW', size: '2M', pageSize: '2M' }, { va: '0x4000_0000', chunk: 'ODD', pageSize: '2M' }, { va: '0x8000_0000', chunk: 'LOW', pageSize: '1G' }] }],
    pageTables: { base: '0', size: '1M' },
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const msgs = r.problems.map((p) => `${p.path}: ${p.message}`);
  assert.ok(msgs.some((x) => /spaces\[0\]\.map\[0\]: va 0x1000 .* not 2 MiB aligned/.test(x)), msgs.join('\n'));
  assert.ok(msgs.some((x) => /spaces\[0\]\.map\[1\]: physical address 0x100_1000 .* not 2 MiB aligned/.test(x)), msgs.join('\n'));
  assert.ok(msgs.some((x) => /spaces\[0\]\.map\[2\]\.pageSize/.test(x)), msgs.join('\n'));
});
