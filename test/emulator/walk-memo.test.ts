// The walk memo (emulator/walk-memo.ts) is a host cache: a TLB refill after a flush must find exactly
// what a fresh walk of the page tables finds, whichever way the tables were changed in between (a
// store, the debugger's write, DMA, a checkpoint restore), and must leave the same A/D bits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine, translate } from '../../emulator/index';
import { A, D, P, VS1_PDPT, VS2_PDPT, enterSpace, pteAddress } from './helpers';

/** A small seeded generator (xorshift32), so a failure replays. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 2 ** 32; };
}

const VA = 0x2000_1000;

test('a PTE rewritten between two visits to VS1 is walked again, whichever way it was written', () => {
  const writers: Record<string, (m: Machine, pa: number, lo: number) => void> = {
    write32: (m, pa, lo) => m.memory.write32(pa, lo),
    writeBytes: (m, pa, lo) => m.memory.writeBytes(pa, new Uint8Array(new Uint32Array([lo]).buffer)),
    'write32 twice on the page': (m, pa, lo) => { m.memory.write32(pa ^ 8, m.memory.read32(pa ^ 8)); m.memory.write32(pa, lo); },
    fill: (m, pa, lo) => { m.memory.fill(pa, 4, 0); m.memory.write8(pa, lo & 0xff); m.memory.write8(pa + 1, (lo >>> 8) & 0xff); m.memory.write8(pa + 2, (lo >>> 16) & 0xff); m.memory.write8(pa + 3, lo >>> 24); },
    'DMA from a volume': (m, pa, lo) => {
      const base = pa - (pa % 4096);
      const page = m.memory.readBytes(base, 4096);
      new DataView(page.buffer).setUint32(pa & 0xfff, lo, true);
      const v = m.volumes.create({ name: 'tables', blockSize: 4096, blocks: 1 });
      assert.ok(typeof v !== 'string');
      v.write(0, page);
      assert.ok(m.volumes.readToMemory(m.memory, 'tables', 0, 1, base).ok);
    },
  };
  for (const [how, write] of Object.entries(writers)) {
    const m = new Machine({ cpus: 1 });
    const cpu = m.processors[0];
    enterSpace(m, cpu, 'VS1');
    assert.equal(cpu.translateRead(VA), 0x1_0000_1000, how);
    const pte = pteAddress(m.memory, VS1_PDPT, VA);
    // Out of VS1 and back: the TLB is empty, so the next access refills it.
    cpu.writeCr0(cpu.cr0 & ~0x8000_0000);
    write(m, pte, (m.memory.read32(pte) & 0xfff) | 0x5000);
    enterSpace(m, cpu, 'VS1');
    assert.equal(cpu.translateRead(VA), 0x1_0000_5000, `${how}: the refill walks the new PTE`);
  }
});

test('a checkpoint restore of the tables is walked again after the flush', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  const pte = pteAddress(m.memory, VS1_PDPT, VA);
  const id = m.checkpoint();
  m.memory.write32(pte, (m.memory.read32(pte) & 0xfff) | 0x7000);
  cpu.tlb.flushAll();
  assert.equal(cpu.translateRead(VA), 0x1_0000_7000);
  m.restore(id);
  cpu.tlb.flushAll();
  assert.equal(cpu.translateRead(VA), 0x1_0000_1000, 'the restored PTE, not the remembered walk');
});

test('a read walk remembered does not stand in for a write: the write still sets D', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  const pte = pteAddress(m.memory, VS1_PDPT, VA);
  m.memory.write32(pte, m.memory.read32(pte) & ~(A | D));
  cpu.tlb.flushAll();
  cpu.translateRead(VA);
  assert.equal(m.memory.read32(pte) & (A | D), A, 'the read set A only');
  cpu.tlb.flushAll();
  cpu.translateRead(VA);
  cpu.tlb.flushAll();
  assert.equal(cpu.translateWrite(VA), 0x1_0000_1000);
  assert.equal(m.memory.read32(pte) & (A | D), A | D, 'the write walked and set D');
  const walks = cpu.tlb.walks;
  cpu.tlb.flushAll();
  cpu.translateWrite(VA);
  assert.equal(cpu.tlb.walks, walks + 1, 'a refill counts as a walk either way');
});

test('the same VA in two spaces: each space\'s own walk', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  const in1 = cpu.translateRead(VA);
  enterSpace(m, cpu, 'VS2');
  const in2 = cpu.translateRead(VA);
  assert.notEqual(in1, in2);
  assert.equal(in2, translate(m, { space: 'VS2' }, VA).pa);
  for (let k = 0; k < 3; k++) {
    cpu.writeCr3(VS1_PDPT);
    assert.equal(cpu.translateRead(VA), in1);
    cpu.writeCr3(VS2_PDPT);
    assert.equal(cpu.translateRead(VA), in2);
  }
});

test('random table changes, flushes and accesses: every refill is what a fresh walk finds, and sets the same bits', () => {
  const next = rng(0x5eed);
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  const vas = Array.from({ length: 24 }, (_, i) => 0x2000_0000 + i * 0x1000 + (i % 3) * 0x20_0000);
  const ptes = vas.map((va) => pteAddress(m.memory, VS1_PDPT, va));
  let checked = 0;
  const faults: Record<string, number> = {};
  for (let step = 0; step < 4000; step++) {
    const r = next();
    const i = Math.floor(next() * vas.length);
    if (r < 0.25) {
      // A new frame, present or not, A/D cleared or kept; by one of two write paths.
      const old = m.memory.read32(ptes[i]);
      const frame = (0x1000 + Math.floor(next() * 64)) * 0x1000;
      const lo = frame | (old & 0xfff & ~P & ~(next() < 0.5 ? A | D : 0)) | (next() < 0.9 ? P : 0);
      if (next() < 0.5) m.memory.write32(ptes[i], lo >>> 0);
      else m.memory.writeBytes(ptes[i], new Uint8Array(new Uint32Array([lo >>> 0]).buffer));
    } else if (r < 0.35) {
      cpu.writeCr3(VS1_PDPT);
    } else {
      cpu.tlb.flushAll();
      const write = next() < 0.4;
      const fresh = translate(m, { space: 'VS1' }, vas[i]);
      const before = m.memory.read32(ptes[i]);
      const pa = write ? cpu.translateWrite(vas[i]) : cpu.translateRead(vas[i]);
      if (!fresh.ok) { assert.equal(pa, -1, `step ${step}: the walk faults`); faults[fresh.fault!.reason] = (faults[fresh.fault!.reason] ?? 0) + 1; continue; }
      assert.equal(pa, fresh.pa, `step ${step}: the refill of ${vas[i].toString(16)}`);
      const want = (before | A | (write ? D : 0)) >>> 0;
      assert.equal(m.memory.read32(ptes[i]) >>> 0, want, `step ${step}: the PTE's A/D bits`);
      checked++;
    }
  }
  assert.ok(checked > 1000, `${checked} accesses checked; faults ${JSON.stringify(faults)}`);
});
