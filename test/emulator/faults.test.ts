// Page faults: not-present at each level, reserved bits, write protection (CR0.WP), user/supervisor,
// CR2 and x86 error codes (SDM 4.7: bit 0 P, bit 1 W/R, bit 2 U/S, bit 3 RSVD).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CR0_PE, CR0_PG, CR0_WP, Machine, PF_P, PF_RSVD, PF_U, PF_W, translate, type Processor } from '../../emulator/index';
import { D, enterSpace, layoutOf, pdeAddress, pteAddress } from './helpers';

// VSF maps, in its first GiB only (PDPTEs 1..3 not present):
//   VA 0x0000_0000..0x000F_FFFF -> LOW (a 1 MiB window: PTEs 256..511 of that table not present)
//   VA 0x0040_0000..0x005F_FFFF -> RO  (read-only)          PD index 2
//   VA 0x0060_0000..0x007F_FFFF -> SUP (supervisor only)    PD index 3
//   PD index 1 and 4..511: not present
const LAYOUT = layoutOf({
  chunks: [
    { name: 'LOW', base: '0', size: '16M' },
    { name: 'RO', base: '0x100_0000', size: '2M' },
    { name: 'SUP', base: '0x120_0000', size: '2M' },
    { name: 'TBL', base: '0x200_0000', size: '1M' },
  ],
  spaces: [
    { name: 'VS0', paging: false },
    { name: 'VSF', map: [
      { va: '0', chunk: 'LOW', size: '1M' },
      { va: '0x40_0000', chunk: 'RO', writable: false },
      { va: '0x60_0000', chunk: 'SUP', user: false },
    ] },
  ],
  pageTables: { base: '0x200_0000', size: '1M' },
});

function setup(cr0Extra = 0): { m: Machine; cpu: Processor; pdpt: number } {
  const m = new Machine({ layout: LAYOUT, cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VSF');
  if (cr0Extra) assert.equal(cpu.writeCr0(CR0_PE | CR0_PG | cr0Extra), null);
  return { m, cpu, pdpt: m.space('VSF')!.pdpt! };
}

function expectFault(cpu: Processor, va: number, write: boolean, reason: string, level: string | null | undefined, errorCode: number): void {
  const pa = write ? cpu.translateWrite(va) : cpu.translateRead(va);
  assert.equal(pa, -1, `${write ? 'write' : 'read'} ${va.toString(16)} faults`);
  assert.equal(cpu.cr2, va, 'CR2 holds the faulting linear address');
  assert.equal(cpu.lastFault?.va, va);
  assert.equal(cpu.lastFault?.reason, reason);
  if (level !== undefined) assert.equal(cpu.lastFault?.level, level);
  assert.equal(cpu.lastFault?.errorCode, errorCode, `error code for ${reason}`);
  assert.equal(cpu.lastFault?.write, write);
}

test('error code bits are the x86 ones', () => {
  assert.deepEqual([PF_P, PF_W, PF_U, PF_RSVD], [1, 2, 4, 8]);
});

test('not present at the PDPTE, the PDE and the PTE; error code P=0, W and U as the access', () => {
  const { cpu } = setup();
  expectFault(cpu, 0x4000_0123, false, 'not-present', 'PDPTE', 0);
  expectFault(cpu, 0xc000_0000, true, 'not-present', 'PDPTE', PF_W); // 2
  expectFault(cpu, 0x0080_0010, false, 'not-present', 'PDE', 0);
  expectFault(cpu, 0x0020_0000, false, 'not-present', 'PDE', 0);
  expectFault(cpu, 0x0010_0000, false, 'not-present', 'PTE', 0); // first VA past the 1 MiB window
  expectFault(cpu, 0x001f_fffc, true, 'not-present', 'PTE', PF_W);
  cpu.setCpl(3);
  expectFault(cpu, 0x0080_0010, true, 'not-present', 'PDE', PF_W | PF_U); // 6
  expectFault(cpu, 0x0010_0000, false, 'not-present', 'PTE', PF_U); // 4
  // Mapped pages still work, at CPL 3 too (LOW is user, writable).
  assert.equal(cpu.translateWrite(0x000f_f004), 0x000f_f004);
  // A fault fills nothing.
  assert.equal(cpu.tlb.probe(0x100), -1);
});

test('write protection: supervisor writes to a read-only page succeed with CR0.WP=0 and fault with WP=1', () => {
  const { m, cpu, pdpt } = setup();
  assert.equal(cpu.translateWrite(0x40_0010), 0x100_0010);
  assert.equal(m.memory.read32(pteAddress(m.memory, pdpt, 0x40_0000)) & D, D, 'the supervisor write set D');
  assert.equal(cpu.writeCr0(CR0_PE | CR0_PG | CR0_WP), null);
  // A page never cached: the walk faults. P=1 (protection), W=1: 3.
  expectFault(cpu, 0x40_1000, true, 'write-protect', undefined, PF_P | PF_W);
  // A page cached by a read: the TLB entry says read-only, so the write faults without a walk, and the
  // entry is dropped (SDM 4.10.4.1: a page fault invalidates the faulting address's entries).
  assert.equal(cpu.translateRead(0x40_2000), 0x100_2000);
  assert.notEqual(cpu.tlb.probe(0x402), -1);
  // The page written above with WP=0 is cached read-only (and dirty): with WP=1 the cached entry faults.
  expectFault(cpu, 0x40_2008, true, 'write-protect', undefined, PF_P | PF_W);
  assert.equal(cpu.tlb.probe(0x402), -1);
  expectFault(cpu, 0x40_0010, true, 'write-protect', undefined, 3);
  // Reads of read-only pages are fine.
  assert.equal(cpu.translateRead(0x40_0010), 0x100_0010);
});

test('user mode: writes to read-only pages fault whatever CR0.WP; supervisor pages fault on any access', () => {
  const { cpu } = setup();
  cpu.setCpl(3);
  assert.equal(cpu.translateRead(0x40_0000), 0x100_0000, 'user may read a user read-only page');
  expectFault(cpu, 0x40_0000, true, 'write-protect', undefined, PF_P | PF_W | PF_U); // 7
  expectFault(cpu, 0x60_0000, false, 'user-supervisor', undefined, PF_P | PF_U); // 5
  expectFault(cpu, 0x60_0ff0, true, 'user-supervisor', undefined, PF_P | PF_W | PF_U); // 7
  cpu.setCpl(0);
  assert.equal(cpu.translateRead(0x60_0000), 0x120_0000, 'supervisor may');
  assert.equal(cpu.translateWrite(0x60_0000), 0x120_0000);
  // Now the supervisor page is cached (dirty, writable): CPL 3 must still fault through the cached entry.
  cpu.setCpl(3);
  expectFault(cpu, 0x60_0000, false, 'user-supervisor', undefined, PF_P | PF_U);
  cpu.setCpl(0);
  cpu.translateWrite(0x60_0000);
  cpu.setCpl(3);
  expectFault(cpu, 0x60_0004, true, 'user-supervisor', undefined, PF_P | PF_W | PF_U);
});

test('reserved bits 63..36 in a PDE or PTE: RSVD | P, plus W and U as the access', () => {
  const { m, cpu, pdpt } = setup();
  const pde = pdeAddress(m.memory, pdpt, 0x1000);
  m.memory.write32(pde + 4, 0x10); // bit 36
  expectFault(cpu, 0x1000, false, 'reserved-bit', 'PDE', PF_RSVD | PF_P); // 9
  expectFault(cpu, 0x1000, true, 'reserved-bit', 'PDE', PF_RSVD | PF_P | PF_W); // 0xB
  cpu.setCpl(3);
  expectFault(cpu, 0x1000, true, 'reserved-bit', 'PDE', PF_RSVD | PF_P | PF_W | PF_U); // 0xF
  cpu.setCpl(0);
  m.memory.write32(pde + 4, 0);
  const pte = pteAddress(m.memory, pdpt, 0x2000);
  m.memory.write32(pte + 4, 0x8000_0000); // bit 63 (XD is reserved without EFER.NXE)
  expectFault(cpu, 0x2000, false, 'reserved-bit', 'PTE', 9);
  m.memory.write32(pte + 4, 0x0100_0000); // bit 56
  expectFault(cpu, 0x2000, false, 'reserved-bit', 'PTE', 9);
  // Bits 35..32 are frame bits, not reserved.
  m.memory.write32(pte + 4, 0xf);
  assert.equal(cpu.translateRead(0x2000), 0xf_0000_2000);
  // Reserved bits of a not-present entry are ignored: plain not-present.
  const pte3 = pteAddress(m.memory, pdpt, 0x3000);
  m.memory.write32(pte3, 0x3000);
  m.memory.write32(pte3 + 4, 0xffff_fff0);
  expectFault(cpu, 0x3000, false, 'not-present', 'PTE', 0);
});

test('the debugger reports the same faults and error codes without raising them', () => {
  const { m, cpu } = setup();
  const cases: [va: number, opts: { write?: boolean; user?: boolean }, reason: string, code: number][] = [
    [0x4000_0000, {}, 'not-present', 0],
    [0x0080_0000, { write: true, user: true }, 'not-present', 6],
    [0x0040_0000, { write: true, user: true }, 'write-protect', 7],
    [0x0060_0000, { user: true }, 'user-supervisor', 5],
  ];
  for (const [va, opts, reason, code] of cases) {
    const t = translate(m, { space: 'VSF' }, va, opts);
    assert.equal(t.ok, false);
    assert.equal(t.fault?.reason, reason);
    assert.equal(t.fault?.errorCode, code);
  }
  assert.equal(cpu.cr2, 0, 'inspection leaves CR2 alone');
  assert.equal(cpu.lastFault, null);
});
