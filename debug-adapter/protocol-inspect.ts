// The bodies of the custom requests behind the memory view (translations, structs and typed values),
// Compare Across Spaces and the machine diff; protocol.ts declares the requests and re-exports these.

/** One 4 KiB page of a space and where it lands: the memory view's PA column and chunk band. */
export interface PageTranslationView {
  readonly va: string;
  readonly vaNumber: number;
  /** null: not mapped in the space (the walk faults). */
  readonly pa: string | null;
  readonly paNumber: number | null;
  readonly chunk: string | null;
}

export interface StructFieldView {
  readonly name: string;
  readonly offset: number;
  /** Bytes of the whole field (element size times count). */
  readonly size: number;
  readonly count: number;
  /** "u32", "i16", "ptr", "dnlc_entry*", a struct name; arrays as "u8[24]". */
  readonly type: string;
}

export interface StructTypeView {
  readonly name: string;
  readonly size: number;
  readonly fields: readonly StructFieldView[];
}

export interface StructValueView extends StructFieldView {
  /** The typed value as the Variables view shows it ("3  (0x3)", "0x2000_1000 → dnlc_entry", "\"usr\"", "(unmapped)"). */
  readonly value: string;
  /** For a non-null pointer: where it points, in the same space (e.g. "vs1:0x2000_1000"). */
  readonly pointer: string | null;
}

/** One space's side of a comparison (mover/compare): the VA's translation there and the bytes it reads. */
export interface SpaceCompareView {
  readonly space: string;
  readonly ok: boolean;
  readonly pa: string | null;
  readonly chunk: string | null;
  /** The other spaces that reach the same physical bytes at this VA; empty for a separate chunk. */
  readonly sameAs: readonly string[];
  /** "PA 0x1_0000_0000 · C4 · separate", or why it is not mapped. */
  readonly description: string;
  /** The bytes as hex pairs ("43 34 .."; ".." where unmapped). */
  readonly bytes: string;
  readonly memoryReference: string | null;
}

export interface CompareView {
  readonly va: string;
  readonly length: number;
  readonly spaces: readonly SpaceCompareView[];
  /** Offsets where the spaces read different bytes. */
  readonly differAt: readonly number[];
  /** The whole comparison as the console prints it. */
  readonly text: string;
}

/** One changed byte range of the machine diff (mover/diff). */
export interface MemoryChangeView {
  readonly pa: string;
  readonly length: number;
  readonly chunk: string | null;
  /** The first bytes then and now as hex pairs ("00 00" and "34 12"), and both as one line. */
  readonly old: string;
  readonly now: string;
  readonly text: string;
  /** Spaces and VAs that map the range's first byte (a few), and how many more do. */
  readonly mappedBy: readonly { readonly space: string; readonly va: string }[];
  readonly moreMappers: number;
  readonly memoryReference: string;
}

/** A changed paging-structure entry, decoded. */
export interface EntryChangeView {
  readonly pa: string;
  readonly level: 'PDPTE' | 'PDE' | 'PTE';
  readonly old: string;
  readonly now: string;
  readonly oldTarget: string | null;
  readonly nowTarget: string | null;
  readonly oldFlags: readonly string[];
  readonly nowFlags: readonly string[];
  /** Which space's VA range the entry maps. */
  readonly maps: readonly { readonly space: string; readonly va: string; readonly size: string }[];
  readonly text: string;
  readonly memoryReference: string;
}

export interface MachineDiffView {
  /** Clock values of the two instants compared. */
  readonly from: number;
  readonly to: number;
  readonly back: number;
  readonly bytesChanged: number;
  readonly memory: readonly MemoryChangeView[];
  readonly moreRanges: number;
  readonly pageTables: readonly EntryChangeView[];
  readonly tlb: readonly { readonly cpu: number; readonly fills: readonly { readonly va: string; readonly frame: string }[]; readonly evictions: readonly { readonly va: string; readonly frame: string }[] }[];
  /** "cpu0" cr3, pdpte0, preempt; a thread's general registers and pc. */
  readonly registers: readonly { readonly owner: string; readonly register: string; readonly old: string; readonly now: string }[];
  readonly volumes: readonly { readonly volume: string; readonly block: number; readonly changedBytes: number; readonly offset: number; readonly old: string; readonly now: string }[];
  readonly objects: readonly { readonly object: string; readonly type: string; readonly field: string; readonly space: string; readonly va: string; readonly old: string; readonly now: string; readonly memoryReference: string }[];
  /** The whole diff as the console prints it. */
  readonly text: string;
}
