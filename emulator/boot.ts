// The boot builder: writes the paging structures of a layout into physical memory, as [00040] says.
//
// One PDPT per paged space (the patent's "page directory"), one page directory per present PDPT entry
// (its "page middle directories": four per 4 GiB space), and 4 KiB page tables listing page numbers
// linearly. A page table whose 512 entries would be identical in two spaces (the common chunks C1 and
// C3 at the same VAs with the same flags) is written once and shared. Everything is placed in the
// layout's page-table area (in C2 for the patent layout): the PDPTs first, 32 bytes each, then the
// directories and tables a page each.

import { FOUR_GIB, formatSize, hex } from './hex';
import { LayoutError, type Layout, type Mapping } from './layout';
import { PAGE_SIZE, type PhysicalMemory } from './physical-memory';
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

/** Encodes a leaf entry for the 4 KiB page (or 2 MiB page, with PS) at `pa`. */
function leafEntry(pa: number, m: Mapping, large: boolean): [lo: number, hi: number] {
  const lo = (pa % 0x1_0000_0000) | PTE_P | (m.writable ? PTE_RW : 0) | (m.user ? PTE_US : 0) | (m.global ? PTE_G : 0) | (large ? PTE_PS : 0);
  return [lo >>> 0, Math.floor(pa / 0x1_0000_0000)];
}

function tableEntry(pa: number, flags: number): [lo: number, hi: number] {
  return [((pa % 0x1_0000_0000) | flags) >>> 0, Math.floor(pa / 0x1_0000_0000)];
}

/** Where the boot builder puts each paged space's PDPT: what CR3 holds to run in it. */
export function pdptAddresses(layout: Layout): Map<string, number> {
  const out = new Map<string, number>();
  layout.spaces.filter((s) => s.paging).forEach((s, i) => out.set(s.name, layout.pageTables.base + i * PDPT_ALIGN));
  return out;
}

interface BootImage {
  readonly result: BootResult;
  readonly pages: readonly (readonly [pa: number, bytes: Uint8Array])[];
}

/** Built images per layout object: a layout is immutable, so its paging structures are built once. */
const images = new WeakMap<Layout, BootImage>();

/** Writes every paging structure of `layout` into `mem`. Throws LayoutError when the area is too small. */
export function buildPageTables(mem: PhysicalMemory, layout: Layout): BootResult {
  let image = images.get(layout);
  if (!image) {
    const pages: [number, Uint8Array][] = [];
    const result = writeTables({ writeBytes: (pa, bytes) => pages.push([pa, bytes.slice()]) }, layout);
    image = { result, pages };
    images.set(layout, image);
  }
  for (const [pa, bytes] of image.pages) mem.writeBytes(pa, bytes);
  return image.result;
}

function writeTables(mem: Pick<PhysicalMemory, 'writeBytes'>, layout: Layout): BootResult {
  const paged = layout.spaces.filter((s) => s.paging);
  const area = layout.pageTables;
  const pdptPages = Math.ceil((paged.length * PDPT_ALIGN) / PAGE_SIZE);
  let next = area.base + pdptPages * PAGE_SIZE;
  const end = area.base + area.size;
  let pages = pdptPages;
  const allocPage = (): number => {
    if (next + PAGE_SIZE > end) {
      throw new LayoutError([{ path: 'pageTables.size', message: `the page-table area (${formatSize(area.size)} at ${hex(area.base)}) is too small for this layout's paging structures` }]);
    }
    const pa = next;
    next += PAGE_SIZE;
    pages++;
    return pa;
  };

  const page = new Uint8Array(PAGE_SIZE);
  const view = new DataView(page.buffer);
  const put = (i: number, [lo, hi]: [number, number]) => { view.setUint32(i * ENTRY_SIZE, lo, true); view.setUint32(i * ENTRY_SIZE + 4, hi, true); };

  const pdpt = new Map<string, number>();
  const sharedTables = new Map<string, number>();
  let pageDirectories = 0, pageTables = 0, sharedUses = 0, unshared = 0;

  paged.forEach((space, si) => {
    const pdptAddr = area.base + si * PDPT_ALIGN; // as pdptAddresses() says
    pdpt.set(space.name, pdptAddr);
    const pdpteValues: [number, number][] = [];
    for (let g = 0; g < PDPT_ENTRIES; g++) {
      const gStart = g * GB_REGION;
      const inRegion = space.mappings.filter((m) => m.va < gStart + GB_REGION && m.va + m.size > gStart);
      if (inRegion.length === 0) { pdpteValues.push([0, 0]); continue; }
      const pdAddr = allocPage();
      pageDirectories++;
      const pd: [number, number][] = [];
      for (let r = 0; r < TABLE_ENTRIES; r++) {
        const rStart = gStart + r * LARGE_PAGE_SIZE;
        const covering = inRegion.filter((m) => m.va < rStart + LARGE_PAGE_SIZE && m.va + m.size > rStart);
        if (covering.length === 0) { pd.push([0, 0]); continue; }
        if (covering.length === 1 && covering[0].pageSize === LARGE_PAGE_SIZE) {
          const m = covering[0];
          pd.push(leafEntry(m.pa + (rStart - m.va), m, true));
          continue;
        }
        // The key names the table's whole contents, so equal keys mean identical tables.
        const key = covering.map((m) => {
          const from = Math.max(m.va, rStart), to = Math.min(m.va + m.size, rStart + LARGE_PAGE_SIZE);
          return `${from - rStart}-${to - rStart}@${m.pa + (from - m.va)}:${leafEntry(0, m, false)[0]}`;
        }).join(',');
        unshared++;
        let ptAddr = sharedTables.get(key);
        if (ptAddr !== undefined) sharedUses++;
        else {
          ptAddr = allocPage();
          pageTables++;
          page.fill(0);
          for (const m of covering) {
            const from = Math.max(m.va, rStart), to = Math.min(m.va + m.size, rStart + LARGE_PAGE_SIZE);
            const flags = leafEntry(0, m, false)[0];
            // Frames run linearly. The VA region is 2 MiB aligned but the PA is only 4 KiB aligned, so the
            // frames may cross a 4 GiB physical line: split each frame into its halves.
            let pa = m.pa + (from - m.va);
            for (let at = (from - rStart) / PAGE_SIZE * ENTRY_SIZE; at < (to - rStart) / PAGE_SIZE * ENTRY_SIZE; at += ENTRY_SIZE, pa += PAGE_SIZE) {
              view.setUint32(at, ((pa % 0x1_0000_0000) | flags) >>> 0, true);
              view.setUint32(at + 4, Math.floor(pa / 0x1_0000_0000), true);
            }
          }
          mem.writeBytes(ptAddr, page);
          sharedTables.set(key, ptAddr);
        }
        // Directory entries grant everything; the page-table entries decide R/W and U/S.
        pd.push(tableEntry(ptAddr, PTE_P | PTE_RW | PTE_US));
      }
      page.fill(0);
      pd.forEach((e, i) => put(i, e));
      mem.writeBytes(pdAddr, page);
      pdpteValues.push(tableEntry(pdAddr, PTE_P));
    }
    const bytes = new Uint8Array(PDPT_ALIGN);
    const v = new DataView(bytes.buffer);
    pdpteValues.forEach(([lo, hi], i) => { v.setUint32(i * ENTRY_SIZE, lo, true); v.setUint32(i * ENTRY_SIZE + 4, hi, true); });
    mem.writeBytes(pdptAddr, bytes);
  });

  return {
    pdpt,
    counts: { pdpts: paged.length, pageDirectories, pageTables, sharedPageTableUses: sharedUses, pageTablesUnshared: unshared, bytesUsed: pages * PAGE_SIZE },
  };
}
