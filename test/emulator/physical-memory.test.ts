// Sparse 36-bit physical memory: little-endian access, no aliasing above 4 GiB, host memory proportional
// to the pages touched, and journals for checkpoints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory, PhysicalMemoryError, PHYS_LIMIT, PAGE_SIZE } from '../../emulator/index';

test('the physical space is 36 bits: 64 GiB', () => {
  assert.equal(PHYS_LIMIT, 64 * 1024 ** 3);
  assert.equal(PHYS_LIMIT, 0x10_0000_0000);
});

test('little-endian 8/16/32/64-bit access', () => {
  const mem = new PhysicalMemory();
  mem.write32(0x1000, 0x1122_3344);
  assert.equal(mem.read8(0x1000), 0x44);
  assert.equal(mem.read8(0x1003), 0x11);
  assert.equal(mem.read16(0x1000), 0x3344);
  assert.equal(mem.read16(0x1002), 0x1122);
  assert.equal(mem.read32(0x1000), 0x1122_3344);
  mem.write32(0x1004, 0xdead_beef);
  assert.equal(mem.read32(0x1004), 0xdead_beef, 'read32 is unsigned');
  assert.equal(mem.read64(0x1000), 0xdead_beef_1122_3344n);
  mem.write64(0x2000, 0x0123_4567_89ab_cdefn);
  assert.equal(mem.read32(0x2000), 0x89ab_cdef);
  assert.equal(mem.read32(0x2004), 0x0123_4567);
  mem.write16(0x3000, 0xbeef);
  assert.deepEqual([...mem.readBytes(0x3000, 2)], [0xef, 0xbe]);
});

test('accesses that straddle a page boundary', () => {
  const mem = new PhysicalMemory();
  // 0x1FFE..0x2001: two bytes in page 1, two in page 2.
  mem.write32(0x1ffe, 0xaabb_ccdd);
  assert.equal(mem.pagesTouched, 2);
  assert.equal(mem.read8(0x1ffe), 0xdd);
  assert.equal(mem.read8(0x1fff), 0xcc);
  assert.equal(mem.read8(0x2000), 0xbb);
  assert.equal(mem.read8(0x2001), 0xaa);
  assert.equal(mem.read32(0x1ffe), 0xaabb_ccdd);
  assert.equal(mem.read16(0x1fff), 0xbbcc);
  mem.write16(0x3fff, 0x1234);
  assert.equal(mem.read8(0x3fff), 0x34);
  assert.equal(mem.read8(0x4000), 0x12);
  // The same across the 4 GiB line: 0xFFFF_FFFE..0x1_0000_0001.
  mem.write32(0xffff_fffe, 0x0102_0304);
  assert.equal(mem.read16(0xffff_fffe), 0x0304);
  assert.equal(mem.read16(0x1_0000_0000), 0x0102);
  assert.equal(mem.read32(0xffff_fffe), 0x0102_0304);
});

test('addresses above 4 GiB do not alias the low 4 GiB', () => {
  const mem = new PhysicalMemory();
  mem.write32(0x1_0000_0000, 0x1111_1111);
  mem.write32(0x2_0000_0000, 0x2222_2222);
  mem.write32(0xf_ffff_fffc, 0xffff_0000); // last word of the 64 GiB space
  assert.equal(mem.read32(0), 0);
  assert.equal(mem.isTouched(0), false);
  assert.equal(mem.read32(0x1_0000_0000), 0x1111_1111);
  assert.equal(mem.read32(0x2_0000_0000), 0x2222_2222);
  assert.equal(mem.read32(0xf_ffff_fffc), 0xffff_0000);
  assert.deepEqual(mem.touchedPages(), [0x10_0000, 0x20_0000, 0xff_ffff]);
});

test('bulk access beyond 64 GiB is refused', () => {
  const mem = new PhysicalMemory();
  assert.throws(() => mem.readBytes(PHYS_LIMIT, 1), PhysicalMemoryError);
  assert.throws(() => mem.writeBytes(PHYS_LIMIT - 2, new Uint8Array(4)), PhysicalMemoryError);
  assert.throws(() => mem.fill(-4096, 10, 1), PhysicalMemoryError);
  assert.doesNotThrow(() => mem.writeBytes(PHYS_LIMIT - 4, new Uint8Array([1, 2, 3, 4])));
  assert.equal(mem.read32(PHYS_LIMIT - 4), 0x0403_0201);
});

test('sparse footprint: N pages spread over 64 GiB cost N pages of host memory', () => {
  for (const n of [1, 100, 1000]) {
    const mem = new PhysicalMemory();
    assert.equal(mem.pagesTouched, 0);
    assert.equal(mem.hostBytes, 0);
    // Pages i * (64 GiB / n), rounded down to a page: spread over the whole physical space.
    const stride = Math.floor(PHYS_LIMIT / n / PAGE_SIZE) * PAGE_SIZE;
    for (let i = 0; i < n; i++) mem.write8(i * stride + 7, i & 0xff);
    assert.equal(mem.pagesTouched, n);
    // Host bytes hold at least the N pages and at most one allocation unit (64 pages) more:
    // proportional to N, not to the 64 GiB spanned.
    assert.ok(mem.hostBytes >= n * PAGE_SIZE, `${n} pages need at least ${n * PAGE_SIZE} bytes (have ${mem.hostBytes})`);
    assert.ok(mem.hostBytes <= (n + 64) * PAGE_SIZE, `${n} pages cost ${mem.hostBytes} host bytes`);
    for (let i = 0; i < n; i++) assert.equal(mem.read8(i * stride + 7), i & 0xff);
    // Writing the same pages again allocates nothing more.
    const host = mem.hostBytes;
    for (let i = 0; i < n; i++) mem.write32(i * stride + 100, i);
    assert.equal(mem.pagesTouched, n);
    assert.equal(mem.hostBytes, host);
  }
});

test('reads of untouched pages allocate nothing', () => {
  const mem = new PhysicalMemory();
  for (let i = 0; i < 1000; i++) {
    const pa = Math.floor((i * 0x3_3333_3331) % (PHYS_LIMIT - 8));
    assert.equal(mem.read8(pa), 0);
    assert.equal(mem.read16(pa), 0);
    assert.equal(mem.read32(pa), 0);
    assert.equal(mem.read64(pa), 0n);
  }
  const bytes = mem.readBytes(0x3_0000_0000, 1 << 20);
  assert.ok(bytes.every((b) => b === 0));
  mem.fill(0x4_0000_0000, 1 << 20, 0); // zero-fill of a fresh range
  assert.equal(mem.isTouched(0x4_0000_0000), false);
  assert.equal(mem.pagesTouched, 0);
  assert.equal(mem.hostBytes, 0);
  assert.deepEqual(mem.touchedPages(), []);
});

test('fill and writeBytes touch exactly the pages they cover', () => {
  const mem = new PhysicalMemory();
  mem.fill(0x1_0000_0800, 0x2000, 0xab); // 0x800..0x27FF: pages 0, 1, 2 of that 4 GiB
  assert.equal(mem.pagesTouched, 3);
  assert.equal(mem.read8(0x1_0000_07ff), 0);
  assert.equal(mem.read8(0x1_0000_0800), 0xab);
  assert.equal(mem.read8(0x1_0000_27ff), 0xab);
  assert.equal(mem.read8(0x1_0000_2800), 0);
  const data = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
  mem.writeBytes(0x5_0000_0ffe, data);
  assert.deepEqual(mem.readBytes(0x5_0000_0ffe, 5000), data);
});

test('a journal undoes writes and releases pages allocated since it began', () => {
  const mem = new PhysicalMemory();
  mem.write32(0x1000, 1);
  const j = mem.beginJournal();
  mem.write32(0x1000, 2);
  mem.write32(0x1004, 3);
  mem.write32(0x9_0000_0000, 4); // new page
  assert.equal(mem.pagesTouched, 2);
  assert.equal(mem.read32(0x1000), 2);
  assert.equal(mem.read32(0x9_0000_0000), 4); // the page read last is the one released below
  mem.undo(j);
  assert.equal(mem.read32(0x9_0000_0000), 0, 'released: reads as zeros again');
  assert.equal(mem.isTouched(0x9_0000_0000), false);
  assert.equal(mem.read32(0x1000), 1);
  assert.equal(mem.read32(0x1004), 0);
  assert.equal(mem.pagesTouched, 1);
  // A page allocated again after release starts from zeros.
  mem.resumeJournal(j);
  mem.write8(0x9_0000_0010, 1);
  assert.equal(mem.read32(0x9_0000_0000), 0);
  assert.equal(mem.read8(0x9_0000_0010), 1);
});

test('shared pages read from the image; the first write copies the page, leaving the image and other memories as they were', () => {
  const image = new Uint8Array(70 * PAGE_SIZE);
  for (let p = 0; p < 70; p++) new DataView(image.buffer).setUint32(p * PAGE_SIZE, 0x1000 + p, true);
  const a = new PhysicalMemory(), b = new PhysicalMemory();
  a.write32(0x10, 5); // a private page first: the shared slab must not reuse its slab
  a.mapShared(0x40_0000, image);
  b.mapShared(0x40_0000, image);
  assert.equal(a.read32(0x40_0000 + 3 * PAGE_SIZE), 0x1003);
  assert.equal(a.read32(0x40_0000 + 69 * PAGE_SIZE), 0x1045);
  assert.equal(a.pagesTouched, 71);
  const id = a.beginJournal();
  a.read32(0x40_0000 + 3 * PAGE_SIZE); // the read shortcut now views the shared page
  a.write32(0x40_0000 + 3 * PAGE_SIZE, 7);
  assert.equal(a.read32(0x40_0000 + 3 * PAGE_SIZE), 7);
  assert.equal(b.read32(0x40_0000 + 3 * PAGE_SIZE), 0x1003);
  assert.equal(new DataView(image.buffer).getUint32(3 * PAGE_SIZE, true), 0x1003);
  assert.equal(a.pagesTouched, 71);
  a.undo(id);
  assert.equal(a.read32(0x40_0000 + 3 * PAGE_SIZE), 0x1003);
  assert.equal(a.read32(0x10), 5);
});

test('a shared image: its last partial slab is viewed in place too; a page an undo released before reads the image', () => {
  const mem = new PhysicalMemory();
  const j = mem.beginJournal();
  mem.write32(0x40_1000, 9);
  mem.undo(j); // the page is released: it holds no data again
  mem.endJournal();
  assert.equal(mem.isTouched(0x40_1000), false);
  const image = new Uint8Array(70 * PAGE_SIZE);
  for (let p = 0; p < 70; p++) new DataView(image.buffer).setUint32(p * PAGE_SIZE, 0x1000 + p, true);
  mem.mapShared(0x40_0000, image);
  assert.equal(mem.read32(0x40_1000), 0x1001);
  assert.equal(mem.read32(0x40_0000 + 69 * PAGE_SIZE), 0x1045);
  assert.equal(mem.pagesTouched, 70);
  assert.deepEqual(mem.touchedPages(), Array.from({ length: 70 }, (_, i) => 0x400 + i));
  assert.throws(() => mem.mapShared(0x40_0000 + 69 * PAGE_SIZE, new Uint8Array(PAGE_SIZE)), /page 445 already holds data/);
  // A write to the partial slab copies the page; a new private page goes to a slab of its own.
  mem.write32(0x40_0000 + 69 * PAGE_SIZE, 5);
  mem.write32(0x100_0000, 3);
  assert.equal(mem.pagesTouched, 71);
  assert.equal(mem.read32(0x40_0000 + 69 * PAGE_SIZE), 5);
  assert.equal(mem.read32(0x40_0000 + 68 * PAGE_SIZE), 0x1044);
  assert.equal(mem.read32(0x100_0000), 3);
  assert.equal(new DataView(image.buffer).getUint32(69 * PAGE_SIZE, true), 0x1045);
  // A second image beside the first, in a fresh memory.
  const b = new PhysicalMemory();
  b.mapShared(0x40_0000, image);
  assert.throws(() => b.mapShared(0x3f_f000, new Uint8Array(2 * PAGE_SIZE)), /page 400 already holds data/);
  b.mapShared(0x50_0000, new Uint8Array(PAGE_SIZE).fill(7));
  assert.equal(b.read8(0x50_0000), 7);
  assert.equal(b.read32(0x40_0000), 0x1000);
  assert.equal(b.pagesTouched, 71);
  assert.equal(b.hostBytes, 0);
});
