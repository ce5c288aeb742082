// Mover's extensions to the Debug Adapter Protocol: custom requests and events for the extension's
// views, declared once here and imported by both the adapter and the extension (as rust-analyzer's
// lsp_ext.ts does for LSP). Values are JSON: addresses as hex strings ("0x1_0000_0000").

import type { PageTranslationView, StructTypeView, StructValueView, CompareView, MachineDiffView } from './protocol-inspect';
export * from './protocol-inspect';

export interface WalkLevelView {
  readonly level: 'PDPTE' | 'PDE' | 'PTE';
  readonly index: number;
  readonly entryAddress: string;
  readonly raw: string;
  readonly flags: readonly string[];
  /** Physical address the entry points to (next table or frame). */
  readonly target: string | null;
}

export interface TlbHoldingView {
  readonly cpu: number;
  readonly space: string;
  readonly held: boolean;
  readonly stale: boolean;
  readonly staleReason?: string;
  readonly frame?: string;
}

export interface WalkView {
  readonly va: string;
  readonly space: string;
  readonly paging: boolean;
  readonly cr3: string | null;
  readonly levels: readonly WalkLevelView[];
  readonly ok: boolean;
  readonly pa: string | null;
  readonly chunk: string | null;
  readonly fault: string | null;
  readonly tlb: readonly TlbHoldingView[];
  /** The same walk as text (WinDbg !pte style). */
  readonly text: string;
  /** A memory reference for the resulting PA, e.g. "pa:0x1_0000_1000". */
  readonly memoryReference: string | null;
}

/** A walk asked with `end`: also every mapping in [va, end) under the same tables (WinDbg's !pte over a range). */
export interface WalkWithRangeView extends WalkView {
  readonly range?: RangeWalkView;
}

/** One run of a range walk: contiguous VAs onto contiguous PAs with the same rights, clipped to the range. */
export interface RangeWalkRowView {
  readonly va: string;
  /** The run's last byte. */
  readonly last: string;
  readonly size: string;
  readonly sizeNumber: number;
  readonly pa: string;
  readonly chunk: string | null;
  /** RW|RO, U|S, then G and 2M when set (the TLB listing's words). */
  readonly flags: readonly string[];
  /** The run's first byte in the walked space ("vs1:0x2000_0000"), or its PA ("pa:...") under a CR3 no space has. */
  readonly memoryReference: string;
}

export interface RangeWalkView {
  /** The space walked, or "CR3=0x..." for a raw CR3 that is no space's. */
  readonly space: string;
  /** The PDPT walked from (CR3 masked). */
  readonly cr3: string;
  readonly start: string;
  /** The range's last byte. */
  readonly last: string;
  /** The first `limit` runs. */
  readonly rows: readonly RangeWalkRowView[];
  /** Runs in the range, shown or not. */
  readonly total: number;
  /** Runs left out past `limit`. */
  readonly more: number;
}

/** A paging-structure entry found at a PA: which VA range of which space it maps (PTE address -> VA). */
export interface EntryUseView {
  readonly space: string;
  readonly level: 'PDPTE' | 'PDE' | 'PTE';
  readonly va: string;
  readonly last: string;
  readonly size: string;
  /** The first VA it maps, in its space ("vs1:0x2000_0000"). */
  readonly memoryReference: string;
}

export interface TlbEntryView {
  readonly set: number;
  readonly way: number;
  readonly va: string;
  readonly frame: string;
  readonly flags: readonly string[];
  readonly global: boolean;
  readonly lruRank: number;
  readonly stale: boolean;
  readonly staleReason: string | null;
  /** Filled since the previous stop. */
  readonly fresh: boolean;
}

export interface TlbProcessorView {
  readonly cpu: number;
  readonly space: string;
  readonly sets: number;
  readonly ways: number;
  /** The replacement policy: "LRU replacement", "FIFO replacement", "random replacement (seed N)". */
  readonly policy: string;
  readonly entries: readonly TlbEntryView[];
  readonly counters: { readonly hits: number; readonly misses: number; readonly walks: number; readonly flushes: number; readonly invalidated: number; readonly evictions: number; readonly fills: number };
  /** Pages flushed since the previous stop. */
  readonly flushed: readonly string[];
  /** Hits over lookups (hits + misses) since the machine started, 0..1; null before any lookup. */
  readonly hitRate: number | null;
  /** Entries held at the previous stop that are gone now without a flush: evicted (replaced by the policy), VA and frame. */
  readonly evicted: readonly { readonly va: string; readonly frame: string }[];
}

export interface ControlRegistersView {
  readonly cpu: number;
  readonly thread: string | null;
  readonly space: string;
  readonly cr0: string;
  readonly pe: boolean;
  readonly wp: boolean;
  readonly pg: boolean;
  readonly cr2: string;
  readonly cr3: string;
  /** The space whose PDPT CR3 holds, if any. */
  readonly cr3Space: string | null;
  readonly cr4: string;
  readonly pae: boolean;
  readonly pge: boolean;
  readonly preemptCount: number;
  readonly lastAccess: string | null;
  /** The PDPTE registers as loaded at the last MOV CR3 (or PDPTE reload), beside the PDPT in memory now. */
  readonly pdptes: readonly PdpteRegisterView[];
  /** The last page fault: CR2 and its error code decoded ("0x2 (W)"), or null before any. */
  readonly lastFault: { readonly va: string; readonly errorCode: string; readonly reason: string } | null;
}

export interface PdpteRegisterView {
  readonly index: number;
  /** The register, as the processor walks with it. */
  readonly loaded: string;
  readonly flags: readonly string[];
  /** The entry at CR3's PDPT in memory now: it differs from `loaded` after a PDPT write not followed by a CR3 load. */
  readonly memory: string;
  readonly differs: boolean;
  /** Where the entry is in memory, e.g. "pa:0xef00_0008". */
  readonly memoryReference: string;
}

export interface LayoutChunkView { readonly name: string; readonly base: string; readonly size: string; readonly end: string; readonly purpose: string; readonly baseNumber: number; readonly sizeNumber: number }
export interface LayoutMappingView { readonly va: string; readonly size: string; readonly chunk: string; readonly pa: string; readonly global: boolean; readonly vaNumber: number; readonly sizeNumber: number; readonly paNumber: number }
export interface LayoutSpaceView { readonly name: string; readonly paging: boolean; readonly cr3: string | null; readonly purpose: string; readonly mappings: readonly LayoutMappingView[] }

export interface LayoutView {
  readonly name: string;
  readonly chunks: readonly LayoutChunkView[];
  readonly spaces: readonly LayoutSpaceView[];
  /** Where each processor is now, and its last access. */
  readonly processors: readonly { readonly cpu: number; readonly space: string; readonly lastVa: string | null; readonly lastPa: string | null }[];
}

export interface TypedObjectView {
  readonly name: string;
  readonly type: string;
  readonly space: string;
  readonly address: string;
  readonly memoryReference: string;
}

export interface SnapshotEntryView {
  readonly id: number;
  /** Where the queue entry is (a memory reference such as "vs2:0x2000_2000"). */
  readonly memoryReference: string;
  readonly saveVolume: string;
  /** Save-volume blocks in use, of its size. */
  readonly saveUsed: number;
  readonly saveBlocks: number;
  /** One character per clone block (or per group of blocks when there are many): █ saved, ▒ some saved, · none. */
  readonly bitmapPicture: string;
  /** Blocks per picture character. */
  readonly blocksPerCell: number;
  readonly bitsSet: number;
  /** Block map: clone block -> save-volume block, for the blocks whose bit is set (at most 256 listed). */
  readonly blockMap: readonly { readonly block: number; readonly saved: number }[];
  readonly bitmapReference: string;
  readonly blockMapReference: string;
}

export interface SnapshotQueueView {
  /** false: the program does not use the snapshot facility (no .object of type snap_header). */
  readonly present: boolean;
  readonly memoryReference: string | null;
  readonly cloneVolume: string | null;
  readonly cloneBlocks: number;
  /** Head (oldest) first. */
  readonly entries: readonly SnapshotEntryView[];
  readonly writes: number;
  readonly copiesOnFirstWrite: number;
  /** The last read (FIG. 11): snapshot N and block Bi, the snapshots it looked in, and where it found the block. */
  readonly lastRead: { readonly snapshot: number; readonly block: number; readonly path: readonly number[]; readonly foundIn: number | 'clone' | null; readonly savedBlock: number | null } | null;
  /** The last copy on first write (FIG. 10, step 514): into which snapshot, which clone block, which save block. */
  readonly lastCopyOnFirstWrite: { readonly snapshot: number | null; readonly block: number; readonly savedBlock: number } | null;
  /** Something could not be read (an unmapped page, a broken chain). */
  readonly problem: string | null;
}

export interface DnlcEntryView {
  readonly name: string;
  readonly parent: number;
  readonly inode: number;
  readonly memoryReference: string;
}

export interface DnlcView {
  /** false: the program does not use the DNLC (no .object of type dnlc_table). */
  readonly present: boolean;
  readonly memoryReference: string | null;
  readonly buckets: number;
  readonly capacity: number;
  readonly entries: number;
  readonly hits: number;
  readonly misses: number;
  readonly enters: number;
  readonly removes: number;
  /** Non-empty buckets only. */
  readonly chains: readonly { readonly bucket: number; readonly entries: readonly DnlcEntryView[] }[];
  /** Entries in the longest hash chain (0 when empty): what a more aggressive hash setting ([00039]) shortens. */
  readonly longestChain: number;
  /** Entries per non-empty chain, on average; null when every bucket is empty. */
  readonly averageChain: number | null;
  readonly problem: string | null;
}

export interface ThreadPlaceView {
  readonly threadId: number;
  readonly name: string;
  readonly cpu: number;
  /** The space of the thread's innermost frame: its processor's when it runs now, else where it will resume. */
  readonly space: string;
  /** False when another thread holds the processor now. */
  readonly running: boolean;
}

/** The custom requests: command -> [arguments, response body]. */
export interface MoverRequests {
  'mover/layout': [Record<string, never>, LayoutView];
  /**
   * The walk of `va` in a space, on a processor, or under a raw CR3 value (`cr3`, which need not be any
   * space's); with `end` also every mapping in [va, end) under the same tables, at most `limit` runs (default 200).
   */
  'mover/walk': [{ readonly va: string; readonly space?: string; readonly cpu?: number; readonly cr3?: string; readonly end?: string; readonly limit?: number }, WalkWithRangeView];
  'mover/lastWalk': [{ readonly cpu: number }, WalkView | null];
  'mover/tlb': [{ readonly cpu?: number }, { readonly processors: readonly TlbProcessorView[] }];
  'mover/controlRegisters': [Record<string, never>, { readonly processors: readonly ControlRegistersView[] }];
  'mover/objects': [Record<string, never>, { readonly objects: readonly TypedObjectView[] }];
  /** Every (space, VA) that reaches a PA; with `entries: true` also what the paging-structure entry at that PA maps (PTE address -> VA), in `entryAddress` and `entries`. */
  'mover/whereis': [{ readonly pa: string; readonly entries?: boolean }, { readonly mappings: readonly { readonly space: string; readonly va: string }[]; readonly entryAddress?: string; readonly entries?: readonly EntryUseView[] }];
  'mover/compare': [{ readonly va: string; readonly length?: number }, CompareView];
  /** What changed in the whole machine between the stop `back` (default 1) stops ago and now. */
  'mover/diff': [{ readonly back?: number }, MachineDiffView];
  'mover/snapshots': [Record<string, never>, SnapshotQueueView];
  'mover/dnlc': [Record<string, never>, DnlcView];
  /** The processor a DAP thread (default: the first live one) runs on and the space its innermost frame is in (views follow the focused thread with it). */
  'mover/thread': [{ readonly threadId?: number }, ThreadPlaceView];
  /** The "Break on VS Switch" command: stop on entering these spaces (empty: any switch); null turns it off. Works alongside the exception filter. */
  'mover/breakOnVsSwitch': [{ readonly targets: readonly string[] | null }, Record<string, never>];
  /** Where each 4 KiB page of [va, va + count) of a space lands (no side effects: no TLB fill, no A/D bits); at most 256 pages. */
  'mover/translations': [{ readonly space: string; readonly va: string; readonly count: number }, { readonly pages: readonly PageTranslationView[] }];
  /** The program's `.struct` types and its declared `.object`s (the memory view's overlay picker). */
  'mover/structs': [Record<string, never>, { readonly structs: readonly StructTypeView[]; readonly objects: readonly TypedObjectView[] }];
  /** A struct laid over memory: each field's typed value, pointers with where they point. */
  'mover/structValues': [{ readonly type: string; readonly memoryReference: string }, { readonly type: string; readonly memoryReference: string; readonly size: number; readonly fields: readonly StructValueView[] }];
}

export type MoverRequestName = keyof MoverRequests;

/**
 * Sent when the program starts running ('running': views stop fetching until the next stop), after
 * every stop, and after every memory or register write (views refresh).
 */
export const STATE_CHANGED_EVENT = 'mover/stateChanged';
export interface StateChangedBody {
  readonly reason: 'running' | 'stopped' | 'memory' | 'registers' | 'restart';
  /** Instructions retired so far (the machine's clock). */
  readonly retired: number;
}

/** Stop reasons of the stops a filter asked for (VS Code's Call Stack says "Paused on VS switch"). */
export const STOP_VS_SWITCH = 'VS switch';
export const STOP_TLB_MISS = 'TLB miss';
export const STOP_COFW = 'copy-on-first-write';
export const STOP_TLB_STALE = 'stale TLB use';

/** Exception filter ids, as the Breakpoints view lists them. */
export const FILTER_VS_SWITCH = 'vs-switch';
export const FILTER_PAGE_FAULT = 'page-fault';
export const FILTER_TLB_MISS = 'tlb-miss';
export const FILTER_COFW = 'copy-on-first-write';
export const FILTER_TLB_STALE = 'tlb-stale';

/**
 * Sent at a stop or at the end of the session when the TLB-coherence sanitizer has findings the client
 * has not been sent yet (only the new ones; `mover/tlbFindings` with reset true starts a new list).
 */
export const TLB_FINDINGS_EVENT = 'mover/tlbFindings';
export interface TlbFindingView {
  /** Unique in the session (a finding seen again after time travel keeps its id). */
  readonly id: string;
  readonly kind: 'stale-use' | 'shootdown';
  readonly severity: 'error' | 'warning' | 'info';
  readonly expected: boolean;
  readonly message: string;
  /** The processor holding the stale entry, its space, and the page. */
  readonly cpu: number;
  readonly space: string;
  readonly va: string;
  /** The stale access, or the write for a shootdown warning: absolute path, client line and column. */
  readonly source: { readonly path: string; readonly line: number; readonly column: number } | null;
  readonly tlbSaid: string;
  readonly tablesSay: string;
  /** The write that made the entry stale, with its source position (null: before the sanitizer watched). */
  readonly write: { readonly cpu: number; readonly kind: 'store' | 'cr3'; readonly pa: string; readonly level: string | null; readonly clock: number; readonly source: { readonly path: string; readonly line: number; readonly column: number } | null } | null;
  readonly ago: number | null;
  readonly fix: string;
  /** The machine's clock at the use (or at the write for a shootdown warning). */
  readonly clock: number;
}
export interface TlbFindingsBody {
  readonly findings: readonly TlbFindingView[];
  /** The session ended: no more findings will come. */
  readonly final: boolean;
}

/** The numbered errors of the adapter's responses (`body.error.id`), as the user sees them. */
export const ErrorCode = {
  BadArguments: 1001,
  NotLaunched: 1002,
  UnknownCommand: 1003,
  Running: 1004,
  BadMemoryReference: 1005,
  LaunchFailed: 1006,
  SessionEnded: 1007,
  /** A socket session whose client did not present the adapter's token. */
  Unauthorized: 1008,
  Internal: 1099,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
