// The architectural translation lookaside buffer of one processor: set-associative, visible, evicting by LRU
// (the default), FIFO or a seeded random draw.
//
// It returns what it holds until that is flushed, stale or not, as hardware does: a program that edits
// a page table and forgets INVLPG or a CR3 reload keeps using the old translation. 2 MiB pages are held
// as 4 KiB pieces tagged LARGE (the SDM allows a TLB to splinter a large page), and invalidating any
// address of a large page drops every piece of it.
//
// In front sits a direct-mapped fast cache that only ever mirrors entries the TLB holds: filling,
// evicting or flushing a TLB entry updates it, so it can never answer what the TLB would not. It lets a
// hit cost one compare; LRU order and the hit counter are still kept exactly.
//
// In front of that sits the host cache: for a fast-cache slot whose entry is the most recently used
// of its set (so a hit changes no LRU order), the host memory of the page itself (a DataView and the
// page's offset in it), for reads, and for writes once the page is private and journaled (see
// PhysicalMemory.hostSlot). An access it answers costs a tag compare and a DataView access; the caller
// counts the hit (the interpreter adds its hits before anyone can look). It is emptied whenever the
// entry stops being the most recent of its set, leaves the fast cache, or the memory moves pages
// (PhysicalMemory's host listeners: checkpoints, undo, a shared page copied on write).

import { PAGE_OFFSET_MASK, PAGE_SHIFT, type PhysicalMemory } from './physical-memory';

/**
 * Which way of a full set a fill evicts: the least recently used (the default), the oldest fill (FIFO),
 * or one drawn from a seeded generator (the same seed gives the same run; its state is checkpointed).
 */
export type TlbPolicy = 'lru' | 'fifo' | 'random';
export const TLB_POLICIES: readonly TlbPolicy[] = ['lru', 'fifo', 'random'];

export interface TlbGeometry {
  /** Total entries (sets x ways). */
  readonly entries: number;
  readonly ways: number;
  /** Replacement policy (default LRU). */
  readonly policy?: TlbPolicy;
  /** Seed of the random policy's generator (default 1). */
  readonly seed?: number;
}

export const DEFAULT_TLB_GEOMETRY: TlbGeometry = { entries: 64, ways: 4 };
export const DEFAULT_TLB_SEED = 1;

/** Flags kept per entry. */
export const TLB_RW = 1 << 0;
export const TLB_US = 1 << 1;
export const TLB_DIRTY = 1 << 2;
export const TLB_GLOBAL = 1 << 3;
export const TLB_LARGE = 1 << 4;
export const TLB_PWT = 1 << 5;
export const TLB_PCD = 1 << 6;
/** The sanitizer's marks per entry (Tlb.marks). */
export const TLB_SUSPECT = 1 << 0;
export const TLB_NO_FAST_WRITE = 1 << 1;

const INVALID = -1;
/** The host view of an empty host-cache slot (never read: its tag is INVALID). */
const NO_VIEW = new DataView(new ArrayBuffer(0));
/** Pages per 2 MiB page, as a shift of the VPN. */
const LARGE_VPN_SHIFT = 9;
const FAST_BITS = 8;
export const FAST_SIZE = 1 << FAST_BITS;
export const FAST_MASK = FAST_SIZE - 1;
/** VPNs remembered as flushed between two change marks (for the views); the rest are only counted. */
const MAX_FLUSH_LOG = 512;

export interface TlbCounters {
  hits: number;
  misses: number;
  walks: number;
  fills: number;
  evictions: number;
  /** Flush operations of any kind (CR3 load, CR0/CR4 change, INVLPG, range flush, full flush). */
  flushes: number;
  /** Entries those flushes dropped. */
  invalidated: number;
}

/** The policy as the views show it: "LRU replacement", "FIFO replacement", "random replacement (seed 7)". */
export function policyLabel(policy: TlbPolicy, seed: number): string {
  return policy === 'random' ? `random replacement (seed ${seed})` : `${policy.toUpperCase()} replacement`;
}

export class TlbGeometryError extends Error {}

export function validateGeometry(g: TlbGeometry): string | null {
  if (!Number.isInteger(g.entries) || g.entries < 1 || g.entries > 4096) return `TLB entries must be a whole number from 1 to 4096 (got ${g.entries})`;
  if (!Number.isInteger(g.ways) || g.ways < 1 || g.ways > g.entries) return `TLB ways must be a whole number from 1 to the number of entries (got ${g.ways})`;
  if (g.entries % g.ways !== 0) return `TLB entries (${g.entries}) must be a multiple of ways (${g.ways})`;
  const sets = g.entries / g.ways;
  if ((sets & (sets - 1)) !== 0) return `TLB sets (entries / ways = ${sets}) must be a power of two`;
  if (g.policy !== undefined && !TLB_POLICIES.includes(g.policy)) return `TLB policy must be one of ${TLB_POLICIES.join(', ')} (got ${JSON.stringify(g.policy)})`;
  if (g.seed !== undefined && (!Number.isInteger(g.seed) || g.seed < 0 || g.seed > 0xffffffff)) return `TLB seed must be a whole number from 0 to 4294967295 (got ${g.seed})`;
  return null;
}

export class Tlb {
  readonly sets: number;
  readonly ways: number;
  readonly size: number;
  readonly policy: TlbPolicy;
  readonly seed: number;
  /** State of the random policy's generator (xorshift32; never 0). */
  randomState: number;
  private readonly setMask: number;
  /** Virtual page number per entry (VA >>> 12), or -1 when the entry is empty. */
  readonly vpn: Int32Array;
  /** Physical base of the 4 KiB frame. */
  readonly frame: Float64Array;
  readonly flags: Uint8Array;
  /** LRU clock value of the last use; the smallest in a set is evicted. */
  readonly lastUse: Float64Array;
  /** Change stamp: when this entry was last filled (compared with `changeMark` to highlight news). */
  readonly filledAt: Float64Array;
  clock = 0;
  /** Bumped at every fill and flush so that views can tell what changed since a mark. */
  changeSeq = 0;
  // Counters, as plain fields so the hot path bumps them with one store (see `counters`).
  hits = 0;
  misses = 0;
  walks = 0;
  fills = 0;
  evictions = 0;
  flushes = 0;
  invalidated = 0;
  /**
   * 1 for the entry that is the most recently used of its set: using it again changes no LRU order,
   * so hits on it skip the stamp. `setMru` is that entry per set (-1: not known, the next use stamps).
   */
  readonly isMru: Uint8Array;
  private readonly setMru: Int32Array;
  private userMode = false;
  /**
   * The TLB-coherence sanitizer's marks per entry (0 while it is off): TLB_SUSPECT, a paging-structure
   * entry it was built from was written since the fill (kept out of the fast and host caches, so its next
   * use takes the checked path); TLB_NO_FAST_WRITE, its frame holds watched paging-structure entries
   * (writes through it stay off the fast write paths, so the sanitizer sees them).
   */
  readonly marks: Uint8Array;
  /** While the sanitizer is on: whether a frame holds watched paging-structure entries (asked at each fill). */
  writeWatch: ((frame: number) => boolean) | null = null;
  /** VPNs dropped by flushes since `markChanges()`. */
  readonly flushedSinceMark: number[] = [];

  readonly fastTag = new Int32Array(FAST_SIZE).fill(INVALID);
  /** Like fastTag, but set only when a write may go ahead without a walk (writable and already dirty). */
  readonly fastWTag = new Int32Array(FAST_SIZE).fill(INVALID);
  readonly fastWay = new Int32Array(FAST_SIZE);
  readonly fastBase = new Float64Array(FAST_SIZE);
  /** Host cache: the VPN whose page hostView/hostOffset hold for reads (writes: hostWTag), else -1. */
  readonly hostTag = new Int32Array(FAST_SIZE).fill(INVALID);
  readonly hostWTag = new Int32Array(FAST_SIZE).fill(INVALID);
  readonly hostView: DataView[] = new Array<DataView>(FAST_SIZE).fill(NO_VIEW);
  readonly hostOffset = new Int32Array(FAST_SIZE);

  /** The counters as a live, read-only view (spread it for a copy). */
  readonly counters: Readonly<TlbCounters> = liveCounters(this);

  private setCounters(c: TlbCounters): void {
    this.hits = c.hits; this.misses = c.misses; this.walks = c.walks; this.fills = c.fills;
    this.evictions = c.evictions; this.flushes = c.flushes; this.invalidated = c.invalidated;
  }

  /** Makes entry e the most recently used (LRU stamp). */
  touch(e: number): void {
    if (this.isMru[e]) return;
    this.stamp(e);
  }

  /** The LRU stamp: e becomes the most recently used entry of its set. */
  stamp(e: number): void {
    this.lastUse[e] = ++this.clock;
    const set = (e / this.ways) | 0;
    const prev = this.setMru[set];
    if (prev >= 0) { this.isMru[prev] = 0; if (prev !== e) this.dropHostOf(prev); }
    this.isMru[e] = 1;
    this.setMru[set] = e;
  }

  private forgetMru(e: number): void {
    this.dropHostOf(e);
    if (this.isMru[e]) {
      this.isMru[e] = 0;
      this.setMru[(e / this.ways) | 0] = INVALID;
    }
  }

  private rebuildMru(): void {
    this.dropHost();
    this.isMru.fill(0);
    this.setMru.fill(INVALID);
    for (let set = 0; set < this.sets; set++) {
      let best = INVALID;
      for (let e = set * this.ways; e < (set + 1) * this.ways; e++) if (this.vpn[e] !== INVALID && (best < 0 || this.lastUse[e] > this.lastUse[best])) best = e;
      if (best >= 0) { this.isMru[best] = 1; this.setMru[set] = best; }
    }
  }

  /** The processor runs at CPL 3: fast paths only serve user pages. Changing it empties them. */
  setUserMode(user: boolean): void {
    if (user !== this.userMode) { this.userMode = user; this.resetFast(); }
  }

  constructor(geometry: TlbGeometry = DEFAULT_TLB_GEOMETRY) {
    const problem = validateGeometry(geometry);
    if (problem) throw new TlbGeometryError(problem);
    this.size = geometry.entries;
    this.ways = geometry.ways;
    this.sets = geometry.entries / geometry.ways;
    this.setMask = this.sets - 1;
    this.policy = geometry.policy ?? 'lru';
    this.seed = geometry.seed ?? DEFAULT_TLB_SEED;
    this.randomState = seedState(this.seed);
    this.vpn = new Int32Array(this.size).fill(INVALID);
    this.frame = new Float64Array(this.size);
    this.flags = new Uint8Array(this.size);
    this.lastUse = new Float64Array(this.size);
    this.filledAt = new Float64Array(this.size);
    this.isMru = new Uint8Array(this.size);
    this.setMru = new Int32Array(this.sets).fill(INVALID);
    this.marks = new Uint8Array(this.size);
  }

  /** Writes through entry e leave the fast write paths (its frame now holds watched entries). */
  blockFastWrite(e: number): void {
    if (this.vpn[e] === INVALID || (this.marks[e] & TLB_NO_FAST_WRITE)) return;
    this.marks[e] |= TLB_NO_FAST_WRITE;
    const i = this.vpn[e] & FAST_MASK;
    if (this.fastWay[i] === e) { this.fastWTag[i] = INVALID; this.hostWTag[i] = INVALID; }
  }

  /** The sanitizer stopped: every entry may take the fast paths again. */
  unblockAll(): void {
    this.marks.fill(0);
    this.resetFast();
    for (let e = 0; e < this.size; e++) if (this.vpn[e] !== INVALID) this.setFast(e);
  }

  /** The sanitizer suspects entry e: it leaves the fast and host caches until `clearSuspect`. */
  markSuspect(e: number): void {
    if (this.vpn[e] === INVALID) return;
    this.marks[e] |= TLB_SUSPECT;
    this.dropFast(e);
  }

  /** Entry e matches the tables again: back into the fast cache. */
  clearSuspect(e: number): void {
    if (!(this.marks[e] & TLB_SUSPECT)) return;
    this.marks[e] &= ~TLB_SUSPECT;
    if (this.vpn[e] !== INVALID) this.setFast(e);
  }

  setOf(vpn: number): number {
    return vpn & this.setMask;
  }

  /**
   * The CPU's hit path for a read: the physical address when the fast cache holds the page (counted as
   * a hit, LRU kept), else -1 and nothing changes (the caller translates in full).
   */
  fastRead(va: number): number {
    const vpn = va >>> PAGE_SHIFT;
    const i = vpn & FAST_MASK;
    if (this.fastTag[i] !== vpn) return INVALID;
    const e = this.fastWay[i];
    if (!this.isMru[e]) this.stamp(e);
    this.hits++;
    return this.fastBase[i] + (va & PAGE_OFFSET_MASK);
  }

  /** As fastRead, for a write: only pages already writable and dirty. */
  fastWrite(va: number): number {
    const vpn = va >>> PAGE_SHIFT;
    const i = vpn & FAST_MASK;
    if (this.fastWTag[i] !== vpn) return INVALID;
    const e = this.fastWay[i];
    if (!this.isMru[e]) this.stamp(e);
    this.hits++;
    return this.fastBase[i] + (va & PAGE_OFFSET_MASK);
  }

  /** Finds the entry for a VPN without touching LRU or counters. */
  probe(vpn: number): number {
    const first = (vpn & this.setMask) * this.ways;
    for (let e = first; e < first + this.ways; e++) if (this.vpn[e] === vpn) return e;
    return INVALID;
  }

  /** The CPU's lookup: a hit counts and refreshes LRU. A miss is counted by the caller, which walks. */
  lookup(vpn: number): number {
    const e = this.probe(vpn);
    if (e >= 0) {
      this.touch(e);
      this.hits++;
      // Back into the fast cache: a colliding page may have taken its slot.
      this.setFast(e);
    }
    return e;
  }

  /** Fills (or refills) the entry for a VPN into an empty way of its set, or evicts one by the policy. */
  fill(vpn: number, frame: number, flags: number): number {
    let e = this.probe(vpn);
    if (e < 0) {
      const first = (vpn & this.setMask) * this.ways;
      e = first;
      // LRU: the smallest use stamp; FIFO: the smallest fill stamp (both only grow).
      const age = this.policy === 'fifo' ? this.filledAt : this.lastUse;
      for (let w = first; w < first + this.ways; w++) {
        if (this.vpn[w] === INVALID) { e = w; break; }
        if (age[w] < age[e]) e = w;
      }
      if (this.vpn[e] !== INVALID && this.policy === 'random') e = first + this.nextRandom() % this.ways;
      if (this.vpn[e] !== INVALID) {
        this.evictions++;
        this.dropFast(e);
      }
    }
    this.vpn[e] = vpn;
    this.frame[e] = frame;
    this.flags[e] = flags;
    this.marks[e] = this.writeWatch !== null && this.writeWatch(frame) ? TLB_NO_FAST_WRITE : 0;
    this.stamp(e);
    this.filledAt[e] = ++this.changeSeq;
    this.fills++;
    this.setFast(e);
    return e;
  }

  private setFast(e: number): void {
    const vpn = this.vpn[e];
    const i = vpn & FAST_MASK;
    if (this.fastWay[i] !== e || this.fastTag[i] !== vpn) { this.hostTag[i] = INVALID; this.hostWTag[i] = INVALID; }
    // The slot may mirror another entry with the same low bits: that one simply leaves the fast cache.
    const f = this.flags[e];
    const m = this.marks[e];
    if ((this.userMode && !(f & TLB_US)) || (m & TLB_SUSPECT)) { this.fastTag[i] = INVALID; this.fastWTag[i] = INVALID; return; }
    this.fastTag[i] = vpn;
    this.fastWay[i] = e;
    this.fastBase[i] = this.frame[e];
    this.fastWTag[i] = (f & TLB_DIRTY) && (f & TLB_RW) && !(m & TLB_NO_FAST_WRITE) ? vpn : INVALID;
  }

  private dropFast(e: number): void {
    const i = this.vpn[e] & FAST_MASK;
    if (this.fastWay[i] === e) {
      this.fastTag[i] = INVALID;
      this.fastWTag[i] = INVALID;
      this.hostTag[i] = INVALID;
      this.hostWTag[i] = INVALID;
    }
  }

  /** Empties the fast cache only (the TLB itself is unchanged): used when CPL or CR0.WP change. */
  resetFast(): void {
    this.fastTag.fill(INVALID);
    this.fastWTag.fill(INVALID);
    this.dropHost();
  }

  /** Empties the host cache (the memory moved pages, or the LRU order is rebuilt). */
  dropHost(): void {
    this.hostTag.fill(INVALID);
    this.hostWTag.fill(INVALID);
  }

  /** Entry e is no longer the most recent of its set (or is going): its slot stops answering from host memory. */
  private dropHostOf(e: number): void {
    const i = this.vpn[e] & FAST_MASK;
    if (this.fastWay[i] === e) { this.hostTag[i] = INVALID; this.hostWTag[i] = INVALID; }
  }

  /**
   * After a fast-cache hit on `va` (which made its entry the most recent of its set) at physical `pa`:
   * points the slot's host cache at the page's host memory, for reads, or for writes (which makes the
   * page private and journals it, as the write about to happen would). Nothing when the page holds no
   * hit did not come from the fast cache (a page with no data reads as the memory's zero page).
   */
  fillHost(va: number, pa: number, mem: PhysicalMemory, write: boolean): void {
    const vpn = va >>> PAGE_SHIFT;
    const i = vpn & FAST_MASK;
    if (this.fastTag[i] !== vpn || !this.isMru[this.fastWay[i]]) return;
    if (write && this.fastWTag[i] !== vpn) return;
    // Refused for writes to a page the walks read (its writes are counted one by one).
    if (!mem.hostPage(Math.floor(pa / (PAGE_OFFSET_MASK + 1)), write)) return;
    // hostPage may have told every listener to drop its host cache (a shared page copied): set after it.
    const view = mem.hostView, offset = mem.hostOffset;
    if (this.hostTag[i] === vpn && (this.hostView[i] !== view || this.hostOffset[i] !== offset)) this.hostWTag[i] = INVALID;
    this.hostView[i] = view;
    this.hostOffset[i] = offset;
    this.hostTag[i] = vpn;
    if (write) this.hostWTag[i] = vpn;
  }

  private drop(e: number): void {
    this.dropFast(e);
    // Bounded: a program reloading CR3 in a loop must not grow it without end between stops.
    if (this.flushedSinceMark.length < MAX_FLUSH_LOG) this.flushedSinceMark.push(this.vpn[e]);
    this.forgetMru(e);
    this.vpn[e] = INVALID;
    this.flags[e] = 0;
    this.marks[e] = 0;
    this.invalidated++;
  }

  private flushWhere(pred: (e: number) => boolean): number {
    this.flushes++;
    this.changeSeq++;
    let n = 0;
    for (let e = 0; e < this.size; e++) {
      if (this.vpn[e] !== INVALID && pred(e)) { this.drop(e); n++; }
    }
    return n;
  }

  /**
   * MOV to CR3: every entry but global ones. This and flushAll run on every space switch, so they loop
   * themselves rather than call a predicate per entry.
   */
  flushNonGlobal(): number {
    this.flushes++;
    this.changeSeq++;
    let n = 0;
    for (let e = 0; e < this.size; e++) {
      if (this.vpn[e] !== INVALID && (this.flags[e] & TLB_GLOBAL) === 0) { this.drop(e); n++; }
    }
    return n;
  }

  /** Everything, global entries included (CR0.PG 1->0, CR4.PGE/PAE changes, full flush instruction). */
  flushAll(): number {
    this.flushes++;
    this.changeSeq++;
    let n = 0;
    for (let e = 0; e < this.size; e++) {
      if (this.vpn[e] !== INVALID) { this.drop(e); n++; }
    }
    return n;
  }

  /** INVLPG: the page holding `va`, global or not; for a 2 MiB page, all of its pieces. */
  invalidatePage(va: number): number {
    const vpn = va >>> PAGE_SHIFT;
    return this.flushWhere((e) => this.vpn[e] === vpn || ((this.flags[e] & TLB_LARGE) !== 0 && (this.vpn[e] >>> LARGE_VPN_SHIFT) === (vpn >>> LARGE_VPN_SHIFT)));
  }

  /**
   * The patent's range flush ([00043]: "flushed of the virtual addresses from 512M to 4G-256M"): the
   * effect of INVLPG on every page of [start, end), as one operation. `end` is exclusive; global entries
   * in the range go too.
   */
  invalidateRange(start: number, end: number): number {
    const first = Math.floor(start / 4096);
    const last = Math.ceil(end / 4096); // exclusive
    return this.flushWhere((e) => {
      const vpn = this.vpn[e];
      if (this.flags[e] & TLB_LARGE) {
        const lo = (vpn >>> LARGE_VPN_SHIFT) << LARGE_VPN_SHIFT;
        return lo < last && lo + (1 << LARGE_VPN_SHIFT) > first;
      }
      return vpn >= first && vpn < last;
    });
  }

  /** Drops one entry (on a page fault the CPU invalidates what it held for the faulting address). */
  invalidateEntry(e: number): void {
    if (this.vpn[e] !== INVALID) { this.drop(e); this.changeSeq++; }
  }

  /** Forgets the list of flushed VPNs and returns the current change stamp (entries filled after it are "new"). */
  markChanges(): number {
    this.flushedSinceMark.length = 0;
    return this.changeSeq;
  }

  /** The random policy's next draw (xorshift32), as an unsigned 32-bit number. */
  private nextRandom(): number {
    let x = this.randomState;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.randomState = x >>> 0;
    return this.randomState;
  }

  /** LRU rank of an entry within its set: 0 = most recently used. */
  lruRank(e: number): number {
    const first = Math.floor(e / this.ways) * this.ways;
    let rank = 0;
    for (let w = first; w < first + this.ways; w++) if (w !== e && this.vpn[w] !== INVALID && this.lastUse[w] > this.lastUse[e]) rank++;
    return rank;
  }

  snapshot(): TlbState {
    return {
      vpn: this.vpn.slice(), frame: this.frame.slice(), flags: this.flags.slice(), lastUse: this.lastUse.slice(), filledAt: this.filledAt.slice(),
      clock: this.clock, changeSeq: this.changeSeq, counters: { ...this.counters }, randomState: this.randomState,
    };
  }

  restore(s: TlbState): void {
    this.vpn.set(s.vpn);
    this.frame.set(s.frame);
    this.flags.set(s.flags);
    this.lastUse.set(s.lastUse);
    this.filledAt.set(s.filledAt);
    this.clock = s.clock;
    this.changeSeq = s.changeSeq;
    this.randomState = s.randomState;
    this.setCounters(s.counters);
    this.flushedSinceMark.length = 0;
    this.marks.fill(0);
    this.resetFast();
    this.rebuildMru();
    for (let e = 0; e < this.size; e++) if (this.vpn[e] !== INVALID) this.setFast(e);
  }
}

function liveCounters(t: Tlb): Readonly<TlbCounters> {
  return {
    get hits() { return t.hits; }, get misses() { return t.misses; }, get walks() { return t.walks; }, get fills() { return t.fills; },
    get evictions() { return t.evictions; }, get flushes() { return t.flushes; }, get invalidated() { return t.invalidated; },
  };
}

export interface TlbState {
  readonly vpn: Int32Array;
  readonly frame: Float64Array;
  readonly flags: Uint8Array;
  readonly lastUse: Float64Array;
  readonly filledAt: Float64Array;
  readonly clock: number;
  readonly changeSeq: number;
  readonly counters: TlbCounters;
  readonly randomState: number;
}

/** xorshift32 must not start at 0: a seed of 0 starts where 2^32-1 would not. */
function seedState(seed: number): number {
  return (seed >>> 0) || 0x9e3779b9;
}
