// The requests behind the memory view (extension/memory-panel.ts): mover/translations (the PA column
// and chunk band, one request per visible page at most), mover/structs and mover/structValues (struct
// overlays). Expected values are worked out by hand from FIG. 5's layout and the fixture's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { PageTranslationView, StructTypeView, StructValueView, TypedObjectView } from '../../debug-adapter/protocol';
import { example, fixture, layoutFixture, lineOf, overBothTransports, type Dap } from './harness';

type Pages = { pages: PageTranslationView[] };

/** FIG. 7 stopped after boot and dnlc_init_vs0: VS1's page tables exist and the DNLC table is empty. */
async function fig7AfterInit(d: Dap): Promise<void> {
  const file = example('fig7-dnlc.mover');
  const line = lineOf('    mov r3, ROOT', readFileSync(file, 'utf8'));
  const tid = await d.launchStopped({ program: file }, async () => { await d.ok('setBreakpoints', { source: { path: file }, breakpoints: [{ line }] }); });
  assert.equal((await d.resume('continue', { threadId: tid })).body.reason, 'breakpoint');
}

overBothTransports('memory view requests', (open) => {
  test('mover/translations: VS1 0x2000_0000 lands in C4 at 0x1_0000_0000 (FIG. 5), page by page; VS0 is linear = physical; bad arguments', async () => {
    const d = await open();
    await fig7AfterInit(d);
    // 0x2000_0800 + 0x1000 bytes touches two pages: 0x2000_0000 and 0x2000_1000.
    const vs1 = await d.ok<Pages>('mover/translations', { space: 'VS1', va: '0x2000_0800', count: 0x1000 });
    assert.deepEqual(vs1.pages, [
      { va: '0x2000_0000', vaNumber: 0x2000_0000, pa: '0x1_0000_0000', paNumber: 0x1_0000_0000, chunk: 'C4' },
      { va: '0x2000_1000', vaNumber: 0x2000_1000, pa: '0x1_0000_1000', paNumber: 0x1_0000_1000, chunk: 'C4' },
    ]);
    // C1 is common and identity-mapped; VS0 has paging off: linear = physical (C2 at 0x2100_0000).
    assert.deepEqual((await d.ok<Pages>('mover/translations', { space: 'vs1', va: '0x0090_0000', count: 1 })).pages, [{ va: '0x0090_0000', vaNumber: 0x90_0000, pa: '0x90_0000', paNumber: 0x90_0000, chunk: 'C1' }]);
    assert.deepEqual((await d.ok<Pages>('mover/translations', { space: 'VS0', va: '0x2100_0000', count: 16 })).pages, [{ va: '0x2100_0000', vaNumber: 0x2100_0000, pa: '0x2100_0000', paNumber: 0x2100_0000, chunk: 'C2' }]);
    // At most 256 pages per request, never past the end of the space.
    assert.equal((await d.ok<Pages>('mover/translations', { space: 'VS1', va: '0x0', count: 2 ** 32 })).pages.length, 256);
    assert.equal((await d.ok<Pages>('mover/translations', { space: 'VS1', va: '0xffff_f000', count: 0x10000 })).pages.length, 1);
    await d.fails('mover/translations', { space: 'VS9', va: '0x0', count: 1 }, /translations needs the name of a space \(got "VS9"; spaces: VS0, VS1, VS2\)/);
    await d.fails('mover/translations', { space: 'VS1', va: '0x1_0000_0000', count: 1 }, /not a virtual address/);
    await d.fails('mover/translations', { space: 'VS1', va: '0x0', count: 'all' }, /count must be a whole number/);
  });

  test('mover/translations of a hole: the page is not mapped (no PA, no chunk)', async () => {
    const d = await open();
    await d.launchStopped({ program: fixture('calls.mover'), layout: layoutFixture('vs1-hole.json') });
    assert.deepEqual((await d.ok<Pages>('mover/translations', { space: 'VS1', va: '0x9000_0000', count: 1 })).pages, [{ va: '0x9000_0000', vaNumber: 0x9000_0000, pa: null, paNumber: null, chunk: null }]);
  });

  test('mover/structs and mover/structValues: the fixture\'s table and entry, typed values, a pointer to follow, a nested struct; bad arguments', async () => {
    const d = await open();
    await d.launchStopped({ program: fixture('objects.mover') });
    const s = await d.ok<{ structs: StructTypeView[]; objects: TypedObjectView[] }>('mover/structs');
    assert.deepEqual(s.structs, [
      { name: 'entry', size: 20, fields: [
        { name: 'next', offset: 0, size: 4, count: 1, type: 'ptr' },
        { name: 'inode', offset: 4, size: 4, count: 1, type: 'u32' },
        { name: 'delta', offset: 8, size: 4, count: 1, type: 'i32' },
        { name: 'name', offset: 12, size: 8, count: 8, type: 'u8[8]' },
      ] },
      { name: 'table', size: 48, fields: [
        { name: 'count', offset: 0, size: 8, count: 1, type: 'u64' },
        { name: 'items', offset: 8, size: 40, count: 2, type: 'entry[2]' },
      ] },
    ]);
    assert.deepEqual(s.objects, [{ name: 'names', type: 'table', space: 'VS1', address: '0x2000_0000', memoryReference: 'vs1:0x2000_0000' }]);
    // items[0] at 0x2000_0008: next = 0x2000_001C (items[1]), inode 42, delta -7, name "passwd".
    const e = await d.ok<{ type: string; memoryReference: string; size: number; fields: StructValueView[] }>('mover/structValues', { type: 'entry', memoryReference: 'vs1:0x2000_0008' });
    assert.equal(e.type, 'entry');
    assert.equal(e.memoryReference, 'vs1:0x2000_0008');
    assert.equal(e.size, 20);
    assert.deepEqual(e.fields.map((f) => [f.name, f.value, f.pointer]), [
      ['next', '0x2000_001c', 'vs1:0x2000_001c'],
      ['inode', '42  (0x2a)', null],
      ['delta', '-7  (0xffff_fff9)', null],
      ['name', '"passwd"', null],
    ]);
    // items[1]: next is null, nothing to follow.
    const last = await d.ok<{ fields: StructValueView[] }>('mover/structValues', { type: 'entry', memoryReference: 'vs1:0x2000_001c' });
    assert.deepEqual(last.fields.map((f) => [f.name, f.value, f.pointer]), [['next', 'null', null], ['inode', '7  (0x7)', null], ['delta', '1  (0x1)', null], ['name', '"etc"', null]]);
    const t = await d.ok<{ fields: StructValueView[] }>('mover/structValues', { type: 'table', memoryReference: 'vs1:0x2000_0000' });
    assert.deepEqual(t.fields.map((f) => [f.name, f.offset, f.value]), [['count', 0, '2  (0x2)'], ['items', 8, 'entry[2]']]);
    await d.fails('mover/structValues', { type: 'nosuch', memoryReference: 'vs1:0x0' }, /no struct named "nosuch" \(structs: entry, table\)/);
    await d.fails('mover/structValues', { type: 'entry', memoryReference: 'vs7:0x0' }, /no space named vs7/);
  });
});
