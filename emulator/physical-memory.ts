// Sparse physical memory over the whole 36-bit (64 GiB) physical address space of PAE.
//
// Host memory grows only with the pages touched: a page is allocated on its first write (reads of an
// untouched page see zeros and allocate nothing). Pages live in slabs of SLAB_PAGES pages; a two-level
// directory maps a page frame number (PFN, 24 bits) to its slot in the slabs.
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

/** The PFN splits DIR_BITS | LEAF_BITS: the directory is small, each leaf covers 4 MiB. */
const LEAF_BITS = 10;
const LEAF_SIZE = 1 << LEAF_BITS;
const LEAF_MASK = LEAF_SIZE - 1;
const SLAB_PAGES = 64;
const SLAB_SHIFT = 6;
const SLAB_MASK = SLAB_PAGES - 1;

/** Old contents of the pages written since a journal began; pages allocated since then are listed apart. */
export interface MemoryJournal {
  readonly saved: Map<number, Uint8Array>;
  readonly allocated: number[];
}

export class PhysicalMemoryError extends Error {}

export class PhysicalMemory {
  /** PFN >>> LEAF_BITS -> leaf of slot+1 (0 = page never written). */
  private readonly dir: (Int32Array | undefined)[] = new Array(PFN_COUNT >>> LEAF_BITS);
  private readonly slabs: Uint8Array[] = [];
  private readonly views: DataView[] = [];
  private slotPfn = new Int32Array(SLAB_PAGES);
  private slotEpoch = new Int32Array(SLAB_PAGES);
  private slotsUsed = 0;
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
  private rBase = 0;
  private wPfn = -1;
  private wView: DataView | null = null;
  private wBase = 0;

  /** Number of 4 KiB pages that hold data (were written at least once and not released). */
  get pagesTouched(): number {
    return this.slotsUsed - this.freeSlots.length;
  }

  /** Host bytes reserved for page contents (slabs are allocated SLAB_PAGES pages at a time). */
  get hostBytes(): number {
    return this.slabs.length * SLAB_PAGES * PAGE_SIZE;
  }

  static check(pa: number, size: number): void {
    if (!Number.isSafeInteger(pa) || pa < 0 || pa + size > PHYS_LIMIT) {
      throw new PhysicalMemoryError(`physical address ${pa.toString(16)} (+${size}) is outside the 36-bit physical space (0 .. 0xF_FFFF_FFFF)`);
    }
  }

  private slotOf(pfn: number): number {
    const leaf = this.dir[pfn >>> LEAF_BITS];
    return leaf === undefined ? -1 : leaf[pfn & LEAF_MASK] - 1;
  }

  private allocate(pfn: number): number {
    let slot: number;
    if (this.freeSlots.length > 0) {
      slot = this.freeSlots.pop()!;
      this.slabs[slot >>> SLAB_SHIFT].fill(0, (slot & SLAB_MASK) << PAGE_SHIFT, ((slot & SLAB_MASK) + 1) << PAGE_SHIFT);
    } else {
      slot = this.slotsUsed++;
      if ((slot >>> SLAB_SHIFT) >= this.slabs.length) {
        const slab = new Uint8Array(SLAB_PAGES * PAGE_SIZE);
        this.slabs.push(slab);
        this.views.push(new DataView(slab.buffer));
      }
      if (slot >= this.slotPfn.length) {
        const grow = (a: Int32Array) => { const b = new Int32Array(a.length * 2); b.set(a); return b; };
        this.slotPfn = grow(this.slotPfn);
        this.slotEpoch = grow(this.slotEpoch);
      }
    }
    let leaf = this.dir[pfn >>> LEAF_BITS];
    if (leaf === undefined) leaf = this.dir[pfn >>> LEAF_BITS] = new Int32Array(LEAF_SIZE);
    leaf[pfn & LEAF_MASK] = slot + 1;
    this.slotPfn[slot] = pfn;
    this.slotEpoch[slot] = this.epoch;
    if (this.journal) this.journal.allocated.push(pfn);
    return slot;
  }

  /** The slot of a page about to be written: allocated and journaled as needed. */
  private writableSlot(pfn: number): number {
    const slot = this.slotOf(pfn);
    if (slot < 0) return this.allocate(pfn);
    if (this.slotEpoch[slot] !== this.epoch) {
      this.slotEpoch[slot] = this.epoch;
      if (this.journal && !this.journal.saved.has(pfn)) {
        const base = (slot & SLAB_MASK) << PAGE_SHIFT;
        this.journal.saved.set(pfn, this.slabs[slot >>> SLAB_SHIFT].slice(base, base + PAGE_SIZE));
      }
    }
    return slot;
  }

  read8(pa: number): number {
    const slot = this.slotOf(Math.floor(pa / PAGE_SIZE));
    if (slot < 0) return 0;
    return this.slabs[slot >>> SLAB_SHIFT][((slot & SLAB_MASK) << PAGE_SHIFT) | (pa & PAGE_OFFSET_MASK)];
  }

  read16(pa: number): number {
    const off = pa & PAGE_OFFSET_MASK;
    if (off > PAGE_SIZE - 2) return this.read8(pa) | (this.read8(pa + 1) << 8);
    const slot = this.slotOf(Math.floor(pa / PAGE_SIZE));
    if (slot < 0) return 0;
    return this.views[slot >>> SLAB_SHIFT].getUint16(((slot & SLAB_MASK) << PAGE_SHIFT) | off, true);
  }

  /** Unsigned 32-bit little-endian read. */
  read32(pa: number): number {
    const off = pa & PAGE_OFFSET_MASK;
    if (off > PAGE_SIZE - 4) return (this.read16(pa) | (this.read16(pa + 2) << 16)) >>> 0;
    const pfn = Math.floor(pa / PAGE_SIZE);
    if (pfn === this.rPfn) return this.rView!.getUint32(this.rBase | off, true);
    const slot = this.slotOf(pfn);
    if (slot < 0) return 0;
    this.rPfn = pfn;
    this.rView = this.views[slot >>> SLAB_SHIFT];
    this.rBase = (slot & SLAB_MASK) << PAGE_SHIFT;
    return this.rView.getUint32(this.rBase | off, true);
  }

  write8(pa: number, value: number): void {
    const slot = this.writableSlot(Math.floor(pa / PAGE_SIZE));
    this.slabs[slot >>> SLAB_SHIFT][((slot & SLAB_MASK) << PAGE_SHIFT) | (pa & PAGE_OFFSET_MASK)] = value;
  }

  write16(pa: number, value: number): void {
    const off = pa & PAGE_OFFSET_MASK;
    if (off > PAGE_SIZE - 2) { this.write8(pa, value & 0xff); this.write8(pa + 1, (value >>> 8) & 0xff); return; }
    const slot = this.writableSlot(Math.floor(pa / PAGE_SIZE));
    this.views[slot >>> SLAB_SHIFT].setUint16(((slot & SLAB_MASK) << PAGE_SHIFT) | off, value, true);
  }

  write32(pa: number, value: number): void {
    const off = pa & PAGE_OFFSET_MASK;
    if (off > PAGE_SIZE - 4) { this.write16(pa, value & 0xffff); this.write16(pa + 2, (value >>> 16) & 0xffff); return; }
    const pfn = Math.floor(pa / PAGE_SIZE);
    if (pfn === this.wPfn) { this.wView!.setUint32(this.wBase | off, value >>> 0, true); return; }
    const slot = this.writableSlot(pfn);
    this.wPfn = pfn;
    this.wView = this.views[slot >>> SLAB_SHIFT];
    this.wBase = (slot & SLAB_MASK) << PAGE_SHIFT;
    this.wView.setUint32(this.wBase | off, value >>> 0, true);
  }

  /** Forgets the last-page shortcuts (pages released, or journaling changed). */
  private dropShortcuts(): void {
    this.rPfn = -1;
    this.wPfn = -1;
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
      this.slabs[slot >>> SLAB_SHIFT].set(bytes.subarray(done, done + n), ((slot & SLAB_MASK) << PAGE_SHIFT) + off);
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
      if (value !== 0 || this.slotOf(pfn) >= 0) {
        const slot = this.writableSlot(pfn);
        const base = ((slot & SLAB_MASK) << PAGE_SHIFT) + off;
        this.slabs[slot >>> SLAB_SHIFT].fill(value, base, base + n);
      }
      done += n;
    }
  }

  isTouched(pa: number): boolean {
    return this.slotOf(Math.floor(pa / PAGE_SIZE)) >= 0;
  }

  /** PFNs of every page that holds data, ascending. */
  touchedPages(): number[] {
    const out: number[] = [];
    for (let slot = 0; slot < this.slotsUsed; slot++) {
      const pfn = this.slotPfn[slot];
      if (this.slotOf(pfn) === slot) out.push(pfn);
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
    for (const [pfn, bytes] of journal.saved) {
      const slot = this.slotOf(pfn);
      if (slot < 0) continue;
      this.slabs[slot >>> SLAB_SHIFT].set(bytes, (slot & SLAB_MASK) << PAGE_SHIFT);
    }
    for (const pfn of journal.allocated) {
      const slot = this.slotOf(pfn);
      if (slot < 0) continue;
      this.dir[pfn >>> LEAF_BITS]![pfn & LEAF_MASK] = 0;
      this.freeSlots.push(slot);
    }
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
