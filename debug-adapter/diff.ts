// The body of mover/diff and the console's `diff`: what changed in the whole machine between a stop
// and now (issue 17's time-travel machine diff), computed by the emulator from the stop's recorded
// point and the checkpoint journals since (emulator/diff.ts).

import { DiffError, diffMachine, formatChangeBytes, formatEntryChange, formatMachineDiff, formatSize, hex, hex64, type MachineDiff, type Program } from '../emulator/index';
import { formatRef } from './memory-ref';
import type { MachineDiffView } from './protocol';
import { bad } from './request';
import type { MoverRuntime } from './runtime';

const bytes = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** The machine diff from the stop `back` stops ago to now; throws an Error saying why there is none. */
export function machineDiff(rt: MoverRuntime, program: Program | null, back = 1): MachineDiff {
  if (!Number.isInteger(back) || back < 1) throw new Error(`diff goes back 1 or more stops (got ${back})`);
  const from = rt.pointBack(back);
  if (typeof from === 'string') throw new Error(from);
  try {
    return diffMachine(rt.interp, from, program ?? undefined);
  } catch (e) {
    if (e instanceof DiffError) throw new Error(`the stop ${back} back (instruction ${from.at}) is older than the kept history: its checkpoint was dropped to bound memory (history is kept from instruction ${rt.oldestKept} on)`, { cause: e });
    throw e;
  }
}

/** mover/diff's body. */
export function diffView(d: MachineDiff, back: number): MachineDiffView {
  return {
    from: d.from, to: d.to, back, bytesChanged: d.bytesChanged, moreRanges: d.moreRanges, text: formatMachineDiff(d),
    memory: d.memory.map((c) => ({
      pa: hex(c.pa), length: c.length, chunk: c.chunk, old: bytes(c.old), now: bytes(c.now), text: formatChangeBytes(c),
      mappedBy: c.mappedBy.map((x) => ({ space: x.space, va: hex(x.va, 8) })), moreMappers: c.moreMappers, memoryReference: formatRef({ space: 'PA', address: c.pa }),
    })),
    pageTables: d.entries.map((e) => ({
      pa: hex(e.pa), level: e.level, old: hex64(e.old[0], e.old[1]), now: hex64(e.now[0], e.now[1]),
      oldTarget: e.oldTarget === null ? null : hex(e.oldTarget), nowTarget: e.nowTarget === null ? null : hex(e.nowTarget), oldFlags: e.oldFlags, nowFlags: e.nowFlags,
      maps: e.uses.map((u) => ({ space: u.space, va: hex(u.va, 8), size: formatSize(u.size) })), text: formatEntryChange(e), memoryReference: formatRef({ space: 'PA', address: e.pa }),
    })),
    tlb: d.tlb.map((t) => ({ cpu: t.cpu, fills: t.fills.map((f) => ({ va: hex(f.va, 8), frame: hex(f.frame) })), evictions: t.evictions.map((f) => ({ va: hex(f.va, 8), frame: hex(f.frame) })) })),
    registers: d.registers.map((r) => ({ ...r })),
    volumes: d.blocks.map((b) => ({ volume: b.volume, block: b.block, changedBytes: b.changedBytes, offset: b.offset, old: bytes(b.old), now: bytes(b.now) })),
    objects: d.fields.map((f) => ({ object: f.object, type: f.type, field: f.field, space: f.space, va: hex(f.va, 8), old: f.old, now: f.now, memoryReference: formatRef({ space: 'PA', address: f.pa }) })),
  };
}

/** The mover/diff request: a refused one says why (no earlier stop, or older than the kept history). */
export function diffRequest(rt: MoverRuntime, program: Program | null, a: { readonly back?: number }): MachineDiffView {
  const back = a.back ?? 1;
  try {
    return diffView(machineDiff(rt, program, back), back);
  } catch (e) {
    throw bad((e as Error).message);
  }
}
