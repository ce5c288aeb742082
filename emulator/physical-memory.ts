// Sparse physical memory over the whole 36-bit (64 GiB) physical address space of PAE.
//
// Host memory grows only with the pages touched: a page is allocated on its first write (reads of an
// untouched page see zeros and allocate nothing). Pages live in slabs of SLAB_PAGES pages; an
// open-addressing hash table maps a page frame number (PFN, 24 bits) to its slot in the slabs, so the
// directory costs a few bytes per page however scattered the pages are (a two-level directory costs a
// whole leaf per isolated page).
//
// Pages can also be shared (`mapShared`): slots that view an immutable image owned by someone else (the
// boot builder's page tables, the same for every machine of a layout). Reads see the image; the first
// write to such a page copies it into a private slot. An image's pages are found by range (a PFN with
// no key that lies in a mapped image), not by a key each, so a machine's boot costs no copy, no memory
// and no work per page.
//
// Checkpoints are journals: after `beginJournal()`, the first write to a page saves its old contents
// (or notes that the page is new), so the cost of a checkpoint and of a restore is proportional to the
// pages written since, not to the size of memory.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_OFFSET_MASK = PAGE_SIZE - 1;
/** PAE: 36-bit physical addresses (MAXPHYADDR = 36), so 2^24 page frames. */
export const PHYS_ADDR_BITS = 36;
export const PHYS_LIMIT = 2 ** PHYS_ADDR_BITS;
export const PFN_COUNT = PHYS_LIMIT / PAGE_SIZE;

/** Initial capacity of the PFN hash table (a power of two); it doubles when half full. */
const INITIAL_TABLE_BITS = 10;
/** Fibonacci hashing multiplier (2^32 / golden ratio). */
const HASH_MULTIPLIER = 0x9e3779b1;
const NO_KEY = 0;
const SLAB_PAGES = 64;
const SLAB_SHIFT = 6;
const SLAB_MASK = SLAB_PAGES - 1;
/** Pages whose slot the read path remembers (a power of two). */
const RECENT_PAGES = 16;

/** Old contents of the pages written since a journal began; pages allocated since then are listed apart. */
export interface MemoryJournal {
  readonly saved: Map<number, Uint8Array>;
  readonly allocated: number[];
}

export class PhysicalMemoryError extends Error {}

/**
 * An image mapped shared whose pages are written on first use (the boot builder's page tables): the
 * memory asks for a page before anything reads its bytes, so every read sees the finished page.
 */
export interface LazyImage {
  /** Writes page `page` of the image if it is not written yet. */
  buildPage(page: number): void;
}

/** A shared image mapped at PFNs firstPfn.. onwards, its pages in consecutive slots from firstSlot. */
interface SharedRange {
  readonly firstPfn: number;
  readonly pages: number;
  readonly firstSlot: number;
}

/** What a page with no data reads as, for host caches (never written: writes get a private page). */
const ZERO_PAGE = new DataView(new ArrayBuffer(PAGE_SIZE));

export class PhysicalMemory {
  /**
   * The PFN hash table, linear probing: keys hold PFN + 1 (NO_KEY: empty), values slot + 1 (0: the
   * page holds no data, e.g. released by undo). Keys are never removed, so probing needs no tombstones.
   * A page of a shared image has no key until its first write copies it (then the key wins).
   */
  private tableBits = INITIAL_TABLE_BITS;
  private keys = new Int32Array(1 << INITIAL_TABLE_BITS);
  private values = new Int32Array(1 << INITIAL_TABLE_BITS);
  private keyCount = 0;
  private readonly slabs: Uint8Array[] = [];
  private readonly views: DataView[] = [];
  private slotPfn = new Int32Array(SLAB_PAGES);
  private slotEpoch = new Int32Array(SLAB_PAGES);
  /** 1 for a slot that views a shared image (never written in place). */
  private slotShared = new Uint8Array(SLAB_PAGES);
  /** 1 for a shared slot whose lazy image may not have built the page yet. */
  private slotLazy = new Uint8Array(SLAB_PAGES);
  /** 1: a page the CPU's walks read entries from (see tableWrites). */
  private slotTable = new Uint8Array(SLAB_PAGES);
  /** The shared images mapped, where the pages with no key are found. */
  private readonly sharedRanges: SharedRange[] = [];
  /** Slots past the end of an image in its last slab: never handed out, holding nothing. */
  private unbackedSlots = 0;
  /** Per slab index: the lazy image a shared slab views, and the image page of its first slot. */
  private readonly slabLazy: ({ readonly image: LazyImage; readonly firstPage: number } | undefined)[] = [];
  private slotsUsed = 0;
  /** Shared slots whose page has since been copied into a private slot. */
  private abandoned = 0;
  private sharedSlabs = 0;
  private readonly freeSlots: number[] = [];
  /** Pages written while `epoch` is current are journaled once; epoch changes at each journal start. */
  private epoch = 1;
  private journal: MemoryJournal | null = null;
  /**
   * The page read last and the page written last (already journaled for this epoch): consecutive
   * accesses to one page, the common case, skip the directory. Dropped whenever a page is released or
   * the epoch changes.
   */
  private rPfn = -1;
  private rView: DataView | null = null;
  private rBytes: Uint8Array | null = null;
  private rBase = 0;
  /**
   * Behind the read shortcut, the slots of the last few pages read (-1: no data), direct-mapped by
   * pfn: a walk reads a directory, a table and then the data, three pages in turn, and each would
   * otherwise go to the directory. setSlot forgets the page here; dropShortcuts (shared images mapped,
   * journals, undo) forgets them all.
   */
  private readonly recentPfn = new Int32Array(RECENT_PAGES).fill(-1);
  private readonly recentSlot = new Int32Array(RECENT_PAGES);
  private wPfn = -1;
  private wView: DataView | null = null;
  private wBytes: Uint8Array | null = null;
  private wBase = 0;

  /**
   * Told whenever host memory that hostSlot handed out may no longer be the page's (a journal began or
   * ended, an undo, a shared page copied on its first write, shared pages mapped): each drops the host
   * pointers it keeps (the TLBs' host caches).
   */
  private readonly hostListeners: (() => void)[] = [];

  addHostListener(f: () => void): void {
    this.hostListeners.push(f);
  }

  private hostMoved(): void {
    this.zeroHandedOut = false;
    for (const f of this.hostListeners) f();
  }

  /** True when a page with no data was handed out as ZERO_PAGE: its first write must tell the listeners. */
  private zeroHandedOut = false;
  /** Set by hostPage: the view holding the page and the page's offset in it. */
  hostView: DataView = ZERO_PAGE;
  hostOffset = 0;

  /**
   * Points hostView/hostOffset at a page's bytes, for a caller that keeps that pointer until the next
   * host listener call. For reads, a page with no data is a shared page of zeros (its first write
   * tells the listeners). For writes, the page is made private and journaled as a write would.
   */
  hostPage(pfn: number, write: boolean): boolean {
    // Writes to a paging-structure page must be counted (tableWrites): none go through host memory.
    if (write && this.isTablePage(pfn)) return false;
    const slot = write ? this.writableSlot(pfn) : this.slotOf(pfn);
    if (slot < 0) { this.zeroHandedOut = true; this.hostView = ZERO_PAGE; this.hostOffset = 0; return true; }
    this.hostView = this.views[slot >>> SLAB_SHIFT];
    this.hostOffset = (slot & SLAB_MASK) << PAGE_SHIFT;
    return true;
  }

  /**
   * Writes to pages a CPU walk read a directory or table entry from (watchTables), ever: a walk memo
   * (walk-memo.ts) keeps a walk's result while this is what it was. Undo counts too.
   */
  tableWrites = 0;

  private isTablePage(pfn: number): boolean {
    const slot = this.rawSlotOf(pfn);
    return slot >= 0 && this.slotTable[slot] === 1;
  }

  /**
   * From now on writes to the pages holding these physical addresses count in tableWrites (-1: none).
   * Called after a walk, with its directory and table entries' addresses; each page costs once.
   */
  watchTables(a: number, b: number): void {
    this.watchTable(a);
    this.watchTable(b);
  }

  private watchTable(pa: number): void {
    if (pa < 0) return;
    const slot = this.slotOf(Math.floor(pa / PAGE_SIZE));
    if (slot < 0 || this.slotTable[slot]) return;
    this.slotTable[slot] = 1;
    // The write shortcut and host caches may point at the page: writes must come through here now.
    this.dropShortcuts();
  }

  /** Number of 4 KiB pages that hold data (were written at least once and not released). */
  get pagesTouched(): number {
    return this.slotsUsed - this.freeSlots.length - this.abandoned - this.unbackedSlots;
  }

  /** Host bytes this memory reserved for page contents (slabs are allocated SLAB_PAGES pages at a time); shared images are not counted. */
  get hostBytes(): number {
    return (this.slabs.length - this.sharedSlabs) * SLAB_PAGES * PAGE_SIZE;
  }

  static check(pa: number, size: number): void {
    if (!Number.isSafeInteger(pa) || pa < 0 || pa + size > PHYS_LIMIT) {
      throw new PhysicalMemoryError(`physical address ${pa.toString(16)} (+${size}) is outside the 36-bit physical space (0 .. 0xF_FFFF_FFFF)`);
    }
  }

  /** Index in the hash table where pfn's key is, or the empty index where it would go. */
  private indexOf(pfn: number): number {
    const mask = (1 << this.tableBits) - 1;
    const key = pfn + 1;
    let h = Math.imul(pfn, HASH_MULTIPLIER) >>> (32 - this.tableBits);
    for (;;) {
      const k = this.keys[h];
      if (k === key || k === NO_KEY) return h;
      h = (h + 1) & mask;
    }
  }

  /** The page's slot (-1: no data), its bytes built if it views a lazy image: every access to a page's bytes comes here. */
  private slotOf(pfn: number): number {
    const slot = this.rawSlotOf(pfn);
    if (slot >= 0 && this.slotLazy[slot]) this.build(slot);
    return slot;
  }

  /** As slotOf, without building a lazy page (to know only whether it holds data). */
  private rawSlotOf(pfn: number): number {
    const h = this.indexOf(pfn);
    return this.keys[h] === NO_KEY ? this.sharedSlotOf(pfn) : this.values[h] - 1;
  }

  /** The slot of a page with no key: a shared image's, or -1 (no data). */
  private sharedSlotOf(pfn: number): number {
    const ranges = this.sharedRanges;
    for (let i = 0; i < ranges.length; i++) {
      const k = pfn - ranges[i].firstPfn;
      if (k >= 0 && k < ranges[i].pages) return ranges[i].firstSlot + k;
    }
    return -1;
  }

  /** A lazy image's page is read for the first time: the image writes it (once, for every memory viewing it). */
  private build(slot: number): void {
    this.slotLazy[slot] = 0;
    const l = this.slabLazy[slot >>> SLAB_SHIFT]!;
    l.image.buildPage(l.firstPage + (slot & SLAB_MASK));
  }

  /** Sets pfn's slot (slot + 1, or 0 for none), adding the key if needed. */
  private setSlot(pfn: number, value: number): void {
    if (this.recentPfn[pfn & (RECENT_PAGES - 1)] === pfn) this.recentPfn[pfn & (RECENT_PAGES - 1)] = -1;
    let h = this.indexOf(pfn);
    if (this.keys[h] === NO_KEY) {
      if ((this.keyCount + 1) * 2 > this.keys.length) { this.grow(); h = this.indexOf(pfn); }
      this.keys[h] = pfn + 1;
      this.keyCount++;
    }
    this.values[h] = value;
  }

  private grow(): void {
    const oldKeys = this.keys, oldValues = this.values;
    this.tableBits++;
    this.keys = new Int32Array(1 << this.tableBits);
    this.values = new Int32Array(1 << this.tableBits);
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] === NO_KEY) continue;
      const h = this.indexOf(oldKeys[i] - 1);
      this.keys[h] = oldKeys[i];
      this.values[h] = oldValues[i];
    }
  }

  private allocate(pfn: number): number {
    // A host cache may read this page as the zero page: no longer.
    if (this.zeroHandedOut) { this.zeroHandedOut = false; this.hostMoved(); }
    const slot = this.newSlot();
    this.setSlot(pfn, slot + 1);
    this.slotPfn[slot] = pfn;
    this.slotEpoch[slot] = this.epoch;
    if (this.journal) this.journal.allocated.push(pfn);
    return slot;
  }

  private ensureSlots(n: number): void {
    if (n <= this.slotPfn.length) return;
    let len = this.slotPfn.length;
    while (len < n) len *= 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => { b.set(a); return b; };
    this.slotPfn = grow(this.slotPfn, new Int32Array(len));
    this.slotEpoch = grow(this.slotEpoch, new Int32Array(len));
    this.slotShared = grow(this.slotShared, new Uint8Array(len));
    this.slotLazy = grow(this.slotLazy, new Uint8Array(len));
    this.slotTable = grow(this.slotTable, new Uint8Array(len));
  }

  /** A zeroed private slot. */
  private newSlot(): number {
    let slot: number;
    if (this.freeSlots.length > 0) {
      slot = this.freeSlots.pop()!;
      this.slotTable[slot] = 0;
      this.slabs[slot >>> SLAB_SHIFT].fill(0, (slot & SLAB_MASK) << PAGE_SHIFT, ((slot & SLAB_MASK) + 1) << PAGE_SHIFT);
    } else {
      slot = this.slotsUsed++;
      if ((slot >>> SLAB_SHIFT) >= this.slabs.length) {
        const slab = new Uint8Array(SLAB_PAGES * PAGE_SIZE);
        this.slabs.push(slab);
        this.views.push(new DataView(slab.buffer));
      }
      this.ensureSlots(slot + 1);
    }
    return slot;
  }

  /** The first write to a shared page: its contents move to a private slot, which replaces it. */
  private unshare(pfn: number, shared: number): number {
    const slot = this.newSlot();
    const from = (shared & SLAB_MASK) << PAGE_SHIFT;
    this.slabs[slot >>> SLAB_SHIFT].set(this.slabs[shared >>> SLAB_SHIFT].subarray(from, from + PAGE_SIZE), (slot & SLAB_MASK) << PAGE_SHIFT);
    this.setSlot(pfn, slot + 1);
    this.slotPfn[slot] = pfn;
    this.slotEpoch[slot] = this.epoch;
    this.slotTable[slot] = this.slotTable[shared];
    this.abandoned++;
    // The read shortcut and host caches may still view the shared copy.
    if (this.rPfn === pfn) this.rPfn = -1;
    this.hostMoved();
    return slot;
  }

  /**
   * Maps `bytes` (whole pages, page-aligned in its buffer) at `pa` as shared pages: no copy. The caller
   * must never change them. Only on pages that hold no data yet, and not while a journal is active.
   */
  mapShared(pa: number, bytes: Uint8Array, lazy?: LazyImage): void {
    PhysicalMemory.check(pa, bytes.length);
    if (pa % PAGE_SIZE || bytes.length % PAGE_SIZE || bytes.byteOffset % PAGE_SIZE) throw new PhysicalMemoryError('a shared image is whole, aligned pages');
    if (this.journal) throw new PhysicalMemoryError('shared pages cannot be mapped while a checkpoint journal is active');
    const pages = bytes.length / PAGE_SIZE;
    const firstPfn = pa / PAGE_SIZE;
    // A memory with no key and no image yet (a machine's boot) holds no data anywhere.
    const used = this.keyCount > 0 || this.sharedRanges.length > 0;
    if (used) for (let k = 0; k < pages; k++) if (this.rawSlotOf(firstPfn + k) >= 0) throw new PhysicalMemoryError(`page ${(firstPfn + k).toString(16)} already holds data`);
    this.dropShortcuts();
    // The image takes whole slab indexes of its own, viewing it in place: the rest of the last private
    // slab becomes free slots, and the slots past the image in its last slab are never handed out.
    const firstSlot = Math.ceil(this.slotsUsed / SLAB_PAGES) * SLAB_PAGES;
    const slabs = Math.ceil(pages / SLAB_PAGES);
    this.ensureSlots(firstSlot + slabs * SLAB_PAGES);
    for (let g = this.slotsUsed; g < firstSlot; g++) this.freeSlots.push(g);
    for (let k = 0; k < pages; k += SLAB_PAGES) {
      const view = bytes.subarray(k * PAGE_SIZE, Math.min(pages, k + SLAB_PAGES) * PAGE_SIZE);
      this.slabLazy[this.slabs.length] = lazy ? { image: lazy, firstPage: k } : undefined;
      this.slabs.push(view);
      this.views.push(new DataView(view.buffer, view.byteOffset, view.byteLength));
    }
    this.sharedSlabs += slabs;
    this.slotsUsed = firstSlot + slabs * SLAB_PAGES;
    this.unbackedSlots += slabs * SLAB_PAGES - pages;
    for (let k = 0; k < pages; k++) this.slotPfn[firstSlot + k] = firstPfn + k;
    this.slotEpoch.fill(this.epoch, firstSlot, firstSlot + pages);
    this.slotShared.fill(1, firstSlot, firstSlot + pages);
    // A lazy image's page is asked for on its first read (the image knows whether it wrote it already).
    if (lazy) this.slotLazy.fill(1, firstSlot, firstSlot + pages);
    this.sharedRanges.push({ firstPfn, pages, firstSlot });
    // A key left in the range (a page released by an undo) would hide the image's page: it points there too.
    if (used) {
      for (let k = 0; k < pages; k++) {
        const h = this.indexOf(firstPfn + k);
        if (this.keys[h] !== NO_KEY) this.values[h] = firstSlot + k + 1;
      }
    }
  }

  /** The slot of a page about to be written: allocated and journaled as needed. */
  private writableSlot(pfn: number): number {
    const slot = this.slotOf(pfn);
    if (slot < 0) return this.allocate(pfn);
    if (this.slotTable[slot]) this.tableWrites++;
    if (this.slotEpoch[slot] !== this.epoch) {
      this.slotEpoch[slot] = this.epoch;
      if (this.journal && !this.journal.saved.has(pfn)) {
        const base = (slot & SLAB_MASK) << PAGE_SHIFT;
        this.journal.saved.set(pfn, this.slabs[slot >>> SLAB_SHIFT].slice(base, base + PAGE_SIZE));
      }
    }
    return this.slotShared[slot] ? this.unshare(pfn, slot) : slot;
  }

  /**
   * Makes pfn the read shortcut's page; false when the page holds no data (it reads as zeros). Every
   * read that is not on the last page read comes here.
   */
  private readPage(pfn: number): boolean {
    const r = pfn & (RECENT_PAGES - 1);
    let slot: number;
    if (this.recentPfn[r] === pfn) slot = this.recentSlot[r];
    else {
      slot = this.slotOf(pfn);
      this.recentPfn[r] = pfn;
      this.recentSlot[r] = slot;
    }
    if (slot < 0) return false;
    this.rPfn = pfn;
    this.rView = this.views[slot >>> SLAB_SHIFT];
    this.rBytes = this.slabs[slot >>> SLAB_SHIFT];
    this.rBase = (slot & SLAB_MASK) << PAGE_SHIFT;
    return true;
  }

  /** Makes pfn the write shortcut's page (allocated and journaled as needed). */
  private writePage(pfn: number): void {
    const slot = this.writableSlot(pfn);
    // Every write to a paging-structure page is counted: those take this path each time.
    this.wPfn = this.slotTable[slot] ? -1 : pfn;
    this.wView = this.views[slot >>> SLAB_SHIFT];
    this.wBytes = this.slabs[slot >>> SLAB_SHIFT];
    this.wBase = (slot & SLAB_MASK) << PAGE_SHIFT;
  }

  read8(pa: number): number {
    const pfn = Math.floor(pa / PAGE_SIZE);
    if (pfn !== this.rPfn && !this.readPage(pfn)) return 0;
    return this.rBytes![this.rBase | (pa & PAGE_OFFSET_MASK)];
  }

  read16(pa: number): number {
    const off = pa & PAGE_OFFSET_MASK;
    if (off > PAGE_SIZE - 2) return this.read8(pa) | (this.read8(pa + 1) << 8);
    const pfn = Math.floor(pa / PAGE_SIZE);
    if (pfn !== this.rPfn && !this.readPage(pfn)) return 0;
    return this.rView!.getUint16(this.rBase | off, true);
  }

  /** Unsigned 32-bit little-endian read. */
  read32(pa: number): number {
    const off = pa & PAGE_OFFSET_MASK;
    if (off > PAGE_SIZE - 4) return (this.read16(pa) | (this.read16(pa + 2) << 16)) >>> 0;
    const pfn = Math.floor(pa / PAGE_SIZE);
    if (pfn !== this.rPfn && !this.readPage(pfn)) return 0;
    return this.rView!.getUint32(this.rBase | off, true);
  }

  write8(pa: number, value: number): void {
    const pfn = Math.floor(pa / PAGE_SIZE);
    if (pfn !== this.wPfn) this.writePage(pfn);
    this.wBytes![this.wBase | (pa & PAGE_OFFSET_MASK)] = value;
  }

  write16(pa: number, value: number): void {
    const off = pa & PAGE_OFFSET_MASK;
    if (off > PAGE_SIZE - 2) { this.write8(pa, value & 0xff); this.write8(pa + 1, (value >>> 8) & 0xff); return; }
    const pfn = Math.floor(pa / PAGE_SIZE);
    if (pfn !== this.wPfn) this.writePage(pfn);
    this.wView!.setUint16(this.wBase | off, value, true);
  }

  write32(pa: number, value: number): void {
    const off = pa & PAGE_OFFSET_MASK;
    if (off > PAGE_SIZE - 4) { this.write16(pa, value & 0xffff); this.write16(pa + 2, (value >>> 16) & 0xffff); return; }
    const pfn = Math.floor(pa / PAGE_SIZE);
    if (pfn !== this.wPfn) this.writePage(pfn);
    this.wView!.setUint32(this.wBase | off, value >>> 0, true);
  }

  /** Forgets the last-page shortcuts (pages released, or journaling changed). */
  private dropShortcuts(): void {
    this.rPfn = -1;
    this.wPfn = -1;
    this.recentPfn.fill(-1);
    this.hostMoved();
  }

  /** A 64-bit little-endian value as a BigInt (for tools and tests; the CPU reads halves). */
  read64(pa: number): bigint {
    return (BigInt(this.read32(pa + 4)) << 32n) | BigInt(this.read32(pa));
  }

  write64(pa: number, value: bigint): void {
    this.write32(pa, Number(value & 0xffffffffn));
    this.write32(pa + 4, Number((value >> 32n) & 0xffffffffn));
  }

  /** Copies bytes out; untouched pages read as zeros and stay untouched. */
  readBytes(pa: number, length: number, into?: Uint8Array): Uint8Array {
    PhysicalMemory.check(pa, length);
    const out = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const addr = pa + done;
      const off = addr & PAGE_OFFSET_MASK;
      const n = Math.min(PAGE_SIZE - off, length - done);
      const slot = this.slotOf(Math.floor(addr / PAGE_SIZE));
      if (slot < 0) out.fill(0, done, done + n);
      else {
        const base = ((slot & SLAB_MASK) << PAGE_SHIFT) + off;
        out.set(this.slabs[slot >>> SLAB_SHIFT].subarray(base, base + n), done);
      }
      done += n;
    }
    return out;
  }

  writeBytes(pa: number, bytes: Uint8Array): void {
    PhysicalMemory.check(pa, bytes.length);
    let done = 0;
    while (done < bytes.length) {
      const addr = pa + done;
      const off = addr & PAGE_OFFSET_MASK;
      const n = Math.min(PAGE_SIZE - off, bytes.length - done);
      const slot = this.writableSlot(Math.floor(addr / PAGE_SIZE));
      // Within one page (a block, a data item) the bytes go in whole, with no view made of them.
      this.slabs[slot >>> SLAB_SHIFT].set(n === bytes.length ? bytes : bytes.subarray(done, done + n), ((slot & SLAB_MASK) << PAGE_SHIFT) + off);
      done += n;
    }
  }

  /** Fills a range with one byte value (zero-fill of a fresh range allocates nothing). */
  fill(pa: number, length: number, value: number): void {
    PhysicalMemory.check(pa, length);
    let done = 0;
    while (done < length) {
      const addr = pa + done;
      const off = addr & PAGE_OFFSET_MASK;
      const n = Math.min(PAGE_SIZE - off, length - done);
      const pfn = Math.floor(addr / PAGE_SIZE);
      if (value !== 0 || this.rawSlotOf(pfn) >= 0) {
        const slot = this.writableSlot(pfn);
        const base = ((slot & SLAB_MASK) << PAGE_SHIFT) + off;
        this.slabs[slot >>> SLAB_SHIFT].fill(value, base, base + n);
      }
      done += n;
    }
  }

  isTouched(pa: number): boolean {
    return this.rawSlotOf(Math.floor(pa / PAGE_SIZE)) >= 0;
  }

  /** PFNs of every page that holds data, ascending. */
  touchedPages(): number[] {
    const out: number[] = [];
    for (let slot = 0; slot < this.slotsUsed; slot++) {
      const pfn = this.slotPfn[slot];
      if (this.rawSlotOf(pfn) === slot) out.push(pfn);
    }
    return out.sort((a, b) => a - b);
  }

  /** Starts journaling: until the next call, the first write to each page saves what it held. */
  beginJournal(): MemoryJournal {
    this.dropShortcuts();
    this.epoch++;
    this.journal = { saved: new Map(), allocated: [] };
    return this.journal;
  }

  /** Stops journaling (no checkpoint is live any more). */
  endJournal(): void {
    this.dropShortcuts();
    this.epoch++;
    this.journal = null;
  }

  /** Puts back what a journal saved and releases the pages allocated while it was active. */
  undo(journal: MemoryJournal): void {
    this.dropShortcuts();
    this.tableWrites++;
    for (const [pfn, bytes] of journal.saved) {
      const slot = this.slotOf(pfn);
      if (slot < 0) continue;
      this.slabs[slot >>> SLAB_SHIFT].set(bytes, (slot & SLAB_MASK) << PAGE_SHIFT);
    }
    for (const pfn of journal.allocated) {
      const slot = this.slotOf(pfn);
      if (slot < 0) continue;
      this.setSlot(pfn, 0);
      this.freeSlots.push(slot);
    }
  }

  /**
   * Folds a later journal into the one before it, so that undoing `earlier` alone brings memory back
   * to its start (the later checkpoint is dropped). The earlier copy of a page wins: it is older.
   */
  static foldJournal(earlier: MemoryJournal, later: MemoryJournal): void {
    const allocated = new Set(earlier.allocated);
    for (const [pfn, bytes] of later.saved) if (!earlier.saved.has(pfn) && !allocated.has(pfn)) earlier.saved.set(pfn, bytes);
    for (const pfn of later.allocated) earlier.allocated.push(pfn);
  }

  /** Host bytes a journal holds (the saved pages). */
  static journalBytes(journal: MemoryJournal): number {
    return journal.saved.size * PAGE_SIZE;
  }

  /** Resumes journaling into an existing journal after a restore to the checkpoint that owns it. */
  resumeJournal(journal: MemoryJournal): void {
    journal.saved.clear();
    journal.allocated.length = 0;
    this.dropShortcuts();
    this.epoch++;
    this.journal = journal;
  }
}
