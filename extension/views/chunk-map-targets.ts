// What a click on the chunk map opens: a chunk's memory at its base (pa:BASE), a mapping's at its first
// VA in its space (vsN:VA). Shared by the webview script (which posts these references) and the
// extension (tests read them); no vscode import, so the webview bundle can include it.

import type { LayoutChunkView, LayoutMappingView, LayoutView } from '../../debug-adapter/protocol';

export function chunkRef(c: LayoutChunkView): string {
  return `pa:${c.base}`;
}

export function mappingRef(space: string, m: LayoutMappingView): string {
  return `${space.toLowerCase()}:${m.va}`;
}

/** Every click target of a layout's drawing: what it is, and the memory reference it opens. */
export function clickTargets(l: LayoutView): { readonly what: string; readonly ref: string }[] {
  return [
    ...l.chunks.map((c) => ({ what: c.name, ref: chunkRef(c) })),
    ...l.spaces.flatMap((s) => s.mappings.map((m) => ({ what: `${s.name} ${m.chunk}`, ref: mappingRef(s.name, m) }))),
  ];
}
