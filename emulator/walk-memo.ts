// The walk memo: what a processor's page walks found, kept so that a TLB miss after a flush does not
// read the same directory and table entries again while nothing changed them.
//
// It is a host cache, not architecture: the TLB is flushed, counted and refilled exactly as without
// it, and only the reads of the paging structures are skipped. An entry is the result of one walk that
// succeeded: keyed by the page, the access kind (write, user, CR0.WP) and the four PDPTE registers it
// went through, and stamped with the memory's table-write count (PhysicalMemory.tableWrites), which
// counts every write to a page a walk read an entry from (the memory watches those pages from the walk
// on). A walk from the same registers over unchanged tables gives the same result and sets no bit the
// first one did not already set (its A/D writes happened before the stamp), so a hit is the walk's
// answer. Faulting walks are never kept: they always walk.

/** Entries per processor (a power of two). */
const MEMO_BITS = 11;
const MEMO_SIZE = 1 << MEMO_BITS;
/** PDPTE register sets remembered at once (the spaces a processor switches between). */
const RECENT_SETS = 8;
/** Set ids stay below this, so that id * 8 + kind fits an Int32Array. */
const MAX_SET_ID = 1 << 27;

export class WalkMemo {
  private readonly vpn = new Int32Array(MEMO_SIZE).fill(-1);
  /** The PDPTE set's id times 8 plus the access kind (0..7). */
  private readonly key = new Int32Array(MEMO_SIZE);
  /** PhysicalMemory.tableWrites when the walk ended. */
  private readonly stamp = new Float64Array(MEMO_SIZE);
  /** Physical base of the 4 KiB frame. */
  readonly frame = new Float64Array(MEMO_SIZE);
  /** The TLB flags the walk gave (global not applied: that depends on CR4.PGE at the fill). */
  readonly flags = new Int32Array(MEMO_SIZE);
  readonly global = new Uint8Array(MEMO_SIZE);

  // PDPTE register sets seen, by id (ids are never reused, so an entry of a forgotten set never matches).
  private readonly setLo = new Int32Array(RECENT_SETS * 4);
  private readonly setHi = new Int32Array(RECENT_SETS * 4);
  private readonly setIds = new Int32Array(RECENT_SETS).fill(-1);
  private current = -1;
  private nextId = 0;
  private nextVictim = 0;

  /** The id of the PDPTE registers as they are now. */
  private setOf(lo: Int32Array, hi: Int32Array): number {
    const c = this.current;
    if (c >= 0 && same(this.setLo, this.setHi, c * 4, lo, hi)) return this.setIds[c];
    for (let s = 0; s < RECENT_SETS; s++) {
      if (this.setIds[s] >= 0 && same(this.setLo, this.setHi, s * 4, lo, hi)) { this.current = s; return this.setIds[s]; }
    }
    if (this.nextId === MAX_SET_ID) {
      // Ids are about to run out (a program that loads this many different PDPTs): start over.
      this.vpn.fill(-1);
      this.setIds.fill(-1);
      this.nextId = 0;
    }
    const s = this.nextVictim;
    this.nextVictim = (s + 1) % RECENT_SETS;
    for (let i = 0; i < 4; i++) { this.setLo[s * 4 + i] = lo[i]; this.setHi[s * 4 + i] = hi[i]; }
    this.setIds[s] = this.nextId++;
    this.current = s;
    return this.setIds[s];
  }

  private slot(vpn: number, key: number): number {
    return (Math.imul(vpn, 0x9e3779b1) ^ Math.imul(key, 0x85ebca6b)) >>> (32 - MEMO_BITS);
  }

  /** The key of a walk of this access kind (0..7) through the PDPTE registers as they are now. */
  keyOf(kind: number, lo: Int32Array, hi: Int32Array): number {
    return this.setOf(lo, hi) * 8 + kind;
  }

  /** The entry for this walk (`key` from keyOf) if it is still the walk's answer, else -1. */
  find(vpn: number, key: number, tableWrites: number): number {
    const i = this.slot(vpn, key);
    return this.vpn[i] === vpn && this.key[i] === key && this.stamp[i] === tableWrites ? i : -1;
  }

  /** Keeps a successful walk's result (after its A/D writes: `tableWrites` is the count now). */
  remember(vpn: number, key: number, tableWrites: number, frame: number, flags: number, global: boolean): void {
    const i = this.slot(vpn, key);
    this.vpn[i] = vpn;
    this.key[i] = key;
    this.stamp[i] = tableWrites;
    this.frame[i] = frame;
    this.flags[i] = flags;
    this.global[i] = global ? 1 : 0;
  }
}

function same(setLo: Int32Array, setHi: Int32Array, at: number, lo: Int32Array, hi: Int32Array): boolean {
  return setLo[at] === lo[0] && setLo[at + 1] === lo[1] && setLo[at + 2] === lo[2] && setLo[at + 3] === lo[3] &&
    setHi[at] === hi[0] && setHi[at + 1] === hi[1] && setHi[at + 2] === hi[2] && setHi[at + 3] === hi[3];
}
