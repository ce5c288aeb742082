// Messages between the extension host and its webviews: typed discriminated unions, one per webview.

import type { LayoutView } from '../../debug-adapter/protocol';

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

export interface MemoryRow {
  readonly address: number;
  /** -1 for an unreadable byte. */
  readonly bytes: readonly number[];
  /** Byte indexes that changed since the previous stop. */
  readonly changed: readonly number[];
}

export type MemoryToWebview =
  | { readonly type: 'memory'; readonly ref: string; readonly space: string; readonly base: number; readonly rows: readonly MemoryRow[]; readonly stopped: boolean; readonly error?: string };

export type MemoryFromWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'write'; readonly address: number; readonly value: number }
  | { readonly type: 'navigate'; readonly ref: string }
  | { readonly type: 'page'; readonly delta: number };
