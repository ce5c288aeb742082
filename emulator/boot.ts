// The boot builder: writes the paging structures of a layout into physical memory, as [00040] says.
//
// One PDPT per paged space (the patent's "page directory"), one page directory per present PDPT entry
// (its "page middle directories": four per 4 GiB space), and 4 KiB page tables listing page numbers
// linearly. A page table whose 512 entries would be identical in two spaces (the common chunks C1 and
// C3 at the same VAs with the same flags) is written once and shared. Everything is placed in the
// layout's page-table area (in C2 for the patent layout): the PDPTs first, 32 bytes each, then the
// directories and tables a page each. Tables are written into the shared image on first read (LazyTables),
// so a machine boots without writing the ~2 M entries of the patent layout up front.

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
  /** Page tables are written into `bytes` when memory first reads them (PDPTs and directories at once). */
  readonly lazy: LazyImage;
}

/**
 * The page tables of an image, written on first use: per table page, its runs of linear frames
 * (first word, end word, first frame's PA, flags), four numbers a run.
 */
class LazyTables implements LazyImage {
  private readonly built: Uint8Array;
  private readonly runs: (number[] | undefined)[] = [];
  constructor(private readonly image: Int32Array, pages: number) {
    this.built = new Uint8Array(pages).fill(1);
  }

  /** A table page to write later, with its runs. */
  add(page: number, runs: number[]): void {
    this.built[page] = 0;
    this.runs[page] = runs;
  }

  isBuilt(page: number): boolean {
    return this.built[page] === 1;
  }

  buildPage(page: number): void {
    if (this.built[page]) return;
    this.built[page] = 1;
    const runs = this.runs[page]!;
    this.runs[page] = undefined;
    for (let r = 0; r < runs.length; r += 4) fillEntries(this.image, runs[r], runs[r + 1], runs[r + 2], runs[r + 3]);
    if (!HOST_LITTLE_ENDIAN) {
      const bytes = new Uint8Array(this.image.buffer, page * PAGE_SIZE, PAGE_SIZE);
      for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
    }
  }
}

/** Built images per layout object: a layout is immutable, so its paging structures are built once. */
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
 * Leaf entries from word `at` to `end` (exclusive) for frames running linearly from `pa`, each with
 * `flags`. The frames may cross a 4 GiB physical line: the high half carries.
 */
function fillEntries(w: Int32Array, at: number, end: number, pa: number, flags: number): void {
  let frameLo = pa % TWO_32, frameHi = Math.floor(pa / TWO_32);
  for (; at < end; at += ENTRY_WORDS) {
    w[at] = frameLo | flags;
    w[at + 1] = frameHi;
    frameLo += PAGE_SIZE;
    if (frameLo >= TWO_32) { frameLo -= TWO_32; frameHi++; }
  }
}

/**
 * Builds the area's image with typed-array stores: no per-entry objects. A page table is named by a
 * string key of its contents (one per 2 MiB region, not per entry), so equal keys share one table.
 */
function buildImage(layout: Layout): BootImage {
  const paged = layout.spaces.filter((s) => s.paging);
  const area = layout.pageTables;
  const pdptPages = Math.ceil((paged.length * PDPT_ALIGN) / PAGE_SIZE);
  const areaPages = area.size / PAGE_SIZE;
  // At most a directory per GiB and a table per 2 MiB of each space: allocated once (the host commits
  // only the pages written).
  const maxPages = Math.min(areaPages, pdptPages + paged.length * PDPT_ENTRIES * (1 + TABLE_ENTRIES));
  const image = new Int32Array(maxPages * PAGE_WORDS);
  let pages = pdptPages;
  /** Word index of a fresh page of the area. */
  const allocPage = (): number => {
    if (pages + 1 > areaPages) {
      throw new LayoutError([{ path: 'pageTables.size', message: `the page-table area (${formatSize(area.size)} at ${hex(area.base)}) is too small for this layout's paging structures` }]);
    }
    return pages++ * PAGE_WORDS;
  };
  const paOf = (word: number) => area.base + word * 4;
  const tableRuns: [number, number[]][] = [];
  /** Writes entry i of the table at word `table`: frame/flags low half, PA bits 35..32 high. */
  const put = (table: number, i: number, pa: number, flags: number) => {
    const w = image;
    w[table + i * ENTRY_WORDS] = (pa % TWO_32) | flags;
    w[table + i * ENTRY_WORDS + 1] = Math.floor(pa / TWO_32);
  };

  const pdpt = new Map<string, number>();
  const sharedTables = new Map<string, number>();
  let pageDirectories = 0, pageTables = 0, sharedUses = 0, unshared = 0;
  const covering: Mapping[] = [];

  paged.forEach((space, si) => {
    const pdptAddr = area.base + si * PDPT_ALIGN; // as pdptAddresses() says
    const pdptWord = si * (PDPT_ALIGN / 4);
    pdpt.set(space.name, pdptAddr);
    for (let g = 0; g < PDPT_ENTRIES; g++) {
      const gStart = g * GB_REGION;
      if (!space.mappings.some((m) => m.va < gStart + GB_REGION && m.va + m.size > gStart)) continue;
      const pd = allocPage();
      pageDirectories++;
      for (let r = 0; r < TABLE_ENTRIES; r++) {
        const rStart = gStart + r * LARGE_PAGE_SIZE;
        const rEnd = rStart + LARGE_PAGE_SIZE;
        covering.length = 0;
        for (const m of space.mappings) if (m.va < rEnd && m.va + m.size > rStart) covering.push(m);
        if (covering.length === 0) continue;
        if (covering.length === 1 && covering[0].pageSize === LARGE_PAGE_SIZE) {
          const m = covering[0];
          put(pd, r, m.pa + (rStart - m.va), leafFlags(m, true));
          continue;
        }
        // The key names the table's whole contents, so equal keys mean identical tables.
        let key = '';
        for (const m of covering) {
          const from = Math.max(m.va, rStart), to = Math.min(m.va + m.size, rEnd);
          key += `${from - rStart}-${to - rStart}@${m.pa + (from - m.va)}:${leafFlags(m, false)},`;
        }
        unshared++;
        let ptAddr = sharedTables.get(key);
        if (ptAddr !== undefined) sharedUses++;
        else {
          const pt = allocPage();
          pageTables++;
          const runs: number[] = [];
          for (const m of covering) {
            const from = Math.max(m.va, rStart), to = Math.min(m.va + m.size, rEnd);
            const flags = leafFlags(m, false);
            // Frames run linearly. The VA region is 2 MiB aligned but the PA is only 4 KiB aligned.
            runs.push(pt + ((from - rStart) / PAGE_SIZE) * ENTRY_WORDS, pt + ((to - rStart) / PAGE_SIZE) * ENTRY_WORDS, m.pa + (from - m.va), flags);
          }
          tableRuns.push([pt / PAGE_WORDS, runs]);
          ptAddr = paOf(pt);
          sharedTables.set(key, ptAddr);
        }
        // Directory entries grant everything; the page-table entries decide R/W and U/S.
        put(pd, r, ptAddr, PTE_P | PTE_RW | PTE_US);
      }
      put(pdptWord, g, paOf(pd), PTE_P);
    }
  });

  const bytes = new Uint8Array(image.buffer, 0, pages * PAGE_SIZE);
  // PDPTs and directories now; the tables as memory reads them (byte-swapped per page there).
  if (!HOST_LITTLE_ENDIAN) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  const lazy = new LazyTables(image, pages);
  for (const [page, runs] of tableRuns) lazy.add(page, runs);
  return {
    lazy,
    result: {
      pdpt,
      counts: { pdpts: paged.length, pageDirectories, pageTables, sharedPageTableUses: sharedUses, pageTablesUnshared: unshared, bytesUsed: pages * PAGE_SIZE },
    },
    bytes,
  };
}
