// The data mover machine: sparse physical memory, N processors with their own TLBs, the volumes of the
// cached disk array, and a layout whose paging structures the boot builder wrote. Checkpoints capture
// all of it; restoring one costs what changed since, which is what step back and restart build on.

import { BlockDevices, type VolumeJournal } from './block-device';
import { buildPageTables, type BootCounts } from './boot';
import { hex } from './hex';
import { chunkAt, defaultLayout, type Chunk, type Layout, type Space } from './layout';
import { PhysicalMemory, type MemoryJournal } from './physical-memory';
import { CR0_PE, CR4_PAE, CR4_PGE, Processor, type ProcessorState } from './processor';
import { DEFAULT_TLB_GEOMETRY, validateGeometry, type TlbGeometry } from './tlb';
import { CR3_PDPT_MASK } from './paging';

export interface MachineOptions {
  readonly layout?: Layout;
  /** Processors (default 2, [00030]: a Xeon's two logical processors). */
  readonly cpus?: number;
  readonly tlb?: TlbGeometry;
}

/** Processors of a machine unless configured ([00030]: a Xeon's two logical processors), and the most. */
export const DEFAULT_CPUS = 2;
export const MAX_CPUS = 64;
/** Instructions between timer interrupts on each processor ([00031]) unless configured. */
export const DEFAULT_TIMER_QUANTUM = 10_000;
/** A run that has not halted after this many instructions is stopped as runaway, unless configured. */
export const DEFAULT_MAX_STEPS = 100_000_000;

/** A space and where its paging structures are. */
export interface SpaceInfo {
  readonly space: Space;
  readonly name: string;
  /** PDPT address (the CR3 value that selects the space), or null when paging is off. */
  readonly pdpt: number | null;
}

/**
 * A checkpoint, format version 1: processor states (registers, control registers, PDPTE registers,
 * TLB contents and counters) are copied; memory and volumes are journals of what was overwritten after
 * the checkpoint; `extra` is state of the layers above (the interpreter's threads, devices' cursors).
 */
export interface Checkpoint<Extra = unknown> {
  readonly version: 1;
  readonly id: number;
  readonly cpus: readonly ProcessorState[];
  readonly memory: MemoryJournal;
  readonly volumes: VolumeJournal;
  readonly volumeCounters: { blocksRead: number; blocksWritten: number };
  readonly extra: Extra;
}

export class MachineError extends Error {}

export class Machine {
  readonly memory = new PhysicalMemory();
  readonly processors: Processor[] = [];
  readonly volumes: BlockDevices;
  readonly layout: Layout;
  readonly spaces: readonly SpaceInfo[];
  readonly bootCounts: BootCounts;
  readonly tlbGeometry: TlbGeometry;
  private checkpoints: Checkpoint[] = [];
  private nextCheckpointId = 1;

  constructor(options: MachineOptions = {}) {
    this.layout = options.layout ?? defaultLayout();
    const cpus = options.cpus ?? DEFAULT_CPUS;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > MAX_CPUS) throw new MachineError(`processors must be a whole number from 1 to ${MAX_CPUS} (got ${cpus})`);
    this.tlbGeometry = options.tlb ?? DEFAULT_TLB_GEOMETRY;
    const bad = validateGeometry(this.tlbGeometry);
    if (bad) throw new MachineError(bad);
    const boot = buildPageTables(this.memory, this.layout);
    this.bootCounts = boot.counts;
    this.spaces = this.layout.spaces.map((space) => ({ space, name: space.name, pdpt: space.paging ? boot.pdpt.get(space.name)! : null }));
    this.volumes = new BlockDevices(this.layout.volumes);
    for (let i = 0; i < cpus; i++) {
      const p = new Processor(i, this.memory, this.tlbGeometry);
      // Boot state: protected mode, paging off (VS0), PAE and global pages enabled for later switches.
      // Set as reset state, not through MOV (which would count a flush of an empty TLB).
      p.cr0 = CR0_PE;
      p.cr4 = CR4_PAE | CR4_PGE;
      this.processors.push(p);
    }
  }

  space(name: string): SpaceInfo | undefined {
    const n = name.toUpperCase();
    return this.spaces.find((s) => s.name.toUpperCase() === n);
  }

  /** The space a processor runs in: paging off -> the paging-off space; else the space whose PDPT CR3 holds. */
  currentSpace(cpu: Processor): SpaceInfo | undefined {
    return cpu.paging ? this.spaceOfCr3(cpu.cr3) : this.spaces.find((s) => s.pdpt === null);
  }

  /** The paged space whose PDPT a CR3 value points at. */
  spaceOfCr3(cr3: number): SpaceInfo | undefined {
    const base = (cr3 & CR3_PDPT_MASK) >>> 0;
    return this.spaces.find((s) => s.pdpt === base);
  }

  /** The space a processor ran in with this paging state and CR3 (a saved frame's), for display. */
  spaceNameFor(paging: boolean, cr3: number): string {
    return (paging ? this.spaceOfCr3(cr3)?.name : this.spaces.find((s) => s.pdpt === null)?.name) ?? (paging ? `CR3=${hex(cr3)}` : 'paging off');
  }

  /** A space's name for display, or "CR3=0x..." when CR3 points at no known PDPT. */
  currentSpaceName(cpu: Processor): string {
    return this.spaceNameFor(cpu.paging, cpu.cr3);
  }

  chunkAt(pa: number): Chunk | undefined {
    return chunkAt(this.layout, pa);
  }

  processor(id: number): Processor | undefined {
    return this.processors[id];
  }

  // ---- checkpoints -------------------------------------------------------------------------------

  /** Takes a checkpoint and returns its id. `extra` is kept as given and handed back by restore. */
  checkpoint<Extra>(extra?: Extra): number {
    const cp: Checkpoint = {
      version: 1, id: this.nextCheckpointId++, cpus: this.processors.map((p) => p.snapshot()),
      memory: this.memory.beginJournal(), volumes: this.volumes.beginJournal(), volumeCounters: this.volumes.snapshotCounters(), extra,
    };
    this.checkpoints.push(cp);
    return cp.id;
  }

  /** Ids of the live checkpoints, oldest first. */
  checkpointIds(): number[] {
    return this.checkpoints.map((c) => c.id);
  }

  /**
   * Brings the whole machine back to checkpoint `id`. Later checkpoints are dropped; `id` stays live
   * (restoring it again later works). Returns the checkpoint's `extra`.
   */
  restore<Extra>(id: number): Extra {
    const k = this.checkpoints.findIndex((c) => c.id === id);
    if (k < 0) throw new MachineError(`no checkpoint ${id} (live: ${this.checkpointIds().join(', ') || 'none'})`);
    for (let j = this.checkpoints.length - 1; j >= k; j--) {
      this.memory.undo(this.checkpoints[j].memory);
      this.volumes.undo(this.checkpoints[j].volumes);
    }
    const cp = this.checkpoints[k];
    this.checkpoints.length = k + 1;
    this.processors.forEach((p, i) => p.restore(cp.cpus[i]));
    Object.assign(this.volumes.counters, cp.volumeCounters);
    this.memory.resumeJournal(cp.memory);
    this.volumes.resumeJournal(cp.volumes);
    return cp.extra as Extra;
  }

  /** Drops checkpoints older than `id` (their journals are no longer needed to reach `id` or later). */
  discardCheckpointsBefore(id: number): void {
    const k = this.checkpoints.findIndex((c) => c.id === id);
    if (k > 0) this.checkpoints.splice(0, k);
  }

  /**
   * Drops one checkpoint that is not the latest: its journal folds into the one before it, so every
   * other checkpoint can still be restored (restoring the one before and running forward passes
   * through the dropped instant). Dropping the oldest forgets the history before the next one.
   */
  dropCheckpoint(id: number): void {
    const k = this.checkpoints.findIndex((c) => c.id === id);
    if (k < 0) throw new MachineError(`no checkpoint ${id} (live: ${this.checkpointIds().join(', ') || 'none'})`);
    // The latest checkpoint's journal is the one recording now: it has nothing later to fold into.
    if (k === this.checkpoints.length - 1) throw new MachineError(`checkpoint ${id} is the latest: it cannot be dropped`);
    if (k > 0) {
      PhysicalMemory.foldJournal(this.checkpoints[k - 1].memory, this.checkpoints[k].memory);
      BlockDevices.foldJournal(this.checkpoints[k - 1].volumes, this.checkpoints[k].volumes);
    }
    this.checkpoints.splice(k, 1);
  }

  /**
   * What memory pages and volume blocks held at checkpoint `id`, for every one written since (read-only:
   * for diffs). The first saved copy in the journals from that checkpoint on wins; a page allocated since
   * was zero then (null), a block never written then is undefined. Undefined when `id` is not live.
   */
  oldContentsSince(id: number): { pages: Map<number, Uint8Array | null>; blocks: Map<string, Map<number, Uint8Array | undefined>> } | undefined {
    const k = this.checkpoints.findIndex((c) => c.id === id);
    if (k < 0) return undefined;
    const pages = new Map<number, Uint8Array | null>();
    const blocks = new Map<string, Map<number, Uint8Array | undefined>>();
    for (let j = k; j < this.checkpoints.length; j++) {
      const { memory, volumes } = this.checkpoints[j];
      for (const [pfn, bytes] of memory.saved) if (!pages.has(pfn)) pages.set(pfn, bytes);
      for (const pfn of memory.allocated) if (!pages.has(pfn)) pages.set(pfn, null);
      for (const [name, saved] of volumes.saved) {
        let m = blocks.get(name);
        if (!m) blocks.set(name, (m = new Map()));
        for (const [b, old] of saved) if (!m.has(b)) m.set(b, old);
      }
    }
    return { pages, blocks };
  }

  /** Host bytes the live checkpoints hold (saved pages and blocks), which grows with what a run rewrites. */
  checkpointBytes(): number {
    let n = 0;
    for (const c of this.checkpoints) n += PhysicalMemory.journalBytes(c.memory) + BlockDevices.journalBytes(c.volumes);
    return n;
  }

  /** Drops every checkpoint and stops journaling. */
  clearCheckpoints(): void {
    this.checkpoints = [];
    this.memory.endJournal();
    this.volumes.endJournal();
  }
}
