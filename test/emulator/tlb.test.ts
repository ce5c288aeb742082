// The architectural TLB: stale entries until flushed, INVLPG, the patent's range flush, LRU/FIFO/random replacement, counters.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Machine, Tlb, TlbGeometryError, TLB_GLOBAL, TLB_LARGE, TLB_RW, listTlb, translate, validateGeometry,
} from '../../emulator/index';
import { P, RW, US, A, VS1_PDPT, enterSpace, pteAddress } from './helpers';

const vpn = (va: number) => va >>> 12;

test('geometry: default 64 entries, 4 ways (16 sets); bad geometries are refused', () => {
  const t = new Tlb();
  assert.equal(t.size, 64);
  assert.equal(t.ways, 4);
  assert.equal(t.sets, 16);
  assert.equal(validateGeometry({ entries: 64, ways: 4 }), null);
  assert.match(validateGeometry({ entries: 48, ways: 4 })!, /power of two/); // 12 sets
  assert.match(validateGeometry({ entries: 64, ways: 5 })!, /multiple/);
  assert.match(validateGeometry({ entries: 0, ways: 1 })!, /entries/);
  assert.throws(() => new Tlb({ entries: 10, ways: 3 }), TlbGeometryError);
  assert.throws(() => new Machine({ tlb: { entries: 6, ways: 4 } }), /multiple/);
});

test('a stale entry is returned until INVLPG; listTlb marks it stale', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  const va = 0x2000_1000;
  assert.equal(cpu.translateRead(va + 0x10), 0x1_0000_1010);
  // Point the PTE at frame 0x1_0000_5000 instead (keep its flags, hi = 1).
  const pte = pteAddress(m.memory, VS1_PDPT, va);
  m.memory.write32(pte, (m.memory.read32(pte) & 0xfff) | 0x5000);
  // The page tables say 0x1_0000_5000; the CPU keeps using what its TLB holds.
  assert.equal(translate(m, { space: 'VS1' }, va).pa, 0x1_0000_5000);
  assert.equal(cpu.translateRead(va + 0x10), 0x1_0000_1010, 'stale TLB entry used');
  assert.equal(cpu.translateRead(va + 0x20), 0x1_0000_1020, 'still stale on the next read');
  // A write through the clean entry walks again to set D, which refills the entry from the new PTE.
  assert.equal(cpu.translateWrite(va + 0x10), 0x1_0000_5010);
  // Make it stale again and check the views.
  m.memory.write32(pte, (m.memory.read32(pte) & 0xfff) | 0x7000);
  assert.equal(cpu.translateRead(va), 0x1_0000_5000);
  const entry = listTlb(m, 0).entries.find((e) => e.va === va);
  assert.ok(entry, 'the entry is listed');
  assert.equal(entry.stale, true);
  assert.match(entry.staleReason!, /0x1_0000_7000/);
  const t = translate(m, { cpu: 0 }, va);
  assert.equal(t.pa, 0x1_0000_7000);
  assert.equal(t.tlb[0].held, true);
  assert.equal(t.tlb[0].stale, true);
  assert.equal(t.tlb[0].frame, 0x1_0000_5000);
  // Other entries are not stale.
  cpu.translateRead(0x2000_2000);
  assert.equal(listTlb(m, 0).entries.find((e) => e.va === 0x2000_2000)!.stale, false);

  cpu.invlpg(va + 0xabc); // any address in the page
  assert.equal(cpu.tlb.probe(vpn(va)), -1);
  assert.equal(cpu.translateRead(va + 0x10), 0x1_0000_7010, 'after INVLPG the new PTE is used');
  assert.equal(listTlb(m, 0).entries.find((e) => e.va === va)!.stale, false);
});

test('a stale non-global entry is dropped by a CR3 reload; a stale global one is not', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  const c4va = 0x2000_3000, c1va = 0x0000_3000;
  assert.equal(cpu.translateRead(c4va), 0x1_0000_3000);
  assert.equal(cpu.translateRead(c1va), 0x3000);
  const pteC4 = pteAddress(m.memory, VS1_PDPT, c4va);
  const pteC1 = pteAddress(m.memory, VS1_PDPT, c1va);
  m.memory.write32(pteC4, (m.memory.read32(pteC4) & 0xfff) | 0x9000); // -> 0x1_0000_9000
  m.memory.write32(pteC1, (m.memory.read32(pteC1) & 0xfff) | 0x9000); // -> 0x9000 (C1 is global)
  assert.equal(cpu.translateRead(c4va), 0x1_0000_3000);
  assert.equal(cpu.translateRead(c1va), 0x3000);
  assert.equal(cpu.writeCr3(VS1_PDPT), null); // same value: MOV to CR3 still flushes non-global entries
  assert.equal(cpu.translateRead(c4va), 0x1_0000_9000);
  assert.equal(cpu.translateRead(c1va), 0x3000, 'global entry survives the CR3 load, stale');
  assert.equal(listTlb(m, 0).entries.find((e) => e.va === c1va)!.stale, true);
  cpu.invlpg(c1va); // INVLPG drops global entries too
  assert.equal(cpu.translateRead(c1va), 0x9000);
});

test('INVLPG drops exactly one 4 KiB page', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  for (const va of [0x2000_0000, 0x2000_1000, 0x2000_2000]) cpu.translateRead(va);
  cpu.invlpg(0x2000_1fff);
  assert.notEqual(cpu.tlb.probe(vpn(0x2000_0000)), -1);
  assert.equal(cpu.tlb.probe(vpn(0x2000_1000)), -1);
  assert.notEqual(cpu.tlb.probe(vpn(0x2000_2000)), -1);
});

test("range flush of [00043]: 512M..4G-256M drops the middle, keeps C1 and C3", () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  for (const va of [0x1000, 0xf000_0000, 0x2000_0000, 0xefff_f000, 0x1fff_f000]) cpu.translateRead(va);
  const flushesBefore = cpu.tlb.counters.flushes;
  const dropped = cpu.tlb.invalidateRange(0x2000_0000, 0xf000_0000); // [512M, 4G - 256M)
  assert.equal(dropped, 2);
  assert.equal(cpu.tlb.counters.flushes, flushesBefore + 1, 'one operation');
  assert.notEqual(cpu.tlb.probe(vpn(0x1000)), -1);
  assert.notEqual(cpu.tlb.probe(vpn(0xf000_0000)), -1);
  assert.notEqual(cpu.tlb.probe(vpn(0x1fff_f000)), -1, 'the last C1 page (512M - 4K) is outside the range');
  assert.equal(cpu.tlb.probe(vpn(0x2000_0000)), -1);
  assert.equal(cpu.tlb.probe(vpn(0xefff_f000)), -1, 'the last C4 page (4G - 256M - 4K) is inside the range');
});

test('range flush on a bare TLB: global entries in range go too; large pages overlapping the range go whole', () => {
  const t = new Tlb();
  t.fill(vpn(0x2000_0000), 0x1_0000_0000, TLB_GLOBAL); // global, in range
  t.fill(vpn(0x1ff0_0000), 0x1ff0_0000, TLB_LARGE); // a piece of the 2M page 0x1FE0_0000..0x1FFF_FFFF: outside
  t.fill(vpn(0xefe0_1000), 0xefe0_1000, TLB_LARGE); // a piece of the 2M page 0xEFE0_0000..0xEFFF_FFFF: inside
  t.fill(vpn(0xf000_0000), 0xf000_0000, TLB_GLOBAL); // first page past the range
  assert.equal(t.invalidateRange(0x2000_0000, 0xf000_0000), 2);
  assert.equal(t.probe(vpn(0x2000_0000)), -1);
  assert.equal(t.probe(vpn(0xefe0_1000)), -1);
  assert.notEqual(t.probe(vpn(0x1ff0_0000)), -1);
  assert.notEqual(t.probe(vpn(0xf000_0000)), -1);
  // [00045] writes the same range inclusively as 512M .. 4G-256M-1: same effect.
  t.fill(vpn(0xefff_f000), 0x1, 0);
  assert.equal(t.invalidateRange(0x2000_0000, 0xefff_ffff + 1), 1);
});

test('counters: hits, misses, walks, fills and flushes', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  const c = cpu.tlb.counters;
  assert.deepEqual({ ...c }, { hits: 0, misses: 0, walks: 0, fills: 0, evictions: 0, flushes: 0, invalidated: 0 });
  cpu.translateRead(0x1000); // paging off: no TLB at all
  assert.equal(c.misses + c.hits, 0);
  enterSpace(m, cpu, 'VS1'); // MOV CR3 = 1 flush (of nothing); turning PG on flushes nothing
  assert.equal(c.flushes, 1);
  assert.equal(c.invalidated, 0);
  cpu.translateRead(0x2000_0000); // miss + walk + fill
  assert.deepEqual([c.hits, c.misses, c.walks, c.fills], [0, 1, 1, 1]);
  cpu.translateRead(0x2000_0004); // hit
  cpu.translateRead(0x2000_0ffc); // hit
  assert.deepEqual([c.hits, c.misses, c.walks, c.fills], [2, 1, 1, 1]);
  cpu.translateWrite(0x2000_0008); // hit on a clean entry, walks to set D, refills
  assert.deepEqual([c.hits, c.misses, c.walks, c.fills], [3, 1, 2, 2]);
  cpu.translateWrite(0x2000_000c); // dirty now: a plain hit
  assert.deepEqual([c.hits, c.misses, c.walks, c.fills], [4, 1, 2, 2]);
  cpu.translateRead(0x1000); // C1, global
  cpu.invlpg(0x2000_0000);
  assert.equal(c.flushes, 2);
  assert.equal(c.invalidated, 1);
  cpu.translateRead(0x2000_0000); // miss again
  assert.equal(c.misses, 3);
  cpu.writeCr3(VS1_PDPT); // drops 0x2000_0000, keeps the global 0x1000
  assert.equal(c.flushes, 3);
  assert.equal(c.invalidated, 2);
  cpu.translateRead(0x1000);
  assert.equal(c.hits, 5);
  // Each processor counts its own.
  assert.equal(new Machine({ cpus: 2 }).processors[1].tlb.counters.hits, 0);
});

test('set-associative LRU: the least recently used way of a full set is evicted', () => {
  const m = new Machine({ cpus: 1 });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  // 16 sets: set = VPN & 15, so pages 0x10000 apart (VPN step 16) share set 0.
  const vas = [0x0, 0x1_0000, 0x2_0000, 0x3_0000];
  for (const va of vas) cpu.translateRead(va);
  for (const va of vas) assert.equal(cpu.tlb.setOf(vpn(va)), 0);
  cpu.translateRead(0x0); // 0x0 is now most recent; 0x1_0000 least recent
  cpu.translateRead(0x4_0000); // fifth page of set 0
  assert.equal(cpu.tlb.counters.evictions, 1);
  assert.equal(cpu.tlb.probe(vpn(0x1_0000)), -1, 'LRU way evicted');
  for (const va of [0x0, 0x2_0000, 0x3_0000, 0x4_0000]) assert.notEqual(cpu.tlb.probe(vpn(va)), -1);
  const view = listTlb(m, 0);
  assert.equal(view.entries.find((e) => e.va === 0x4_0000)!.lruRank, 0);
  assert.equal(view.entries.find((e) => e.va === 0x2_0000)!.lruRank, 3);
  // An evicted translation is walked again, even if its PTE changed (no stale copy left anywhere).
  const pte = pteAddress(m.memory, VS1_PDPT, 0x1_0000);
  m.memory.write32(pte, 0x0abc_d000 | P | RW | US | A);
  assert.equal(cpu.translateRead(0x1_0000), 0x0abc_d000);
});

test('a TLB of one entry: every new page evicts the previous one', () => {
  const m = new Machine({ cpus: 1, tlb: { entries: 1, ways: 1 } });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS2');
  cpu.translateRead(0x2000_0000);
  cpu.translateRead(0x2000_1000);
  cpu.translateRead(0x2000_0000);
  assert.equal(cpu.tlb.counters.misses, 3);
  assert.equal(cpu.tlb.counters.evictions, 2);
  assert.equal(cpu.tlb.counters.hits, 0);
  assert.equal(TLB_RW & cpu.tlb.flags[0], TLB_RW);
});

/** Fills set 0 of a 16-set, 4-way TLB with four pages, uses the first again, then brings a fifth. */
function fifthIntoFullSet(tlb: { entries: number; ways: number; policy?: 'lru' | 'fifo' | 'random'; seed?: number }) {
  const m = new Machine({ cpus: 1, tlb });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  for (const va of [0x0, 0x1_0000, 0x2_0000, 0x3_0000]) cpu.translateRead(va);
  cpu.translateRead(0x0); // most recently used, but the oldest fill
  cpu.translateRead(0x4_0000);
  const held = [0x0, 0x1_0000, 0x2_0000, 0x3_0000, 0x4_0000].filter((va) => cpu.tlb.probe(vpn(va)) !== -1);
  return { m, cpu, held };
}

test('replacement policies: LRU evicts the least recently used way, FIFO the oldest fill, random a seeded draw', () => {
  const lru = fifthIntoFullSet({ entries: 64, ways: 4, policy: 'lru' });
  assert.equal(lru.cpu.tlb.policy, 'lru');
  assert.deepEqual(lru.held, [0x0, 0x2_0000, 0x3_0000, 0x4_0000], 'LRU: 0x10000 (least recent) goes');
  assert.deepEqual(fifthIntoFullSet({ entries: 64, ways: 4 }).held, lru.held, 'LRU is the default');
  const fifo = fifthIntoFullSet({ entries: 64, ways: 4, policy: 'fifo' });
  assert.deepEqual(fifo.held, [0x1_0000, 0x2_0000, 0x3_0000, 0x4_0000], 'FIFO: 0x0 (first filled) goes although just used');
  assert.equal(fifo.cpu.tlb.counters.evictions, 1);
  // Random: the same seed evicts the same way; xorshift32 from seed 1 draws 270369 first, 270369 % 4 = 1 -> way 1 (0x10000).
  const r1 = fifthIntoFullSet({ entries: 64, ways: 4, policy: 'random', seed: 1 });
  assert.deepEqual(r1.held, [0x0, 0x2_0000, 0x3_0000, 0x4_0000]);
  assert.deepEqual(fifthIntoFullSet({ entries: 64, ways: 4, policy: 'random', seed: 1 }).held, r1.held, 'same seed, same eviction');
  // Over many seeds each way gets evicted by some seed.
  const evicted = new Set<number>();
  for (let seed = 1; seed <= 16; seed++) for (const va of [0x0, 0x1_0000, 0x2_0000, 0x3_0000]) if (!fifthIntoFullSet({ entries: 64, ways: 4, policy: 'random', seed }).held.includes(va)) evicted.add(va);
  assert.equal(evicted.size, 4, 'random reaches every way');
  assert.match(validateGeometry({ entries: 64, ways: 4, policy: 'mru' as never })!, /TLB policy must be one of lru, fifo, random/);
  assert.match(validateGeometry({ entries: 64, ways: 4, seed: -1 })!, /TLB seed/);
});

test('random policy: the generator state is in checkpoints, so a restored run evicts the same entries again', () => {
  const m = new Machine({ cpus: 1, tlb: { entries: 4, ways: 4, policy: 'random', seed: 7 } });
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  for (let i = 0; i < 4; i++) cpu.translateRead(i * 0x1000);
  const cp = m.checkpoint(null);
  const run = () => {
    for (let i = 4; i < 40; i++) cpu.translateRead(i * 0x1000);
    return Array.from(cpu.tlb.vpn);
  };
  const first = run();
  const state = cpu.tlb.randomState;
  m.restore(cp);
  assert.notEqual(cpu.tlb.randomState, state, 'restore rewinds the generator');
  assert.deepEqual(run(), first, 'replay evicts exactly as the first run did');
  assert.equal(cpu.tlb.randomState, state);
});
