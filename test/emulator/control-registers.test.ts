// CR0, CR3 and CR4: what each write flushes, global pages, PDPTE loading and #GP (SDM 4.4.1, 4.10.4.1).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CR0_CD, CR0_NW, CR0_PE, CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_RESERVED, CR4_SMEP, Machine, TLB_GLOBAL } from '../../emulator/index';
import { VS1_PDPT, VS2_PDPT, enterSpace } from './helpers';

const vpn = (va: number) => va >>> 12;
const held = (cpu: { tlb: { probe(v: number): number } }, va: number) => cpu.tlb.probe(vpn(va)) >= 0;

test('reset state: paging off (VS0), PAE and PGE set; paging on needs CR3 then CR0.PG', () => {
  const m = new Machine({ cpus: 2 });
  for (const cpu of m.processors) {
    assert.equal(cpu.paging, false);
    assert.equal(cpu.cr0 & CR0_PG, 0);
    assert.equal(cpu.cr4 & (CR4_PAE | CR4_PGE), CR4_PAE | CR4_PGE);
    assert.equal(m.currentSpace(cpu)?.name, 'VS0');
  }
  const cpu = m.processors[0];
  assert.equal(cpu.writeCr3(VS1_PDPT), null);
  assert.equal(m.currentSpace(cpu)?.name, 'VS0', 'CR3 alone does not turn paging on');
  assert.equal(cpu.writeCr0(CR0_PE | CR0_PG), null);
  assert.equal(m.currentSpace(cpu)?.name, 'VS1');
  assert.equal(m.currentSpace(m.processors[1])?.name, 'VS0', 'the other processor is unaffected');
});

test('global pages survive a CR3 load; non-global ones do not', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  cpu.translateRead(0x1000); // C1: global
  cpu.translateRead(0xf000_1000); // C3: global
  cpu.translateRead(0x2000_1000); // C4: not global
  assert.equal(cpu.tlb.flags[cpu.tlb.probe(vpn(0x1000))] & TLB_GLOBAL, TLB_GLOBAL);
  assert.equal(cpu.tlb.flags[cpu.tlb.probe(vpn(0x2000_1000))] & TLB_GLOBAL, 0);
  assert.equal(cpu.writeCr3(VS2_PDPT), null); // [00045]: switch VS1 -> VS2
  assert.equal(held(cpu, 0x1000), true);
  assert.equal(held(cpu, 0xf000_1000), true);
  assert.equal(held(cpu, 0x2000_1000), false);
  const misses = cpu.tlb.counters.misses;
  assert.equal(cpu.translateRead(0x1000), 0x1000);
  assert.equal(cpu.tlb.counters.misses, misses, 'the global entry hits after the switch');
  assert.equal(cpu.translateRead(0x2000_1000), 0x1_d000_1000, 'VS2 now: C5');
});

test('CR0.PG 1 -> 0 flushes everything, global entries included', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  cpu.translateRead(0x1000);
  cpu.translateRead(0x2000_1000);
  assert.equal(cpu.writeCr0(CR0_PE), null); // [00044] step 96: back to VS0 by turning paging off
  assert.equal(cpu.paging, false);
  assert.equal(held(cpu, 0x1000), false);
  assert.equal(held(cpu, 0x2000_1000), false);
  assert.equal(cpu.translateRead(0x2000_1000), 0x2000_1000, 'VS0: linear = physical');
  // [00043]: CR3 already holds VS1's PDPT, so turning paging on is enough to be in VS1 again.
  assert.equal(cpu.cr3, VS1_PDPT);
  assert.equal(cpu.writeCr0(CR0_PE | CR0_PG), null);
  assert.equal(cpu.translateRead(0x2000_1000), 0x1_0000_1000);
});

test('a CR4.PGE change flushes everything, global entries included', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  cpu.translateRead(0x1000);
  assert.equal(cpu.writeCr4(CR4_PAE), null); // PGE 1 -> 0
  assert.equal(held(cpu, 0x1000), false);
  // With PGE clear the G bit is ignored: the C1 entry is not global and a CR3 load drops it.
  cpu.translateRead(0x1000);
  assert.equal(cpu.tlb.flags[cpu.tlb.probe(vpn(0x1000))] & TLB_GLOBAL, 0);
  cpu.writeCr3(VS1_PDPT);
  assert.equal(held(cpu, 0x1000), false);
  // PGE 0 -> 1 flushes too; the next fill is global again.
  cpu.translateRead(0x1000);
  assert.equal(cpu.writeCr4(CR4_PAE | CR4_PGE), null);
  assert.equal(held(cpu, 0x1000), false);
  cpu.translateRead(0x1000);
  assert.equal(cpu.tlb.flags[cpu.tlb.probe(vpn(0x1000))] & TLB_GLOBAL, TLB_GLOBAL);
  // A CR4 write that changes neither PGE nor PAE flushes nothing.
  const flushes = cpu.tlb.counters.flushes;
  assert.equal(cpu.writeCr4(CR4_PAE | CR4_PGE), null);
  assert.equal(cpu.tlb.counters.flushes, flushes);
  assert.equal(held(cpu, 0x1000), true);
});

test('CR0.PG needs CR0.PE and CR4.PAE; CR4.PAE cannot be cleared with paging on', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  cpu.writeCr3(VS1_PDPT);
  const r1 = cpu.writeCr0(CR0_PG);
  assert.equal(r1?.kind, 'general-protection');
  assert.equal(cpu.paging, false);
  assert.equal(cpu.cr0, CR0_PE);
  assert.equal(cpu.writeCr4(CR4_PGE), null); // PAE off while paging is off: allowed
  assert.equal(cpu.writeCr0(CR0_PE | CR0_PG)?.kind, 'general-protection');
  assert.equal(cpu.paging, false);
  assert.equal(cpu.writeCr4(CR4_PAE | CR4_PGE), null);
  assert.equal(cpu.writeCr0(CR0_PE | CR0_PG), null);
  assert.equal(cpu.writeCr4(CR4_PGE)?.kind, 'general-protection');
  assert.equal(cpu.cr4, CR4_PAE | CR4_PGE);
});

test('a PDPTE with reserved bits: MOV to CR3 raises #GP and leaves CR3 and the PDPTE registers unchanged', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS2');
  cpu.translateRead(0x2000_0000);
  const pdpteLo = cpu.pdpteLo.slice(), pdpteHi = cpu.pdpteHi.slice();
  // VS1's PDPTE 0 gets bit 1 (R/W), which is reserved in a PAE PDPTE.
  m.memory.write32(VS1_PDPT, m.memory.read32(VS1_PDPT) | 0x2);
  const r = cpu.writeCr3(VS1_PDPT);
  assert.equal(r?.kind, 'general-protection');
  assert.match(r!.message, /reserved/);
  assert.equal(cpu.cr3, VS2_PDPT);
  assert.deepEqual(cpu.pdpteLo, pdpteLo);
  assert.deepEqual(cpu.pdpteHi, pdpteHi);
  assert.equal(held(cpu, 0x2000_0000), true, 'no flush happened');
  assert.equal(cpu.translateRead(0x2000_0000), 0x1_d000_0000, 'still in VS2');
  // Bits 63..36 are reserved too (MAXPHYADDR = 36): bit 36 in PDPTE 2.
  m.memory.write32(VS1_PDPT, m.memory.read32(VS1_PDPT) & ~0x2);
  m.memory.write32(VS1_PDPT + 2 * 8 + 4, 0x10);
  assert.equal(cpu.writeCr3(VS1_PDPT)?.kind, 'general-protection');
  assert.equal(cpu.cr3, VS2_PDPT);
  m.memory.write32(VS1_PDPT + 2 * 8 + 4, 0);
  assert.equal(cpu.writeCr3(VS1_PDPT), null);
  assert.equal(cpu.cr3, VS1_PDPT);
});

test('a PDPTE with reserved bits: turning paging on raises #GP and paging stays off', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  m.memory.write32(VS1_PDPT + 3 * 8, m.memory.read32(VS1_PDPT + 3 * 8) | 0x100); // bit 8: reserved in a PDPTE
  assert.equal(cpu.writeCr3(VS1_PDPT), null, 'paging off: CR3 is just a number, the PDPT is not read');
  const r = cpu.writeCr0(CR0_PE | CR0_PG);
  assert.equal(r?.kind, 'general-protection');
  assert.equal(cpu.paging, false);
  assert.equal(cpu.cr0, CR0_PE);
  assert.equal(cpu.translateRead(0x2000_0000), 0x2000_0000);
});

test('reserved bits in a not-present PDPTE are ignored; the walk faults there instead', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  // PDPTE 1 (VA 0x4000_0000..0x7FFF_FFFF): P = 0 with reserved bits 1 and 63 set.
  m.memory.write32(VS1_PDPT + 8, 0x2);
  m.memory.write32(VS1_PDPT + 12, 0x8000_0000);
  enterSpace(m, cpu, 'VS1');
  assert.equal(cpu.translateRead(0x4000_0000), -1);
  assert.equal(cpu.lastFault?.reason, 'not-present');
  assert.equal(cpu.lastFault?.level, 'PDPTE');
  assert.equal(cpu.lastFault?.errorCode, 0);
});

test('PDPTEs are loaded at CR3 time: later edits to the PDPT in memory do not affect the CPU until CR3 is reloaded', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  // Point VS1's PDPTE 0 at VS2's page directory 0 (so VA 0x2000_0000 would reach C5).
  const vs2pd0Lo = m.memory.read32(VS2_PDPT), vs2pd0Hi = m.memory.read32(VS2_PDPT + 4);
  m.memory.write32(VS1_PDPT, vs2pd0Lo);
  m.memory.write32(VS1_PDPT + 4, vs2pd0Hi);
  assert.equal(cpu.translateRead(0x2000_0000), 0x1_0000_0000, 'PDPTE registers still hold the old value');
  cpu.writeCr3(VS1_PDPT);
  assert.equal(cpu.translateRead(0x2000_0000), 0x1_d000_0000);
});

test('CR3 keeps bits 31..5 as the PDPT base; a misaligned PDPT base is truncated to 32 bytes', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  // VS2_PDPT + 0x1F: bits 4..0 are ignored, so this selects VS2's PDPT.
  assert.equal(cpu.writeCr3(VS2_PDPT + 0x1f), null);
  assert.equal(cpu.translateRead(0x2000_0000), 0x1_d000_0000);
  assert.equal(m.currentSpace(cpu)?.name, 'VS2');
});

test('MOV to CR4 with a reserved bit (31, 26, 15) or PCIDE (IA-32e only) raises #GP and changes nothing', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  cpu.translateRead(0x1000);
  const before = cpu.cr4;
  for (const bit of [31, 26, 15, 17]) {
    const r = cpu.writeCr4((before | (1 << bit)) >>> 0);
    assert.equal(r?.kind, 'general-protection', `bit ${bit}`);
    assert.equal(cpu.cr4, before, `bit ${bit}: CR4 unchanged`);
  }
  assert.match(cpu.writeCr4((before | CR4_RESERVED) >>> 0)?.message ?? '', /CR4 bits 0xfc00_8000 are reserved/);
  assert.equal(held(cpu, 0x1000), true, 'a refused write flushes nothing');
  // Defined bits are accepted: SMEP (20) and OSFXSR (9).
  assert.equal(cpu.writeCr4((before | CR4_SMEP | (1 << 9)) >>> 0), null);
});

test('MOV to CR0 with NW = 1 and CD = 0 raises #GP; NW with CD is accepted', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  const r = cpu.writeCr0(CR0_PE | CR0_NW);
  assert.equal(r?.kind, 'general-protection');
  assert.match(r?.message ?? '', /CR0\.NW cannot be set while CR0\.CD is clear/);
  assert.equal(cpu.cr0, CR0_PE, 'CR0 unchanged');
  assert.equal(cpu.writeCr0((CR0_PE | CR0_CD | CR0_NW) >>> 0), null);
  assert.equal(cpu.writeCr0((CR0_PE | CR0_CD) >>> 0), null);
});

test('under PAE paging, a MOV to CR0 that changes CD or NW reloads the PDPTEs (SDM 4.4.1); one that changes neither does not', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  // Point VS1's PDPTE 0 at VS2's page directory 0 (VA 0x2000_0000 would then reach C5).
  m.memory.write32(VS1_PDPT, m.memory.read32(VS2_PDPT));
  m.memory.write32(VS1_PDPT + 4, m.memory.read32(VS2_PDPT + 4));
  const pdpte0 = () => [cpu.pdpteLo[0], cpu.pdpteHi[0]];
  const old = pdpte0();
  assert.equal(cpu.writeCr0(cpu.cr0 | CR0_WP), null, 'WP is not a reload bit');
  assert.deepEqual(pdpte0(), old);
  assert.equal(cpu.writeCr0((cpu.cr0 | CR0_CD) >>> 0), null);
  assert.deepEqual(pdpte0(), [m.memory.read32(VS2_PDPT) | 0, m.memory.read32(VS2_PDPT + 4) | 0], 'CD 0 -> 1 reloaded them');
  // NW 0 -> 1 (CD stays 1) reloads as well: a reserved bit in PDPTE 0 now raises #GP and leaves CR0 alone.
  m.memory.write32(VS1_PDPT + 4, m.memory.read32(VS1_PDPT + 4) | 0x8000_0000);
  const cr0 = cpu.cr0;
  assert.equal(cpu.writeCr0((cr0 | CR0_NW) >>> 0)?.kind, 'general-protection');
  assert.equal(cpu.cr0, cr0);
});
