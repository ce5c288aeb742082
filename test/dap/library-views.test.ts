// The snapshot-queue and DNLC views over a real DAP connection: decoded from memory through the
// program's own structs, with the last read's path and the last copy on first write from the library's
// events. Expected values are worked out by hand from the examples and the patent ([00052], FIG. 11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { DnlcView, SnapshotQueueView } from '../../debug-adapter/protocol';
import { example, fixture, lineOf, overBothTransports, type Dap } from './harness';

async function stopAt(d: Dap, file: string, line: number): Promise<void> {
  const tid = await d.launchStopped({ program: file }, async () => {
    await d.ok('setBreakpoints', { source: { path: file }, breakpoints: [{ line }] });
  });
  const s = await d.resume('continue', { threadId: tid });
  assert.equal(s.body.reason, 'breakpoint');
}

overBothTransports('library views', (open) => {
  test('[00052]: one snapshot whose save volume holds a0 and b0; the last read went to the clone', async () => {
    const d = await open();
    const file = example('snapshot-00052.mover');
    await stopAt(d, file, lineOf('print "snapshot 1 reads: a0 b0 c0 d0 e0 f0 g0 h0"', readFileSync(file, 'utf8')));
    const q = await d.ok<SnapshotQueueView>('mover/snapshots', {});
    assert.equal(q.present, true);
    assert.equal(q.problem, null);
    assert.equal(q.memoryReference, 'vs2:0x2000_0000');
    assert.equal(q.cloneVolume, 'CLONE');
    assert.equal(q.cloneBlocks, 8);
    // a..h written once (a0..h0), then a1 and b1: 10 writes, two of them copied a0 and b0 first.
    assert.equal(q.writes, 10);
    assert.equal(q.copiesOnFirstWrite, 2);
    assert.equal(q.entries.length, 1);
    const e = q.entries[0];
    assert.equal(e.id, 1);
    // The first vol.new makes volume 1 (CLONE, declared, is volume 0).
    assert.equal(e.saveVolume, 'vol1');
    assert.equal(e.saveUsed, 2);
    assert.equal(e.saveBlocks, 8);
    assert.equal(e.bitsSet, 2);
    assert.equal(e.bitmapPicture, '██······');
    assert.deepEqual(e.blockMap, [{ block: 0, saved: 0 }, { block: 1, saved: 1 }]);
    assert.match(e.memoryReference, /^vs2:0x2000_2/);
    // The last copy on first write: b0 into snapshot 1's save block 1.
    assert.deepEqual(q.lastCopyOnFirstWrite, { snapshot: 1, block: 1, savedBlock: 1 });
    // The loop read snapshot 1 block by block; the last, h (7), was never saved: 1 -> the clone.
    assert.deepEqual(q.lastRead, { snapshot: 1, block: 7, path: [1], foundIn: 'clone', savedBlock: null });
  });

  test('FIG. 11 with three snapshots: the read of snapshot 1 block 2 goes 1 -> 2 -> 3 and finds it in 3', async () => {
    const d = await open();
    const file = example('fig11-three-snapshots.mover');
    const text = readFileSync(file, 'utf8');
    // Stop after the third check (snapshot 1, block 2).
    await stopAt(d, file, lineOf('call check                          ; 1 -> 2 -> 3', text) + 1);
    const q = await d.ok<SnapshotQueueView>('mover/snapshots', {});
    assert.deepEqual(q.entries.map((e) => [e.id, e.saveVolume, e.saveUsed, e.bitmapPicture, e.blockMap]), [
      // Snapshot 1 saved block 0 (version 0) when block 0 became 1; 2 saved block 1; 3 saved block 2.
      [1, 'vol1', 1, '█···', [{ block: 0, saved: 0 }]],
      [2, 'vol2', 1, '·█··', [{ block: 1, saved: 0 }]],
      [3, 'vol3', 1, '··█·', [{ block: 2, saved: 0 }]],
    ]);
    assert.deepEqual(q.lastRead, { snapshot: 1, block: 2, path: [1, 2, 3], foundIn: 3, savedBlock: 0 });
    assert.deepEqual(q.lastCopyOnFirstWrite, { snapshot: 3, block: 2, savedBlock: 0 });
    // One step on: the read of block 3 passes all three and ends in the clone.
    await stopAtNextCheck(d, text, 'call check                          ; 1 -> 2 -> 3 -> clone');
    const q2 = await d.ok<SnapshotQueueView>('mover/snapshots', {});
    assert.deepEqual(q2.lastRead, { snapshot: 1, block: 3, path: [1, 2, 3], foundIn: 'clone', savedBlock: null });
  });

  test('FIG. 7: the DNLC after cpu0 entered five names and before any lookup', async () => {
    const d = await open();
    const file = example('fig7-dnlc.mover');
    await stopAt(d, file, lineOf('    mov r1, READY', readFileSync(file, 'utf8')));
    const v = await d.ok<DnlcView>('mover/dnlc', {});
    assert.equal(v.present, true);
    assert.equal(v.problem, null);
    assert.equal(v.memoryReference, 'vs1:0x2000_0000');
    assert.deepEqual([v.buckets, v.capacity, v.entries, v.enters, v.removes, v.hits, v.misses], [256, 8192, 5, 5, 0, 0, 0]);
    // Five names in five buckets: no collisions yet.
    assert.deepEqual([v.chains.length, v.longestChain, v.averageChain], [5, 1, 1]);
    const all = v.chains.flatMap((c) => c.entries.map((e) => `${e.parent}/${e.name}=${e.inode}`)).sort();
    assert.deepEqual(all, ['10/lib=11', '11/libc.so=12', '2/etc=20', '2/usr=10', '20/passwd=21']);
    assert.ok(v.chains.every((c) => c.bucket >= 0 && c.bucket < 256 && c.entries.length > 0));
    assert.ok(v.chains.every((c) => c.entries.every((e) => /^vs1:0x2000_[0-9a-f_]+$/.test(e.memoryReference))));
  });

  test('a program without the libraries gets empty views, not errors', async () => {
    const d = await open();
    const file = fixture('calls.mover');
    await d.launchStopped({ program: file });
    const q = await d.ok<SnapshotQueueView>('mover/snapshots', {});
    assert.equal(q.present, false);
    assert.deepEqual(q.entries, []);
    const v = await d.ok<DnlcView>('mover/dnlc', {});
    assert.equal(v.present, false);
    assert.deepEqual(v.chains, []);
    assert.deepEqual([v.longestChain, v.averageChain], [0, null]);
  });

  test('before snap_init runs, the queue is empty and says so', async () => {
    const d = await open();
    await d.launchStopped({ program: example('snapshot-00052.mover') });
    const q = await d.ok<SnapshotQueueView>('mover/snapshots', {});
    assert.equal(q.present, true);
    assert.deepEqual([q.entries.length, q.writes, q.lastRead, q.lastCopyOnFirstWrite], [0, 0, null, null]);
  });
});

async function stopAtNextCheck(d: Dap, text: string, marker: string): Promise<void> {
  const file = example('fig11-three-snapshots.mover');
  await d.ok('setBreakpoints', { source: { path: file }, breakpoints: [{ line: lineOf(marker, text) + 1 }] });
  const threads = await d.ok<{ threads: { id: number }[] }>('threads');
  const s = await d.resume('continue', { threadId: threads.threads[0].id });
  assert.equal(s.body.reason, 'breakpoint');
}
