// Volumes of the cached disk array ([00024], [00027]): DMA by physical address (no translation), above
// 4 GiB too; bad transfers are error results, never exceptions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockDevices, Machine, PhysicalMemory } from '../../emulator/index';
import { layoutOf, patentSpec } from './helpers';

function machineWithVolumes(): Machine {
  const spec = patentSpec();
  spec.volumes = [{ name: 'clone', blockSize: 4096, blocks: 16 }, { name: 'save', blockSize: 512, blocks: 8 }];
  return new Machine({ layout: layoutOf(spec), cpus: 1 });
}

const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

test('volumes come from the layout', () => {
  const m = machineWithVolumes();
  assert.deepEqual(m.volumes.list().map((v) => [v.name, v.blockSize, v.blockCount]), [['clone', 4096, 16], ['save', 512, 8]]);
  assert.deepEqual([...m.volumes.get('clone')!.read(3)], [...new Uint8Array(4096)], 'never-written blocks read as zeros');
  assert.equal(m.volumes.get('clone')!.blocksWritten, 0);
});

test('DMA memory -> volume and volume -> memory at physical addresses above 4 GiB', () => {
  const m = machineWithVolumes();
  const mem = m.memory;
  const data = pattern(8192, 3);
  mem.writeBytes(0x1_0000_0000, data); // in C4
  assert.deepEqual(m.volumes.writeFromMemory(mem, 'clone', 2, 2, 0x1_0000_0000), { ok: true });
  const clone = m.volumes.get('clone')!;
  assert.deepEqual(clone.read(2), data.subarray(0, 4096));
  assert.deepEqual(clone.read(3), data.subarray(4096));
  assert.equal(clone.blocksWritten, 2);

  // Back into memory at 0x3_0000_0000 (bits 35..32 = 3): the low 4 GiB at 0x0 is not touched.
  const low = mem.readBytes(0, 8192);
  assert.deepEqual(m.volumes.readToMemory(mem, 'clone', 2, 2, 0x3_0000_0000), { ok: true });
  assert.deepEqual(mem.readBytes(0x3_0000_0000, 8192), data);
  assert.deepEqual(mem.readBytes(0, 8192), low);
  assert.deepEqual(m.volumes.counters, { blocksRead: 2, blocksWritten: 2 });

  // 512-byte blocks, not page aligned, straddling a page boundary above 4 GiB.
  const small = pattern(1024, 99);
  mem.writeBytes(0x2_0000_0e00, small);
  assert.equal(m.volumes.writeFromMemory(mem, 'save', 6, 2, 0x2_0000_0e00).ok, true);
  assert.deepEqual(m.volumes.get('save')!.read(7), small.subarray(512));
});

test('reading never-written blocks zero-fills memory and allocates no untouched page', () => {
  const m = machineWithVolumes();
  const mem = m.memory;
  const touched = mem.pagesTouched;
  assert.equal(m.volumes.readToMemory(mem, 'clone', 0, 4, 0x5_0000_0000).ok, true);
  assert.equal(mem.pagesTouched, touched);
  mem.fill(0x5_0000_1000, 4096, 0xee);
  assert.equal(m.volumes.readToMemory(mem, 'clone', 0, 4, 0x5_0000_0000).ok, true);
  assert.equal(mem.read8(0x5_0000_1000), 0, 'zeros overwrite old data');
});

test('out-of-range transfers are error results: nothing thrown, nothing moved', () => {
  const m = machineWithVolumes();
  const mem = m.memory;
  mem.writeBytes(0x1_0000_0000, pattern(4096, 1));
  const before = mem.readBytes(0x1_0000_0000, 4096);
  const bad: [string, number, number, number, RegExp][] = [
    ['clone', 15, 2, 0x1_0000_0000, /blocks 15\.\.16 are outside volume clone \(0\.\.15\)/], // 16 blocks: 0..15
    ['clone', -1, 1, 0x1_0000_0000, /outside volume clone/],
    ['clone', 0, 0, 0x1_0000_0000, /outside volume clone/],
    ['clone', 1.5, 1, 0x1_0000_0000, /outside volume clone/],
    ['nope', 0, 1, 0x1_0000_0000, /no volume named nope/],
    ['clone', 0, 2, 0xf_ffff_f000, /outside the 36-bit physical space/], // 8 KiB from 64G - 4K
    ['clone', 0, 1, -4096, /outside the 36-bit physical space/],
  ];
  for (const [vol, block, count, pa, msg] of bad) {
    for (const r of [m.volumes.writeFromMemory(mem, vol, block, count, pa), m.volumes.readToMemory(mem, vol, block, count, pa)]) {
      assert.equal(r.ok, false, `${vol} ${block}+${count} at ${pa}`);
      if (!r.ok) assert.match(r.message, msg);
    }
  }
  assert.equal(m.volumes.get('clone')!.blocksWritten, 0);
  assert.deepEqual(m.volumes.counters, { blocksRead: 0, blocksWritten: 0 });
  assert.deepEqual(mem.readBytes(0x1_0000_0000, 4096), before);
  // The last block of the volume and the last page of physical memory are in range.
  assert.equal(m.volumes.writeFromMemory(mem, 'clone', 15, 1, 0xf_ffff_f000).ok, true);
});

test('creating volumes: bad geometry and duplicate names are messages', () => {
  const dev = new BlockDevices();
  assert.equal(typeof dev.create({ name: 'a', blockSize: 4096, blocks: 2 }), 'object');
  assert.match(dev.create({ name: 'a', blockSize: 4096, blocks: 2 }) as string, /already exists/);
  assert.match(dev.create({ name: 'b', blockSize: 1000, blocks: 2 }) as string, /power of two/);
  assert.match(dev.create({ name: 'c', blockSize: 512, blocks: 0 }) as string, /at least one block/);
  const mem = new PhysicalMemory();
  assert.equal(dev.readToMemory(mem, 'a', 0, 2, 0).ok, true);
});
