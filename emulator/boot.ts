// The boot builder: writes the paging structures of a layout into physical memory, as [00040] says.
//
// One PDPT per paged space (the patent's "page directory"), one page directory per present PDPT entry
// (its "page middle directories": four per 4 GiB space), and 4 KiB page tables listing page numbers
// linearly. A page table whose 512 entries would be identical in two spaces (the common chunks C1 and
// C3 at the same VAs with the same flags) is written once and shared. Everything is placed in the
// layout's page-table area (in C2 for the patent layout): the PDPTs first, 32 bytes each, then the
// directories and tables a page each.
//
// Boot does not write entries: it plans them. Frames run linearly through a mapping, so the structures
// of a layout are a few dozen runs of entries (a mapping's tables in one GiB are one run, the directory
// entries pointing at them another), found per mapping rather than per 2 MiB region. The image's pages
// are written from those runs when memory first reads them (LazyImage), so a machine boots without
// writing the ~2 M entries of the patent layout up front, and what memory holds is the same either way.

import { FOUR_GIB, formatSize, hex } from './hex';
import { LayoutError, type Layout, type Mapping } from './layout';
import { PAGE_SIZE, type LazyImage, type PhysicalMemory } from './physical-memory';
import {
  ENTRY_SIZE, LARGE_PAGE_SIZE, PDPT_ALIGN, PDPT_ENTRIES, PTE_G, PTE_P, PTE_PS, PTE_RW, PTE_US, TABLE_ENTRIES,
} from './paging';

const GB_REGION = FOUR_GIB / PDPT_ENTRIES;

export interface BootCounts {
  readonly pdpts: number;
  readonly pageDirectories: number;
  /** Distinct page tables written. */
  readonly pageTables: number;
  /** Page-directory entries that point at a table another space (or region) already uses. */
  readonly sharedPageTableUses: number;
  /** Page tables there would be without sharing. */
  readonly pageTablesUnshared: number;
  /** Bytes of the page-table area used, from its base. */
  readonly bytesUsed: number;
}

export interface BootResult {
  /** PDPT address per paged space (what CR3 holds to run in it). */
  readonly pdpt: ReadonlyMap<string, number>;
  readonly counts: BootCounts;
}

const TWO_32 = 0x1_0000_0000;
/** 32-bit words per page and per 8-byte entry, in the image. */
const PAGE_WORDS = PAGE_SIZE / 4;
const ENTRY_WORDS = ENTRY_SIZE / 4;
/** The image is built with Int32Array stores, which are little-endian only on a little-endian host. */
const HOST_LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Low flag bits of a leaf entry for mapping m (P, R/W, U/S, G; PS for a 2 MiB page). */
function leafFlags(m: Mapping, large: boolean): number {
  return PTE_P | (m.writable ? PTE_RW : 0) | (m.user ? PTE_US : 0) | (m.global ? PTE_G : 0) | (large ? PTE_PS : 0);
}

/** Where the boot builder puts each paged space's PDPT: what CR3 holds to run in it. */
export function pdptAddresses(layout: Layout): Map<string, number> {
  const out = new Map<string, number>();
  layout.spaces.filter((s) => s.paging).forEach((s, i) => out.set(s.name, layout.pageTables.base + i * PDPT_ALIGN));
  return out;
}

interface BootImage {
  readonly result: BootResult;
  /** Every page of the page-table area the structures use, from its base, as memory will hold them. */
  readonly bytes: Uint8Array;
  /** Writes each page of `bytes` when memory first reads it. */
  readonly lazy: LazyImage;
}

/**
 * Entries `at` to `end` (exclusive; entry indexes from the area's base, 512 a page) whose frames go up
 * linearly: entry at + k holds (pa + k * stride) | flags.
 */
interface EntryRun {
  readonly at: number;
  readonly end: number;
  readonly pa: number;
  readonly stride: number;
  readonly flags: number;
}

/**
 * Consecutive page tables of the area, each for a 2 MiB region one mapping covers whole: table k lists
 * the 512 frames from pa + k * 2 MiB with `flags`. Another such region with the same frames and flags
 * uses the same table.
 */
interface WholeTables {
  readonly page: number;
  readonly count: number;
  readonly pa: number;
  readonly flags: number;
}

/** The image's pages, written from their runs of entries on first use. */
class LazyEntries implements LazyImage {
  private readonly built: Uint8Array;
  /** Sorted by `at`; no two overlap. */
  private readonly runs: readonly EntryRun[];
  constructor(private readonly image: Int32Array, pages: number, runs: EntryRun[]) {
    this.built = new Uint8Array(pages);
    this.runs = runs.sort((a, b) => a.at - b.at);
  }

  buildPage(page: number): void {
    if (this.built[page]) return;
    this.built[page] = 1;
    const first = page * TABLE_ENTRIES, last = first + TABLE_ENTRIES;
    // The first run ending after the page's first entry, then every run starting before its end.
    const runs = this.runs;
    let lo = 0, hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (runs[mid].end <= first) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < runs.length && runs[i].at < last; i++) {
      const r = runs[i];
      const at = Math.max(r.at, first);
      fillEntries(this.image, at * ENTRY_WORDS, Math.min(r.end, last) * ENTRY_WORDS, r.pa + (at - r.at) * r.stride, r.stride, r.flags);
    }
    if (!HOST_LITTLE_ENDIAN) {
      const bytes = new Uint8Array(this.image.buffer, page * PAGE_SIZE, PAGE_SIZE);
      for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
    }
  }
}

/** Built images per layout object: a layout is immutable, so its paging structures are planned once. */
const images = new WeakMap<Layout, BootImage>();

/** Writes every paging structure of `layout` into `mem`. Throws LayoutError when the area is too small. */
export function buildPageTables(mem: PhysicalMemory, layout: Layout): BootResult {
  let image = images.get(layout);
  if (!image) {
    image = buildImage(layout);
    images.set(layout, image);
  }
  // Every machine of the layout views the same image; a page is copied only when the program writes it.
  if (image.bytes.length) mem.mapShared(layout.pageTables.base, image.bytes, image.lazy);
  return image.result;
}

/**
 * Entries from word `at` to `end` (exclusive) for frames going up by `stride` from `pa`, each with
 * `flags`. The frames may cross a 4 GiB physical line: the high half carries.
 */
function fillEntries(w: Int32Array, at: number, end: number, pa: number, stride: number, flags: number): void {
  let frameLo = pa % TWO_32, frameHi = Math.floor(pa / TWO_32);
  for (; at < end; at += ENTRY_WORDS) {
    w[at] = frameLo | flags;
    w[at + 1] = frameHi;
    frameLo += stride;
    if (frameLo >= TWO_32) { frameLo -= TWO_32; frameHi++; }
  }
}

/** Directory entries grant everything; the page-table entries decide R/W and U/S. */
const PDE_TABLE_FLAGS = PTE_P | PTE_RW | PTE_US;

/**
 * Plans the area's image: which page holds which structure, and the runs of entries each holds. Pages
 * are given out in the order of the spaces, their GiBs and the 2 MiB regions in each (a directory
 * before the tables it points at); a table goes to the first region that needs it.
 */
function buildImage(layout: Layout): BootImage {
  const paged = layout.spaces.filter((s) => s.paging);
  const area = layout.pageTables;
  const areaPages = area.size / PAGE_SIZE;
  let pages = Math.ceil((paged.length * PDPT_ALIGN) / PAGE_SIZE);
  /** The first of `n` fresh consecutive pages of the area. */
  const allocPages = (n: number): number => {
    if (pages + n > areaPages) {
      throw new LayoutError([{ path: 'pageTables.size', message: `the page-table area (${formatSize(area.size)} at ${hex(area.base)}) is too small for this layout's paging structures` }]);
    }
    pages += n;
    return pages - n;
  };
  const paOfPage = (page: number) => area.base + page * PAGE_SIZE;
  const runs: EntryRun[] = [];
  const entries = (at: number, count: number, pa: number, stride: number, flags: number) => {
    runs.push({ at, end: at + count, pa, stride, flags });
  };

  const pdpt = new Map<string, number>();
  const wholeTables: WholeTables[] = [];
  /** Tables of regions mappings cover in part, by a key naming their whole contents. */
  const partTables = new Map<string, number>();
  let pageDirectories = 0, pageTables = 0, sharedUses = 0, unshared = 0;

  paged.forEach((space, si) => {
    pdpt.set(space.name, area.base + si * PDPT_ALIGN); // as pdptAddresses() says
    const pdptEntry = si * (PDPT_ALIGN / ENTRY_SIZE);
    for (let g = 0; g < PDPT_ENTRIES; g++) {
      const gStart = g * GB_REGION, gEnd = gStart + GB_REGION;
      const inGb = space.mappings.filter((m) => m.va < gEnd && m.va + m.size > gStart);
      if (inGb.length === 0) continue;
      const pd = allocPages(1);
      pageDirectories++;
      entries(pdptEntry + g, 1, paOfPage(pd), 0, PTE_P);
      const pde = pd * TABLE_ENTRIES;

      /** Region r of the GiB, which one mapping or more cover in part (4 KiB mappings: a 2 MiB one covers whole regions). */
      const partRegion = (r: number) => {
        const rStart = gStart + r * LARGE_PAGE_SIZE, rEnd = rStart + LARGE_PAGE_SIZE;
        const covering = inGb.filter((m) => m.va < rEnd && m.va + m.size > rStart);
        // The key names the table's whole contents, so equal keys mean identical tables.
        let key = '';
        for (const m of covering) {
          const from = Math.max(m.va, rStart), to = Math.min(m.va + m.size, rEnd);
          key += `${from - rStart}-${to - rStart}@${m.pa + (from - m.va)}:${leafFlags(m, false)},`;
        }
        unshared++;
        let ptAddr = partTables.get(key);
        if (ptAddr !== undefined) sharedUses++;
        else {
          const pt = allocPages(1);
          pageTables++;
          for (const m of covering) {
            const from = Math.max(m.va, rStart), to = Math.min(m.va + m.size, rEnd);
            // Frames run linearly. The VA region is 2 MiB aligned but the PA is only 4 KiB aligned.
            entries(pt * TABLE_ENTRIES + (from - rStart) / PAGE_SIZE, (to - from) / PAGE_SIZE, m.pa + (from - m.va), PAGE_SIZE, leafFlags(m, false));
          }
          ptAddr = paOfPage(pt);
          partTables.set(key, ptAddr);
        }
        entries(pde + r, 1, ptAddr, 0, PDE_TABLE_FLAGS);
      };

      /** Regions r0 to r1 (exclusive) of the GiB, which mapping m covers whole. */
      const wholeRegions = (m: Mapping, r0: number, r1: number) => {
        const pa0 = m.pa + (gStart + r0 * LARGE_PAGE_SIZE - m.va);
        if (m.pageSize === LARGE_PAGE_SIZE) {
          entries(pde + r0, r1 - r0, pa0, LARGE_PAGE_SIZE, leafFlags(m, true));
          return;
        }
        const flags = leafFlags(m, false);
        const n = r1 - r0;
        unshared += n;
        for (let k = 0; k < n;) {
          const pa = pa0 + k * LARGE_PAGE_SIZE;
          const listing = (t: WholeTables) => t.flags === flags && (pa - t.pa) % LARGE_PAGE_SIZE === 0;
          // Tables already listing these frames with these flags serve as many regions as they last.
          const have = wholeTables.find((t) => listing(t) && pa >= t.pa && pa < t.pa + t.count * LARGE_PAGE_SIZE);
          if (have) {
            const i = (pa - have.pa) / LARGE_PAGE_SIZE;
            const len = Math.min(n - k, have.count - i);
            entries(pde + r0 + k, len, paOfPage(have.page + i), PAGE_SIZE, PDE_TABLE_FLAGS);
            sharedUses += len;
            k += len;
            continue;
          }
          // Fresh tables, up to the first region that some existing table already lists.
          let len = n - k;
          for (const t of wholeTables) if (listing(t) && t.pa > pa) len = Math.min(len, (t.pa - pa) / LARGE_PAGE_SIZE);
          const pt = allocPages(len);
          pageTables += len;
          wholeTables.push({ page: pt, count: len, pa, flags });
          entries(pt * TABLE_ENTRIES, len * TABLE_ENTRIES, pa, PAGE_SIZE, flags);
          entries(pde + r0 + k, len, paOfPage(pt), PAGE_SIZE, PDE_TABLE_FLAGS);
          k += len;
        }
      };

      // Mappings in VA order: the regions each covers in part (at most one at each end, which may hold
      // neighbouring mappings too) and those it covers whole, each region once and in order.
      let next = 0;
      for (const m of inGb) {
        const from = Math.max(m.va, gStart) - gStart, to = Math.min(m.va + m.size, gEnd) - gStart;
        const first = Math.floor(from / LARGE_PAGE_SIZE), end = Math.ceil(to / LARGE_PAGE_SIZE);
        const wholeFirst = Math.ceil(from / LARGE_PAGE_SIZE), wholeEnd = Math.floor(to / LARGE_PAGE_SIZE);
        for (let r = Math.max(first, next); r < Math.min(wholeFirst, end); r++) partRegion(r);
        if (wholeEnd > wholeFirst) wholeRegions(m, wholeFirst, wholeEnd);
        for (let r = Math.max(wholeEnd, wholeFirst, next); r < end; r++) partRegion(r);
        next = end;
      }
    }
  });

  // Zeroed pages of the host, which commits only those the runs write.
  const image = new Int32Array(pages * PAGE_WORDS);
  return {
    lazy: new LazyEntries(image, pages, runs),
    result: {
      pdpt,
      counts: { pdpts: paged.length, pageDirectories, pageTables, sharedPageTableUses: sharedUses, pageTablesUnshared: unshared, bytesUsed: pages * PAGE_SIZE },
    },
    bytes: new Uint8Array(image.buffer),
  };
}
