// The time-travel machine diff (mover/diff and the console's `diff`): a short program stores 0x1234
// in C1, rewrites VS1's PTE for VA 0x2000_0000 to another frame, switches CR3 and turns paging on,
// touches the page (a TLB fill and Accessed bits) and writes a volume block; the diff between the stops
// around it lists exactly those changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lineOf, overBothTransports, type Dap } from './harness';
import type { MachineDiffView } from '../../debug-adapter/protocol';

const SOURCE = `.include "boot.mover"
.volume DISK, 4096, 4
.struct header
    count   u32
    magic   u16
    flags   u16
.endstruct
.object hdr, header, vs0:0x0030_0000
.thread main, start, cpu=0
start:
    call boot_cpu
    mov r3, 0x0030_0000               ; before
    st32 [r3], 0x1234
    mov r3, 0xEF10_2000
    mov r4, 0x1_0000_5007
    st64 [r3], r4
    mov r1, VS1_CR3
    mov cr3, r1
    mov r2, cr0
    or r2, r2, CR0_PG
    mov cr0, r2
    mov r3, 0x2000_0000
    ld32 r5, [r3]
    mov r6, 0x0030_0000
    bwrite DISK, 1, 1, r6
    nop                               ; after
    halt
`;
const FILE = path.join(mkdtempSync(path.join(tmpdir(), 'mover-diff-')), 'diff.mover');
writeFileSync(FILE, SOURCE);
const BEFORE = lineOf('; before', SOURCE);
const AFTER = lineOf('; after', SOURCE);

/** Stopped at `before`, then at `after`. */
async function around(d: Dap): Promise<number> {
  const tid = await d.launchStopped({ program: FILE }, async () => {
    await d.ok('setBreakpoints', { source: { path: FILE }, breakpoints: [{ line: BEFORE }, { line: AFTER }] });
  });
  await d.resume('continue', { threadId: tid });
  await d.resume('continue', { threadId: tid });
  return tid;
}

overBothTransports('machine diff', (open) => {
  test('mover/diff between the last two stops: the bytes, the decoded PTE and PDE, CR3, the TLB fill, the block, the field', async () => {
    const d = await open();
    await around(d);
    const diff = await d.ok<MachineDiffView>('mover/diff', {});
    assert.equal(diff.back, 1);
    assert.equal(diff.to - diff.from, 14);
    assert.deepEqual(diff.memory.map((c) => [c.pa, c.length, c.chunk, c.old, c.now, c.memoryReference]), [
      ['0x30_0000', 2, 'C1', '00 00', '34 12', 'pa:0x30_0000'],
      // The walk set the PDE's Accessed bit; the PTE got the new frame, then Accessed.
      ['0xef00_1800', 1, 'C2', '07', '27', 'pa:0xef00_1800'],
      ['0xef10_2000', 2, 'C2', '07 00', '27 50', 'pa:0xef10_2000'],
    ]);
    assert.deepEqual(diff.memory[0].mappedBy, [{ space: 'VS0', va: '0x0030_0000' }, { space: 'VS1', va: '0x0030_0000' }, { space: 'VS2', va: '0x0030_0000' }]);
    assert.equal(diff.bytesChanged, 5);
    assert.deepEqual(diff.pageTables.map((e) => [e.level, e.pa, e.old, e.now, e.oldTarget, e.nowTarget, e.oldFlags.join(' '), e.nowFlags.join(' '), e.maps]), [
      ['PDE', '0xef00_1800', '0x0000_0000_ef10_2007', '0x0000_0000_ef10_2027', '0xef10_2000', '0xef10_2000', 'P RW U', 'P RW U A', [{ space: 'VS1', va: '0x2000_0000', size: '2M' }]],
      ['PTE', '0xef10_2000', '0x0000_0001_0000_0007', '0x0000_0001_0000_5027', '0x1_0000_0000', '0x1_0000_5000', 'P RW U', 'P RW U A', [{ space: 'VS1', va: '0x2000_0000', size: '4K' }]],
    ]);
    assert.deepEqual(diff.tlb, [{ cpu: 0, fills: [{ va: '0x2000_0000', frame: '0x1_0000_5000' }], evictions: [] }]);
    const cpu0 = diff.registers.filter((r) => r.owner === 'cpu0').map((r) => `${r.register} ${r.old} -> ${r.now}`);
    assert.deepEqual(cpu0, [
      'cr0 0x0000_0001 -> 0x8000_0001', 'cr3 0x0000_0000 -> 0xef00_0000',
      'pdpte0 0x0000_0000_0000_0000 -> 0x0000_0000_ef00_1001', 'pdpte1 0x0000_0000_0000_0000 -> 0x0000_0000_ef20_2001',
      'pdpte2 0x0000_0000_0000_0000 -> 0x0000_0000_ef40_3001', 'pdpte3 0x0000_0000_0000_0000 -> 0x0000_0000_ef60_4001',
    ]);
    const main = new Map(diff.registers.filter((r) => r.owner === 'main').map((r) => [r.register, r.now]));
    assert.equal(main.get('r3'), '0x20000000');
    assert.equal(main.get('r4'), '0x100005007');
    assert.equal(main.get('r6'), '0x300000');
    assert.equal(main.has('r5'), false, 'r5 read a zero: unchanged');
    assert.deepEqual(diff.volumes, [{ volume: 'DISK', block: 1, changedBytes: 2, offset: 0, old: '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00', now: '34 12 00 00 00 00 00 00 00 00 00 00 00 00 00 00' }]);
    assert.deepEqual(diff.objects.map((o) => [o.object, o.field, o.old, o.now, o.memoryReference]), [['hdr', 'count', '0x0 (0)', '0x1234 (4660)', 'pa:0x30_0000']]);
  });

  test('diff 2 reaches across two stops; a stop further back than the recorded ones is refused; the console prints the same', async () => {
    const d = await open();
    const tid = await around(d);
    await d.resume('next', { threadId: tid });
    const one = await d.ok<MachineDiffView>('mover/diff', {});
    assert.deepEqual(one.memory, []);
    assert.deepEqual(one.registers.map((r) => r.register), ['pc']);
    const two = await d.ok<MachineDiffView>('mover/diff', { back: 2 });
    assert.equal(two.to - two.from, 15);
    assert.deepEqual(two.memory.map((c) => c.pa), ['0x30_0000', '0xef00_1800', '0xef10_2000']);
    assert.deepEqual(two.tlb[0].fills, [{ va: '0x2000_0000', frame: '0x1_0000_5000' }]);
    await d.fails('mover/diff', { back: 9 }, /older than the kept history/);
    await d.fails('mover/diff', { back: 0 }, /1 or more stops/);
    const frameId = (await d.topFrame(tid)).id;
    const text = (await d.evaluate('diff 2', 'repl', frameId)).result;
    assert.equal(text, two.text);
    const lines = text.split('\n');
    assert.match(lines[0], /^machine diff, instruction \d+ -> \d+:$/);
    assert.ok(lines.includes('  C1:'), text);
    assert.ok(lines.includes('    pa:0x30_0000 2 bytes  00 00 -> 34 12  (VS0:0x0030_0000 VS1:0x0030_0000 VS2:0x0030_0000)'), text);
    assert.ok(lines.includes('  PTE at pa:0xef10_2000 0x0000_0001_0000_0007 (0x1_0000_0000 P RW U) -> 0x0000_0001_0000_5027 (0x1_0000_5000 P RW U A)  maps VS1 0x2000_0000-0x2000_0fff'), text);
    assert.ok(lines.includes('  cpu0 fill 0x2000_0000 -> 0x1_0000_5000'), text);
    assert.ok(lines.includes('  cpu0 cr3: 0x0000_0000 -> 0xef00_0000'), text);
    assert.ok(lines.includes('  hdr.count (header, VS0:0x0030_0000): 0x0 (0) -> 0x1234 (4660)'), text);
    assert.match(text, /DISK block 1: 2 bytes changed/);
    assert.match((await d.evaluate('diff', 'repl', frameId)).result, /registers:\n {2}main pc: \d+ -> \d+$/);
    await assert.rejects(d.evaluate('diff x', 'repl', frameId), /usage: diff \[N\]/);
  });

  test('after a step back the diff is of the timeline as it is now: the undone block write is gone', async () => {
    const d = await open();
    const tid = await around(d);
    await d.resume('stepBack', { threadId: tid });
    const diff = await d.ok<MachineDiffView>('mover/diff', {});
    assert.equal(diff.to - diff.from, 13);
    assert.deepEqual(diff.volumes, []);
    assert.deepEqual(diff.memory.map((c) => c.pa), ['0x30_0000', '0xef00_1800', '0xef10_2000']);
    assert.deepEqual(diff.tlb[0].fills, [{ va: '0x2000_0000', frame: '0x1_0000_5000' }]);
  });

  test('a stop whose checkpoint was folded away to bound history is older than the kept history', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: FILE });
    // Every stop keeps a checkpoint; past 64 the closest are folded, so early stops lose theirs.
    for (let i = 0; i < 70; i++) await d.resume('stepIn', { threadId: tid });
    assert.equal((await d.ok<MachineDiffView>('mover/diff', {})).back, 1);
    let refused: string | undefined;
    for (let back = 1; back <= 64 && !refused; back++) {
      const r = await d.request('mover/diff', { back });
      if (!r.success) refused = r.message;
    }
    assert.match(refused ?? 'every stop answered', /the stop \d+ back \(instruction \d+\) is older than the kept history: its checkpoint was dropped/);
  });
});
