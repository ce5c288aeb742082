// The snapshot queue and the DNLC as the library keeps them in memory, decoded through the program's
// own .struct layouts and .object declarations (no offsets written here), read without side effects.
// The last read's path and the last copy on first write come from the events the library sends
// (snapread/snapstep/snaphit/snapclone in FIG. 11's read, snapcofw + cofw at step 514).

import { hex, type Interpreter, type Program, type StructType } from '../emulator/index';
import { formatRef, readRef, type MemoryRef } from './memory-ref';
import type { DnlcView, SnapshotEntryView, SnapshotQueueView } from './protocol';

const MAX_ENTRIES = 1024;
const MAX_CHAIN = 4096;
const PICTURE_CELLS = 128;
const MAX_BLOCKMAP = 256;

class Unreadable extends Error {}

/** A little-endian unsigned number of up to 6 bytes (the most a JS number holds exactly here). */
function le(bytes: Uint8Array, offset: number, size: number): number {
  let v = 0;
  for (let i = Math.min(size, 6) - 1; i >= 0; i--) v = v * 256 + bytes[offset + i];
  return v;
}

/** A struct instance in memory: fields by name, as numbers (fields up to 6 bytes) or bytes. */
class Struct {
  constructor(readonly type: StructType, readonly bytes: Uint8Array, readonly at: MemoryRef) {}

  static read(interp: Interpreter, program: Program, typeName: string, at: MemoryRef): Struct {
    const type = program.structs.get(typeName);
    if (!type) throw new Unreadable(`the program has no struct ${typeName}`);
    const r = readRef(interp, at, 0, type.size);
    if (r.unreadable || r.data.length < type.size) throw new Unreadable(`${typeName} at ${formatRef(at)} is not mapped`);
    return new Struct(type, r.data, at);
  }

  private field(name: string) {
    const f = this.type.fields.find((x) => x.name === name);
    if (!f) throw new Unreadable(`struct ${this.type.name} has no field ${name}`);
    return f;
  }

  num(name: string): number {
    const f = this.field(name);
    return le(this.bytes, f.offset, f.elementSize);
  }

  raw(name: string): Uint8Array {
    const f = this.field(name);
    return this.bytes.subarray(f.offset, f.offset + f.elementSize * f.count);
  }
}

function readBytes(interp: Interpreter, at: MemoryRef, count: number): Uint8Array {
  const r = readRef(interp, at, 0, count);
  if (r.unreadable || r.data.length < count) throw new Unreadable(`${count} bytes at ${formatRef(at)} are not all mapped`);
  return r.data;
}

function volumeName(interp: Interpreter, id: number): string {
  return interp.volumeNames[id] ?? `volume ${id}`;
}

function volumeBlocks(interp: Interpreter, id: number): number {
  const name = interp.volumeNames[id];
  return name ? interp.machine.volumes.get(name)?.blockCount ?? 0 : 0;
}

/** A picture of a bit map: one character per block, or per group of blocks when there are many. */
export function bitmapPicture(bits: Uint8Array, blocks: number, cells = PICTURE_CELLS): { picture: string; perCell: number } {
  const perCell = Math.max(1, Math.ceil(blocks / cells));
  let picture = '';
  for (let start = 0; start < blocks; start += perCell) {
    let set = 0;
    const end = Math.min(blocks, start + perCell);
    for (let b = start; b < end; b++) if (bits[b >> 3] & (1 << (b & 7))) set++;
    picture += set === 0 ? '·' : set === end - start ? '█' : '▒';
  }
  return { picture, perCell };
}

/**
 * The last snapshot read and where it was found. The interpreter keeps the last event of each name, so
 * only the events after that read are looked at (while the bounded log still holds them).
 */
function lastRead(interp: Interpreter): SnapshotQueueView['lastRead'] {
  const read = interp.lastEvent('snapread');
  if (!read) return null;
  const hit = interp.lastEvent('snaphit');
  const clone = interp.lastEvent('snapclone');
  const path: number[] = [];
  for (let j = Math.max(read.seq + 1, interp.events.firstKept); j < interp.events.length; j++) {
    const e = interp.events.at(j)!;
    if (e.name === 'snapstep') path.push(Number(e.a));
    else if (e.name === 'snaphit' || e.name === 'snapclone') break;
  }
  const found = hit && hit.seq > read.seq && !(clone && clone.seq > read.seq && clone.seq < hit.seq) ? hit : clone && clone.seq > read.seq ? clone : null;
  return {
    snapshot: Number(read.a), block: Number(read.b), path,
    foundIn: found === null ? null : found.name === 'snaphit' ? Number(found.a) : 'clone',
    savedBlock: found?.name === 'snaphit' ? Number(found.b) : null,
  };
}

function lastCofw(interp: Interpreter): SnapshotQueueView['lastCopyOnFirstWrite'] {
  const cofw = interp.lastEvent('cofw');
  if (!cofw) return null;
  // The snapshot module announces the copy's destination right before the cofw event itself.
  const into = interp.lastEvent('snapcofw');
  return { snapshot: into && into.seq === cofw.seq - 1 && into.b === cofw.a ? Number(into.a) : null, block: Number(cofw.a), savedBlock: Number(cofw.b) };
}

const EMPTY_QUEUE: SnapshotQueueView = {
  present: false, memoryReference: null, cloneVolume: null, cloneBlocks: 0, entries: [], writes: 0, copiesOnFirstWrite: 0, lastRead: null, lastCopyOnFirstWrite: null, problem: null,
};

export function snapshotQueueView(interp: Interpreter, program: Program): SnapshotQueueView {
  const obj = program.objects.find((o) => o.type === 'snap_header');
  if (!obj) return EMPTY_QUEUE;
  const space = obj.space;
  const at = { space, address: obj.va };
  const entries: SnapshotEntryView[] = [];
  const base = { ...EMPTY_QUEUE, present: true, memoryReference: formatRef(at), lastRead: lastRead(interp), lastCopyOnFirstWrite: lastCofw(interp) };
  try {
    const h = Struct.read(interp, program, 'snap_header', at);
    const blocks = h.num('blocks');
    const view = { ...base, cloneVolume: volumeName(interp, h.num('clone')), cloneBlocks: blocks, writes: h.num('writes'), copiesOnFirstWrite: h.num('cofw'), entries };
    const seen = new Set<number>();
    for (let p = h.num('head'); p !== 0; ) {
      if (seen.has(p) || entries.length >= MAX_ENTRIES) return { ...view, problem: seen.has(p) ? `the queue loops back to ${hex(p)}` : `more than ${MAX_ENTRIES} snapshots: the rest are not shown` };
      seen.add(p);
      const e = Struct.read(interp, program, 'snap_entry', { space, address: p });
      const bitmapAt = { space, address: e.num('bitmap') };
      const blockMapAt = { space, address: e.num('blockmap') };
      const bits = readBytes(interp, bitmapAt, Math.ceil(blocks / 8));
      const { picture, perCell } = bitmapPicture(bits, blocks);
      // The block map is an array of 32-bit save-volume block numbers indexed by clone block: one read
      // up to the last block listed.
      const listed: number[] = [];
      let set = 0;
      for (let b = 0; b < blocks; b++) {
        if (!(bits[b >> 3] & (1 << (b & 7)))) continue;
        set++;
        if (listed.length < MAX_BLOCKMAP) listed.push(b);
      }
      const words = listed.length ? readBytes(interp, blockMapAt, 4 * (listed[listed.length - 1] + 1)) : new Uint8Array(0);
      const map = listed.map((block) => ({ block, saved: le(words, 4 * block, 4) }));
      entries.push({
        id: e.num('id'), memoryReference: formatRef({ space, address: p }), saveVolume: volumeName(interp, e.num('save')),
        saveUsed: e.num('next_free'), saveBlocks: volumeBlocks(interp, e.num('save')), bitmapPicture: picture, blocksPerCell: perCell, bitsSet: set,
        blockMap: map, bitmapReference: formatRef(bitmapAt), blockMapReference: formatRef(blockMapAt),
      });
      p = e.num('younger');
    }
    return view;
  } catch (err) {
    if (err instanceof Unreadable) return { ...base, entries, problem: err.message };
    throw err;
  }
}

const EMPTY_DNLC: DnlcView = { present: false, memoryReference: null, buckets: 0, capacity: 0, entries: 0, hits: 0, misses: 0, enters: 0, removes: 0, chains: [], longestChain: 0, averageChain: null, problem: null };

/** The longest chain and the mean length of the non-empty ones (chains cut short by a problem count as read). */
function chainLengths(chains: readonly { readonly entries: readonly unknown[] }[]): Pick<DnlcView, 'longestChain' | 'averageChain'> {
  const total = chains.reduce((n, c) => n + c.entries.length, 0);
  return { longestChain: chains.reduce((n, c) => Math.max(n, c.entries.length), 0), averageChain: chains.length ? total / chains.length : null };
}

export function dnlcView(interp: Interpreter, program: Program): DnlcView {
  const obj = program.objects.find((o) => o.type === 'dnlc_table');
  if (!obj) return EMPTY_DNLC;
  const space = obj.space;
  const at = { space, address: obj.va };
  const chains: { bucket: number; entries: DnlcView['chains'][number]['entries'][number][] }[] = [];
  const base = { ...EMPTY_DNLC, present: true, memoryReference: formatRef(at) };
  try {
    const t = Struct.read(interp, program, 'dnlc_table', at);
    const view = {
      ...base, buckets: t.num('buckets'), capacity: t.num('capacity'), entries: t.num('entries'), hits: t.num('hits'), misses: t.num('misses'),
      enters: t.num('enters'), removes: t.num('removes'), chains,
    };
    // The bucket heads: DNLC_HASH, a constant of the library (the table struct does not point to them).
    const hash = program.symbols.defs.get('DNLC_HASH')?.value;
    if (hash === undefined) return { ...view, problem: 'the program has no DNLC_HASH constant: buckets cannot be shown' };
    const heads = readBytes(interp, { space, address: Number(hash) }, 4 * view.buckets);
    let walked = 0;
    for (let b = 0; b < view.buckets; b++) {
      const entries: DnlcView['chains'][number]['entries'][number][] = [];
      const seen = new Set<number>();
      for (let p = le(heads, 4 * b, 4); p !== 0; ) {
        if (seen.has(p) || ++walked > MAX_CHAIN) return { ...view, ...chainLengths(chains), problem: seen.has(p) ? `bucket ${b} loops back to ${hex(p)}` : `more than ${MAX_CHAIN} entries: the rest are not shown` };
        seen.add(p);
        const e = Struct.read(interp, program, 'dnlc_entry', { space, address: p });
        const len = Math.min(e.num('namelen'), e.raw('name').length);
        entries.push({ name: String.fromCharCode(...e.raw('name').subarray(0, len)), parent: e.num('parent'), inode: e.num('inode'), memoryReference: formatRef({ space, address: p }) });
        p = e.num('next');
      }
      if (entries.length) chains.push({ bucket: b, entries });
    }
    return { ...view, ...chainLengths(chains) };
  } catch (err) {
    if (err instanceof Unreadable) return { ...base, chains, ...chainLengths(chains), problem: err.message };
    throw err;
  }
}
