// Inspection has no side effects (SPEC §1): translate, whereIs, listTlb, pagingEntries and the text
// renderings leave TLBs, counters and memory (A/D bits included) byte-for-byte as they were.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InspectError, Machine, formatLayout, formatTlb, formatTranslation, formatTranslationLine, listTlb, pagingEntries, translate, whereIs,
} from '../../emulator/index';
import { A, D, VS1_PDPT, VS2_PDPT, enterSpace, memoryDigest, pdeAddress, pteAddress } from './helpers';

function busyMachine(): Machine {
  const m = new Machine({ cpus: 2 });
  const [a, b] = m.processors;
  enterSpace(m, a, 'VS1');
  enterSpace(m, b, 'VS2');
  a.translateRead(0x1000);
  a.translateWrite(0x2000_2000);
  a.translateRead(0x2000_3000);
  b.translateRead(0x2000_0000);
  b.translateRead(0xf000_0000);
  // Make a's entry for 0x2000_3000 stale, so listTlb's staleness walk has something to find.
  const pte = pteAddress(m.memory, VS1_PDPT, 0x2000_3000);
  m.memory.write32(pte, (m.memory.read32(pte) & 0xfff) | 0x8000);
  return m;
}

function machineState(m: Machine) {
  return {
    tlbs: m.processors.map((p) => p.tlb.snapshot()),
    cpus: m.processors.map((p) => ({ cr0: p.cr0, cr2: p.cr2, cr3: p.cr3, cr4: p.cr4, lastFault: p.lastFault, flushed: [...p.tlb.flushedSinceMark] })),
    memory: memoryDigest(m.memory),
    hostBytes: m.memory.hostBytes,
  };
}

test('inspection leaves TLBs, counters and memory byte-for-byte unchanged', () => {
  const m = busyMachine();
  // A never-used page: its PDE/PTE A bits are clear, so a walk with side effects would set them.
  const fresh = 0x2000_5000;
  // PD index 257 (VA 0x2020_0000) has never been used either: its PDE's A bit is clear.
  const pde = pdeAddress(m.memory, VS1_PDPT, 0x2020_0000), pte = pteAddress(m.memory, VS1_PDPT, fresh);
  assert.equal(m.memory.read32(pte) & (A | D), 0);
  assert.equal(m.memory.read32(pde) & A, 0);
  const before = machineState(m);

  const texts: string[] = [];
  for (const opts of [{}, { write: true }, { write: true, user: true }]) {
    for (const target of [{ space: 'VS0' }, { space: 'VS1' }, { space: 'VS2' }, { cpu: 0 }, { cpu: 1 }]) {
      for (const va of [fresh, 0x2020_0000, 0x2000_3000, 0x1000, 0xffff_ffff]) {
        const t = translate(m, target, va, opts);
        texts.push(formatTranslation(t), formatTranslationLine(t));
      }
    }
  }
  for (const pa of [0x1000, 0x1_0000_5000, 0x2000_1000, 0x1_d000_0000]) whereIs(m, pa);
  texts.push(formatTlb(listTlb(m, 0)), formatTlb(listTlb(m, 1)), formatLayout(m));
  pagingEntries(m, 'VS1');
  pagingEntries(m, 'VS2');

  assert.deepEqual(machineState(m), before);
  assert.equal(m.memory.read32(pte) & (A | D), 0, 'no A/D set by the debugger');
  assert.equal(m.memory.read32(pde) & A, 0);
  assert.ok(texts.every((t) => t.length > 0));
});

test('the CPU path does change the same state (the comparison above can fail)', () => {
  const m = busyMachine();
  const before = machineState(m);
  m.processors[0].translateRead(0x2000_5000);
  const after = machineState(m);
  assert.notDeepEqual(after.tlbs, before.tlbs);
  assert.notEqual(after.memory.hash, before.memory.hash, 'the walk set A bits');
});

test('whereIs: every (space, VA) that reaches a physical address', () => {
  const m = new Machine({ cpus: 1 });
  const w = (pa: number) => whereIs(m, pa).map((x) => [x.space, x.va]);
  // C1 is common: identity in VS0, and VS1/VS2 map VA 0..512M onto it at the same VAs.
  assert.deepEqual(w(0x1000), [['VS0', 0x1000], ['VS1', 0x1000], ['VS2', 0x1000]]);
  // C4 is reached only from VS1: PA 0x1_0000_1000 = C4 + 0x1000 <- VA 0x2000_0000 + 0x1000.
  assert.deepEqual(w(0x1_0000_1000), [['VS1', 0x2000_1000]]);
  // C5 only from VS2, offsets kept.
  assert.deepEqual(w(0x1_d000_0abc), [['VS2', 0x2000_0abc]]);
  // C2 only from VS0 (paging off).
  assert.deepEqual(w(0x2000_1000), [['VS0', 0x2000_1000]]);
  // C3 is common.
  assert.deepEqual(w(0xffff_fff0), [['VS0', 0xffff_fff0], ['VS1', 0xffff_fff0], ['VS2', 0xffff_fff0]]);
  // Beyond every chunk: nobody.
  assert.deepEqual(w(0x3_0000_0000), []);
  // The leaf entry is named: VS1's PTE for 0x2000_1000.
  const vs1 = whereIs(m, 0x1_0000_1000)[0];
  assert.equal(vs1.level, 'PTE');
  assert.equal(vs1.entryAddress, pteAddress(m.memory, VS1_PDPT, 0x2000_1000));
  assert.throws(() => whereIs(m, 2 ** 36), InspectError);
});

test('whereIs follows the live page tables, not the layout', () => {
  const m = new Machine({ cpus: 1 });
  // Remap VS2's 0x2000_7000 to C4's 0x1_0000_1000: now both VS1 and VS2 reach it.
  const pte = pteAddress(m.memory, VS2_PDPT, 0x2000_7000);
  m.memory.write32(pte, (m.memory.read32(pte) & 0xfff) | 0x1000);
  m.memory.write32(pte + 4, 1);
  assert.deepEqual(whereIs(m, 0x1_0000_1234).map((x) => [x.space, x.va]), [['VS1', 0x2000_1234], ['VS2', 0x2000_7234]]);
});

test('translate reports every level with entry address, raw value and flags, and the TLB state per CPU', () => {
  const m = new Machine({ cpus: 2 });
  enterSpace(m, m.processors[1], 'VS1');
  m.processors[1].translateRead(0x2000_1000);
  const t = translate(m, { space: 'VS1' }, 0x2000_1234);
  assert.equal(t.levels[0].entryAddress, VS1_PDPT);
  assert.equal(t.levels[1].entryAddress, pdeAddress(m.memory, VS1_PDPT, 0x2000_1234));
  assert.equal(t.levels[2].entryAddress, pteAddress(m.memory, VS1_PDPT, 0x2000_1234));
  // The PTE: frame 0x1_0000_1000, P RW US, and A after CPU 1's read: raw 0x0000_0001_0000_1027.
  assert.equal(t.levels[2].raw, '0x0000_0001_0000_1027');
  assert.deepEqual(t.levels[2].flags, ['P', 'RW', 'U', 'A']);
  assert.equal(t.levels[2].target, 0x1_0000_1000);
  assert.deepEqual(t.tlb.map((h) => [h.cpu, h.space, h.held]), [[0, 'VS0', false], [1, 'VS1', true]]);
  const text = formatTranslation(t);
  assert.match(text, /PA\s+0x1_0000_1234\s+\(C4 \+ 0x1234/);
  assert.match(text, /cpu1 \(VS1\): held in set \d+ way \d+ -> 0x1_0000_1000/);
  assert.equal(formatTranslationLine(t), 'VS1 0x2000_1234 -> 0x1_0000_1234 (C4)');
  assert.throws(() => translate(m, { space: 'VS9' }, 0), InspectError);
  assert.throws(() => translate(m, { space: 'VS1' }, 2 ** 32), InspectError);
  assert.throws(() => translate(m, { cpu: 5 }, 0), InspectError);
  assert.throws(() => pagingEntries(m, 'VS0'), InspectError);
});
