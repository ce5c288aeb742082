// Messages between the extension host and its webviews: typed discriminated unions, one per webview.

import type { LayoutView, StructValueView } from '../../debug-adapter/protocol';

export interface ChunkMapCursor {
  /** The address under the editor cursor, if it is one. */
  readonly va: number | null;
}

export type ChunkMapToWebview =
  | { readonly type: 'layout'; readonly layout: LayoutView | null; readonly running: boolean }
  | { readonly type: 'cursor'; readonly va: number | null };

export type ChunkMapFromWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'openMemory'; readonly ref: string };

/** Bytes per word of the memory view's grouping (little-endian words). */
export type WordSize = 1 | 2 | 4 | 8;
export const WORD_SIZES: readonly WordSize[] = [1, 2, 4, 8];

export interface MemoryRow {
  readonly address: number;
  /** -1 for an unreadable byte. */
  readonly bytes: readonly number[];
  /** Byte indexes that changed since the previous stop. */
  readonly changed: readonly number[];
  /** The value each changed byte had at the previous stop (same order as `changed`). */
  readonly before: readonly number[];
  /** The physical address of the row's first byte: the address itself in a pa: view, null where the space maps nothing. */
  readonly pa: number | null;
  /** The chunk the row's bytes are in (from the layout), null when none. */
  readonly chunk: string | null;
  /** The row as words of the view's grouping, little-endian, in hex ("??" for unreadable bytes). */
  readonly words: readonly string[];
}

/** A struct laid over memory: each field with its typed value (mover/structValues). */
export interface MemoryOverlay {
  readonly type: string;
  readonly ref: string;
  readonly address: number;
  readonly size: number;
  readonly fields: readonly StructValueView[];
  readonly error?: string;
}

/** What the overlay picker offers: a declared `.object` (goes to its address) or a `.struct` (laid over the selected address). */
export interface StructChoice {
  readonly kind: 'object' | 'struct';
  readonly name: string;
  readonly type: string;
  readonly size: number;
  /** An object's memory reference, e.g. "vs1:0x2000_0000". */
  readonly ref?: string;
}

export type SessionStatus = 'stopped' | 'running' | 'none';

export interface MemoryState {
  readonly type: 'state';
  /** The reference of the first row shown, e.g. "vs1:0x2000_0000". */
  readonly ref: string;
  readonly space: string;
  readonly top: number;
  /** Changes when the extension moved the view (navigate, follow): the webview then takes `top`. */
  readonly topSeq: number;
  /** One past the last address of the space: 2^36 for pa:, 2^32 for a space. */
  readonly limit: number;
  readonly grouping: WordSize;
  /** Changes whenever rows sent before are out of date (a stop, a write, a new grouping). */
  readonly epoch: number;
  readonly session: SessionStatus;
  readonly sessionName: string | null;
  readonly follow: string | null;
  /** Where the followed expression points now. */
  readonly followed: number | null;
  readonly followError: string | null;
  /** The last write's or action's failure, or what the last action said. */
  readonly notice: string | null;
  readonly error: string | null;
  readonly overlay: MemoryOverlay | null;
  readonly structs: readonly StructChoice[];
  /** The layout's chunk names in order (the colour of a chunk's band is its index). */
  readonly chunks: readonly string[];
}

export type MemoryToWebview =
  | MemoryState
  | { readonly type: 'memory'; readonly ref: string; readonly space: string; readonly base: number; readonly rows: readonly MemoryRow[]; readonly stopped: boolean; readonly epoch: number; readonly error?: string };

export type MemoryFromWebview =
  | { readonly type: 'ready' }
  /** The rows on screen, and the pages (256-byte blocks by their first address) the webview has no current rows for. */
  | { readonly type: 'view'; readonly top: number; readonly rows: number; readonly need: readonly number[] }
  | { readonly type: 'write'; readonly address: number; readonly bytes: readonly number[] }
  | { readonly type: 'navigate'; readonly ref: string }
  | { readonly type: 'grouping'; readonly size: number }
  | { readonly type: 'follow'; readonly expression: string | null }
  /** "o:NAME" (an object), "s:TYPE" (a struct at `address`), or null (no overlay). */
  | { readonly type: 'overlay'; readonly choice: string | null; readonly address?: number }
  /** Opens another memory view at a pointer's target, with its struct laid over when it is typed. */
  | { readonly type: 'openRef'; readonly ref: string; readonly structType?: string }
  | { readonly type: 'hexEditor' };
