// The Page Walk view's other modes over a real DAP connection: a range walk (every mapping in a VA range,
// as WinDbg's !pte with a range), a walk under a raw CR3 value, and PTE address -> VA (mover/whereis
// with entries). Expected rows are worked out by hand from the patent layout (FIG. 5, [00037]-[00040]):
// VS1 = C1 | C4 | C3 with its PDPT at 0xef00_0000, VS2 = C1 | C5 | C3 with its PDPT at 0xef00_0020;
// VS1's 0x2000_0000 is C4's base 0x1_0000_0000, VS2's is C5's base 0x1_d000_0000; C1 and C3 are global;
// every page is writable and user ([00037]: the data movers need not tell user from kernel memory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MoverRequests, WalkWithRangeView } from '../../debug-adapter/protocol';
import { example, overBothTransports, type Dap } from './harness';

type Whereis = MoverRequests['mover/whereis'][1];

async function entry(d: Dap): Promise<void> {
  await d.launchStopped({ program: example('fig4-walk.mover') });
}

const rows = (w: WalkWithRangeView) => w.range!.rows.map((r) => [r.va, r.last, r.size, r.pa, r.chunk, r.flags.join(' '), r.memoryReference]);

overBothTransports('page walk modes', (open) => {
  test('range walk: VS1 0x2000_0000..0x2040_0000 is one run onto C4 from 0x1_0000_0000', async () => {
    const d = await open();
    await entry(d);
    const w = await d.ok<WalkWithRangeView>('mover/walk', { va: '0x2000_0000', end: '0x2040_0000', space: 'VS1' });
    // The single walk of the start is there too.
    assert.equal(w.pa, '0x1_0000_0000');
    assert.equal(w.chunk, 'C4');
    assert.equal(w.range!.space, 'VS1');
    assert.equal(w.range!.cr3, '0xef00_0000');
    assert.equal(w.range!.start, '0x2000_0000');
    assert.equal(w.range!.last, '0x203f_ffff');
    assert.deepEqual(rows(w), [['0x2000_0000', '0x203f_ffff', '4M', '0x1_0000_0000', 'C4', 'RW U', 'vs1:0x2000_0000']]);
    assert.equal(w.range!.total, 1);
    assert.equal(w.range!.more, 0);
  });

  test('range walk across a chunk edge: C1 (global) then C4 in VS1, C1 then C5 in VS2', async () => {
    const d = await open();
    await entry(d);
    const vs1 = await d.ok<WalkWithRangeView>('mover/walk', { va: '0x1ff0_0000', end: '0x2010_0000', space: 'VS1' });
    assert.deepEqual(rows(vs1), [
      ['0x1ff0_0000', '0x1fff_ffff', '1M', '0x1ff0_0000', 'C1', 'RW U G', 'vs1:0x1ff0_0000'],
      ['0x2000_0000', '0x200f_ffff', '1M', '0x1_0000_0000', 'C4', 'RW U', 'vs1:0x2000_0000'],
    ]);
    const vs2 = await d.ok<WalkWithRangeView>('mover/walk', { va: '0x1ff0_0000', end: '0x2010_0000', space: 'VS2' });
    assert.deepEqual(rows(vs2).map((r) => [r[3], r[4]]), [['0x1ff0_0000', 'C1'], ['0x1_d000_0000', 'C5']]);
    // The whole of VS1: C1, C4, C3 ([00038]), the top 256M onto 0xf000_0000.
    const all = await d.ok<WalkWithRangeView>('mover/walk', { va: '0', end: '0x1_0000_0000', space: 'VS1' });
    assert.deepEqual(rows(all).map((r) => [r[0], r[1], r[2], r[3], r[4]]), [
      ['0x0000_0000', '0x1fff_ffff', '512M', '0x0', 'C1'],
      ['0x2000_0000', '0xefff_ffff', '3.25G', '0x1_0000_0000', 'C4'],
      ['0xf000_0000', '0xffff_ffff', '256M', '0xf000_0000', 'C3'],
    ]);
    // Clipped to a number of rows: the rest is counted.
    const clipped = await d.ok<WalkWithRangeView>('mover/walk', { va: '0', end: '0x1_0000_0000', space: 'VS1', limit: 2 });
    assert.equal(clipped.range!.rows.length, 2);
    assert.equal(clipped.range!.total, 3);
    assert.equal(clipped.range!.more, 1);
  });

  test('walk under a raw CR3: VS2\'s PDPT by its address, and a CR3 no space has', async () => {
    const d = await open();
    await entry(d);
    const w = await d.ok<WalkWithRangeView>('mover/walk', { va: '0x2000_0000', cr3: '0xef00_0020' });
    assert.equal(w.space, 'VS2');
    assert.equal(w.cr3, '0xef00_0020');
    assert.equal(w.pa, '0x1_d000_0000');
    assert.equal(w.chunk, 'C5');
    assert.deepEqual(w.levels.map((l) => [l.level, l.index]), [['PDPTE', 0], ['PDE', 256], ['PTE', 0]]);
    // The low 5 bits of CR3 are not part of the PDPT's address.
    assert.equal((await d.ok<WalkWithRangeView>('mover/walk', { va: '0x2000_0000', cr3: '0xef00_0027' })).pa, '0x1_d000_0000');
    // 0x7000 is no space's PDPT and holds zeros: the walk faults at the PDPTE, and a range under it is empty.
    const raw = await d.ok<WalkWithRangeView>('mover/walk', { va: '0x2000_0000', cr3: '0x7000', end: '0x2100_0000' });
    assert.equal(raw.space, 'CR3=0x7000');
    assert.equal(raw.ok, false);
    assert.match(raw.fault ?? '', /not-present at the PDPTE/);
    assert.deepEqual(raw.range, { space: 'CR3=0x7000', cr3: '0x7000', start: '0x2000_0000', last: '0x20ff_ffff', rows: [], total: 0, more: 0 });
    // Rows under a raw CR3 that is a space's are that space's VAs.
    const named = await d.ok<WalkWithRangeView>('mover/walk', { va: '0x2000_0000', cr3: '0xef00_0000', end: '0x2000_1000' });
    assert.deepEqual(rows(named), [['0x2000_0000', '0x2000_0fff', '4K', '0x1_0000_0000', 'C4', 'RW U', 'vs1:0x2000_0000']]);
  });

  test('PTE address -> VA: a PTE, a PDPTE, and a page table shared by VS1 and VS2 ([00040])', async () => {
    const d = await open();
    await entry(d);
    // VS1's PTE for 0x2000_1000 (whereis 0x1_0000_1000 says it is at 0xef10_2008); any byte of it names it.
    const pte = await d.ok<Whereis>('mover/whereis', { pa: '0xef10_200c', entries: true });
    assert.equal(pte.entryAddress, '0xef10_2008');
    assert.deepEqual(pte.entries, [{ space: 'VS1', level: 'PTE', va: '0x2000_1000', last: '0x2000_1fff', size: '4K', memoryReference: 'vs1:0x2000_1000' }]);
    // VS1's PDPT entry 1 maps the second GiB.
    const pdpte = await d.ok<Whereis>('mover/whereis', { pa: '0xef00_0008', entries: true });
    assert.deepEqual(pdpte.entries, [{ space: 'VS1', level: 'PDPTE', va: '0x4000_0000', last: '0x7fff_ffff', size: '1G', memoryReference: 'vs1:0x4000_0000' }]);
    // The PTE of 0x2000 in C1: the same page table serves both paged spaces.
    const w = await d.ok<WalkWithRangeView>('mover/walk', { va: '0x2000', space: 'VS1' });
    const at = w.levels.find((l) => l.level === 'PTE')!.entryAddress;
    const shared = await d.ok<Whereis>('mover/whereis', { pa: at, entries: true });
    assert.deepEqual(shared.entries!.map((e) => [e.space, e.level, e.va, e.size]), [['VS1', 'PTE', '0x0000_2000', '4K'], ['VS2', 'PTE', '0x0000_2000', '4K']]);
    // Not an entry of any space's tables: no entries. Without `entries` the answer is as before.
    assert.deepEqual((await d.ok<Whereis>('mover/whereis', { pa: '0x1_0000_0000', entries: true })).entries, []);
    assert.deepEqual(Object.keys(await d.ok<Whereis>('mover/whereis', { pa: '0xef10_2008' })), ['mappings']);
  });

  test('refused: an empty range, an end past 4 GiB, paging off, a bad CR3 or limit', async () => {
    const d = await open();
    await entry(d);
    await d.fails('mover/walk', { va: '0x2000_0000', end: '0x2000_0000', space: 'VS1' }, /empty/);
    await d.fails('mover/walk', { va: '0', end: '0x1_0000_1000', space: 'VS1' }, /not the end of a VA range/);
    await d.fails('mover/walk', { va: '0', end: '0x1000', space: 'VS0' }, /paging off/);
    await d.fails('mover/walk', { va: '0', cr3: '0x1_0000_0000' }, /not a CR3 value/);
    await d.fails('mover/walk', { va: '0', end: '0x1000', space: 'VS1', limit: 0 }, /limit/);
    // The session still answers.
    assert.equal((await d.ok<WalkWithRangeView>('mover/walk', { va: '0x2000_0000', space: 'VS1' })).chunk, 'C4');
  });
});
