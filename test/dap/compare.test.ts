// One address in every space (mover/compare and the console's compare): fig5-layout.mover puts a
// different string at 0x2000_0000 of each space (C2 in VS0, C4 in VS1, C5 in VS2) and C1 is common.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { example, overBothTransports, type Body } from './harness';
import type { CompareView } from '../../debug-adapter/protocol';

const FIG5 = example('fig5-layout.mover');
const hexOf = (text: string) => [...Buffer.from(text)].map((b) => b.toString(16).padStart(2, '0')).join(' ');

overBothTransports('compare across spaces', (open) => {
  test('mover/compare: a separate VA reaches a different chunk and different bytes in each space', async () => {
    const d = await open();
    await d.launchStopped({ program: FIG5 });
    const c = await d.ok<CompareView>('mover/compare', { va: '0x2000_0000', length: 8 });
    assert.equal(c.va, '0x2000_0000');
    assert.deepEqual(c.spaces.map((s) => [s.space, s.pa, s.chunk, s.sameAs, s.description]), [
      ['VS0', '0x2000_0000', 'C2', [], 'PA 0x2000_0000 · C2 · paging off · separate'],
      ['VS1', '0x1_0000_0000', 'C4', [], 'PA 0x1_0000_0000 · C4 · separate'],
      ['VS2', '0x1_d000_0000', 'C5', [], 'PA 0x1_d000_0000 · C5 · separate'],
    ]);
    // "C2: buff", "C4: DNLC", "C5: snap": the same at offsets 0, 2 and 3.
    assert.deepEqual(c.spaces.map((s) => s.bytes), [hexOf('C2: buff'), hexOf('C4: DNLC'), hexOf('C5: snap')]);
    assert.deepEqual(c.differAt, [1, 4, 5, 6, 7]);
    assert.deepEqual(c.spaces.map((s) => s.memoryReference), ['vs0:0x2000_0000', 'vs1:0x2000_0000', 'vs2:0x2000_0000']);
  });

  test('mover/compare: a VA in C1 is common to every space; bad arguments are refused', async () => {
    const d = await open();
    await d.launchStopped({ program: FIG5 });
    const c = await d.ok<CompareView>('mover/compare', { va: '0x0080_0000', length: 4 });
    assert.deepEqual(c.spaces.map((s) => [s.pa, s.sameAs.join(' ')]), [['0x80_0000', 'VS1 VS2'], ['0x80_0000', 'VS0 VS2'], ['0x80_0000', 'VS0 VS1']]);
    assert.match(c.spaces[1].description, /^PA 0x80_0000 · C1 · common with VS0, VS2$/);
    assert.deepEqual(c.differAt, []);
    const refused = await d.fails('mover/compare', { va: '0x1_0000_0000' }, /not a virtual address/);
    // A view's request that fails is shown in the view, not as a notification.
    assert.equal((refused.body.error as { showUser: boolean }).showUser, false);
    await d.fails('mover/compare', { va: '0x0', length: 100_000 }, /compare 1 to 256 bytes/);
  });

  test('the console\'s compare prints one row per space and marks the bytes that differ', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: FIG5 });
    const frameId = (await d.topFrame(tid)).id;
    const r = await d.ok<Body<DebugProtocol.EvaluateResponse>>('evaluate', { expression: 'compare 0x2000_0000 4', context: 'repl', frameId });
    const lines = r.result.split('\n');
    assert.equal(lines[0], '0x2000_0000, 4 bytes, in every space: differ at 1 of 4 bytes (marked ^^)');
    assert.match(lines[1], /^ {2}VS0 {3}PA 0x2000_0000 · C2 · paging off · separate +43 32 3a 20$/);
    assert.match(lines[2], /^ {2}VS1 {3}PA 0x1_0000_0000 · C4 · separate +43 34 3a 20$/);
    assert.match(lines[4], /^ +\^\^$/);
    assert.equal(lines[4].length, lines[1].indexOf('43') + 5);
    await d.fails('evaluate', { expression: 'compare', context: 'repl', frameId }, /usage: compare VA \[LEN\]/);
  });
});
