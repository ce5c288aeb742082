// The cached disk array's logical volumes ([00024], [00027]): fixed-size blocks, moved to and from
// physical memory by DMA (physical addresses, no translation, no TLB). Blocks never written read as
// zeros and take no host memory. Journals make checkpoints cheap, as for physical memory.

import { hex } from './hex';
import { PHYS_LIMIT, type PhysicalMemory } from './physical-memory';
import type { VolumeSpec } from './layout';

export interface VolumeJournal {
  /** volume name -> block -> old contents (undefined: the block was never written). */
  readonly saved: Map<string, Map<number, Uint8Array | undefined>>;
  /** Volumes created since the journal began. */
  readonly created: string[];
}

export class Volume {
  private readonly blocks = new Map<number, Uint8Array>();
  constructor(readonly name: string, readonly blockSize: number, readonly blockCount: number, private readonly owner: BlockDevices) {}

  /** Blocks holding data. */
  get blocksWritten(): number {
    return this.blocks.size;
  }

  /** A copy of one block (zeros if never written). */
  read(block: number): Uint8Array {
    const b = this.blocks.get(block);
    return b ? b.slice() : new Uint8Array(this.blockSize);
  }

  /** The block's bytes without copying, or undefined if never written (for inspection). */
  peek(block: number): Uint8Array | undefined {
    return this.blocks.get(block);
  }

  /**
   * DMA from memory into one block. The block's buffer is overwritten in place when no journal needs
   * its old contents; otherwise (and for a block never written) it gets a fresh one.
   */
  writeFromMemory(mem: PhysicalMemory, block: number, pa: number): void {
    const cur = this.blocks.get(block);
    if (cur !== undefined && !this.owner.needsOld(this, block)) { mem.readBytes(pa, this.blockSize, cur); return; }
    this.owner.noteWrite(this, block, cur);
    this.blocks.set(block, mem.readBytes(pa, this.blockSize));
  }

  write(block: number, bytes: Uint8Array): void {
    this.owner.noteWrite(this, block, this.blocks.get(block));
    this.blocks.set(block, bytes.length === this.blockSize ? bytes.slice() : padded(bytes, this.blockSize));
  }

  /** Used by undo only. */
  putBack(block: number, bytes: Uint8Array | undefined): void {
    if (bytes) this.blocks.set(block, bytes);
    else this.blocks.delete(block);
  }
}

function padded(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, size));
  return out;
}

export type DmaResult = { readonly ok: true } | { readonly ok: false; readonly message: string };
const DMA_OK: DmaResult = { ok: true };

export class BlockDevices {
  private readonly volumes = new Map<string, Volume>();
  private journal: VolumeJournal | null = null;
  /** Counters for the views and benchmarks. */
  readonly counters = { blocksRead: 0, blocksWritten: 0 };

  constructor(specs: readonly VolumeSpec[] = []) {
    for (const s of specs) this.create(s);
  }

  list(): Volume[] {
    return [...this.volumes.values()];
  }

  get(name: string): Volume | undefined {
    return this.volumes.get(name);
  }

  /** Creates a volume; returns an error message if the name is taken or the geometry is bad. */
  create(spec: VolumeSpec): Volume | string {
    if (this.volumes.has(spec.name)) return `a volume named ${spec.name} already exists`;
    if (!Number.isInteger(spec.blockSize) || spec.blockSize < 512 || spec.blockSize & (spec.blockSize - 1)) return `block size must be a power of two of at least 512 (got ${spec.blockSize})`;
    if (!Number.isInteger(spec.blocks) || spec.blocks < 1) return `a volume needs at least one block (got ${spec.blocks})`;
    const v = new Volume(spec.name, spec.blockSize, spec.blocks, this);
    this.volumes.set(spec.name, v);
    this.journal?.created.push(spec.name);
    return v;
  }

  /** True when a journal is active and has not yet saved this block's contents. */
  needsOld(v: Volume, block: number): boolean {
    return this.journal !== null && !(this.journal.saved.get(v.name)?.has(block) ?? false);
  }

  noteWrite(v: Volume, block: number, old: Uint8Array | undefined): void {
    if (!this.journal) return;
    let m = this.journal.saved.get(v.name);
    if (!m) this.journal.saved.set(v.name, (m = new Map()));
    if (!m.has(block)) m.set(block, old);
  }

  /** The volume of a transfer, or what is wrong with it (no object per call: DMA runs per instruction). */
  private checkTransfer(volume: string, block: number, count: number, pa: number): Volume | string {
    const v = this.volumes.get(volume);
    if (!v) return `no volume named ${volume}`;
    if (!Number.isInteger(block) || !Number.isInteger(count) || block < 0 || count < 1 || block + count > v.blockCount) {
      return `blocks ${block}..${block + count - 1} are outside volume ${volume} (0..${v.blockCount - 1})`;
    }
    if (!Number.isSafeInteger(pa) || pa < 0 || pa + count * v.blockSize > PHYS_LIMIT) return `DMA to ${hex(pa)} runs outside the 36-bit physical space`;
    return v;
  }

  /** DMA volume -> memory: `count` blocks from `block` to physical address `pa`. */
  readToMemory(mem: PhysicalMemory, volume: string, block: number, count: number, pa: number): DmaResult {
    const v = this.checkTransfer(volume, block, count, pa);
    if (typeof v === 'string') return { ok: false, message: v };
    for (let i = 0; i < count; i++) {
      const data = v.peek(block + i);
      const at = pa + i * v.blockSize;
      if (data) mem.writeBytes(at, data);
      else mem.fill(at, v.blockSize, 0);
    }
    this.counters.blocksRead += count;
    return DMA_OK;
  }

  /** DMA memory -> volume. */
  writeFromMemory(mem: PhysicalMemory, volume: string, block: number, count: number, pa: number): DmaResult {
    const v = this.checkTransfer(volume, block, count, pa);
    if (typeof v === 'string') return { ok: false, message: v };
    for (let i = 0; i < count; i++) v.writeFromMemory(mem, block + i, pa + i * v.blockSize);
    this.counters.blocksWritten += count;
    return DMA_OK;
  }

  beginJournal(): VolumeJournal {
    this.journal = { saved: new Map(), created: [] };
    return this.journal;
  }

  endJournal(): void {
    this.journal = null;
  }

  undo(j: VolumeJournal): void {
    for (const [name, blocks] of j.saved) {
      const v = this.volumes.get(name);
      if (v) for (const [b, old] of blocks) v.putBack(b, old);
    }
    for (const name of j.created) this.volumes.delete(name);
  }

  /** Folds a later journal into the one before it (see PhysicalMemory.foldJournal): the older copy wins. */
  static foldJournal(earlier: VolumeJournal, later: VolumeJournal): void {
    const created = new Set(earlier.created);
    for (const [name, blocks] of later.saved) {
      if (created.has(name)) continue;
      let m = earlier.saved.get(name);
      if (!m) earlier.saved.set(name, (m = new Map()));
      for (const [b, old] of blocks) if (!m.has(b)) m.set(b, old);
    }
    for (const name of later.created) earlier.created.push(name);
  }

  /** Host bytes a journal holds (the saved blocks). */
  static journalBytes(j: VolumeJournal): number {
    let n = 0;
    for (const blocks of j.saved.values()) for (const old of blocks.values()) n += old?.length ?? 0;
    return n;
  }

  resumeJournal(j: VolumeJournal): void {
    j.saved.clear();
    j.created.length = 0;
    this.journal = j;
  }

  snapshotCounters(): { blocksRead: number; blocksWritten: number } {
    return { ...this.counters };
  }
}
