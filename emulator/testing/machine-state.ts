// A complete, comparable digest of a machine and its interpreter after a stop, and the first
// difference between two digests as a readable path (`cpu1.tlb.hits: 120 vs 121`).
//
// Differential tests run one program two ways (the fast path and the checked path; later the
// basic-block compiler) and insist that every stop leaves the same state: every thread's registers,
// pc, state, handler, call frames and retired count; each processor's control registers, PDPTE
// registers, preemption count, last fault and whole TLB (entries in order, with their LRU stamps and
// clock, and every counter); the scheduler's position; physical memory; the console and the events.
// The digest is plain data (numbers, strings, booleans, arrays, objects), so `firstDifference` walks
// it without knowing its shape.

import type { Interpreter } from '../interp/interpreter';
import type { PhysicalMemory } from '../physical-memory';
import { GPR_COUNT } from '../processor';

export type DigestValue = string | number | boolean | null | readonly DigestValue[] | { readonly [k: string]: DigestValue };

export interface MachineDigest {
  readonly [k: string]: DigestValue;
}

export interface DigestOptions {
  /** Hash physical memory (every touched page; the costly part). Default true. */
  readonly memory?: boolean;
  /**
   * Include the TLB's raw LRU stamps and clock, not only each entry's LRU rank in its set. Default true.
   * Off where only the order is defined: a restored TLB rebuilds which entry is the most recent of each
   * set, so its next use of that entry skips a stamp that the original run made (same order, clock one lower).
   */
  readonly lruStamps?: boolean;
}

const hex64 = (lo: number, hi: number): string => (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');

/** The state of a machine and its interpreter, as plain data. Reads memory without side effects on the run. */
export function machineDigest(interp: Interpreter, opts: DigestOptions = {}): MachineDigest {
  const machine = interp.machine;
  // The interpreter's own checkpoint state: the scheduler (cursor, slice, per-processor timers, current
  // threads and their order, last accesses) as well as each thread's registers and frames.
  const snap = interp.snapshot();
  const stamps = opts.lruStamps !== false;
  const turns = snap.cpus.filter((c) => c.current >= 0).length > 1;
  const threads: DigestValue[] = snap.threads.map((t, i) => ({
    name: interp.threads[i].name,
    pc: t.pc, state: t.state, handler: t.handler, inHandler: t.inHandler, retired: t.retired,
    regs: Array.from({ length: GPR_COUNT }, (_, r) => hex64(t.regLo[r], t.regHi[r])),
    frames: t.frames.map((f) => `${f.callPc}->${f.entry} sp=${f.sp.toString(16)} pg=${f.callerPaging} cr3=${f.callerCr3.toString(16)}`),
  }));
  const cpus: Record<string, DigestValue> = {};
  machine.processors.forEach((p, i) => {
    const tlb = p.tlb;
    const entries: string[] = [];
    for (let e = 0; e < tlb.size; e++) {
      // Empty entries are shown too: which way of a set an entry sits in is part of the TLB's state.
      entries.push(tlb.vpn[e] === -1 ? '-' : `${(tlb.vpn[e] >>> 0).toString(16)}->${tlb.frame[e].toString(16)} f=${tlb.flags[e]} lru=${tlb.lruRank(e)}${stamps ? ` use=${tlb.lastUse[e]}` : ''}`);
    }
    const sc = snap.cpus[i];
    cpus[`cpu${i}`] = {
      cr0: p.cr0 >>> 0, cr2: p.cr2 >>> 0, cr3: p.cr3 >>> 0, cr4: p.cr4 >>> 0, paging: p.paging,
      pdptes: Array.from({ length: p.pdpteLo.length }, (_, k) => hex64(p.pdpteLo[k], p.pdpteHi[k])),
      preemptCount: p.preemptCount, cpl: p.cpl,
      lastFault: p.lastFault ? JSON.stringify(p.lastFault) : null,
      // The last access through the public view (the interpreter keeps the VA signed or unsigned as is cheapest).
      current: sc.current, order: sc.order, timerLeft: sc.timerLeft, lastAccess: JSON.stringify(interp.lastAccess(i)),
      tlb: {
        hits: tlb.hits, misses: tlb.misses, walks: tlb.walks, fills: tlb.fills, evictions: tlb.evictions,
        flushes: tlb.flushes, invalidated: tlb.invalidated, clock: stamps ? tlb.clock : null, randomState: tlb.randomState,
        entries,
      },
    };
  });
  return {
    // The turn (cursor, instructions left in the slice) only matters while two processors or more have a
    // thread: with one, run() gives it the whole budget and never reads them, and they can never matter
    // again (a processor whose threads all halted stays idle). Shown as null then.
    retired: snap.retired, cursor: turns ? snap.cursor : null, sliceLeft: turns ? snap.sliceLeft : null, halted: interp.halted,
    lastBreak: snap.lastBreak ? `${snap.lastBreak.thread}@${snap.lastBreak.pc}` : null,
    threads, ...cpus,
    output: interp.output.kept.map((l) => `[cpu${l.cpu} t${l.thread}] ${l.text}`),
    events: interp.events.kept.map((e) => `${e.seq} ${e.name} ${e.a} ${e.b} t${e.thread} cpu${e.cpu} pc${e.pc}`),
    volumes: interp.volumeNames.join(','),
    memory: opts.memory === false ? null : memoryHash(machine.memory),
  };
}

/**
 * Touched pages and a 64-bit hash of their contents (two 32-bit FNV-style lanes over 32-bit words:
 * not cryptographic, but any one changed word changes it, and it is fast enough to run at every stop).
 */
export function memoryHash(mem: PhysicalMemory): string {
  const pages = mem.touchedPages();
  const buf = new Uint8Array(4096);
  const words = new Int32Array(buf.buffer);
  let a = 0x811c9dc5 | 0, b = 0x01000193 | 0;
  for (const pfn of pages) {
    a = Math.imul(a ^ pfn, 0x01000193);
    b = Math.imul(b ^ pfn, 0x5bd1e995);
    mem.readBytes(pfn * 4096, 4096, buf);
    for (let k = 0; k < 1024; k++) {
      const w = words[k];
      a = Math.imul(a ^ w, 0x01000193);
      b = (Math.imul(b ^ w, 0x5bd1e995) + k) | 0;
    }
  }
  return `${pages.length} pages ${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

/** The first difference between two digests, as `path: left vs right`, or null when they are equal. */
export function firstDifference(a: DigestValue, b: DigestValue, path = ''): string | null {
  const show = (v: DigestValue | undefined): string => (v === undefined ? '(missing)' : typeof v === 'string' ? v : JSON.stringify(v));
  if (a === b) return null;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) {
    return `${path || '(root)'}: ${show(a)} vs ${show(b)}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (i >= a.length || i >= b.length) return `${path}[${i}]: ${show(a[i] as DigestValue | undefined)} vs ${show(b[i] as DigestValue | undefined)} (lengths ${a.length} vs ${b.length})`;
      const d = firstDifference(a[i] as DigestValue, b[i] as DigestValue, `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  const ao = a as { readonly [k: string]: DigestValue }, bo = b as { readonly [k: string]: DigestValue };
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in ao) || !(k in bo)) return `${p}: ${show(ao[k])} vs ${show(bo[k])}`;
    const d = firstDifference(ao[k], bo[k], p);
    if (d !== null) return d;
  }
  return null;
}
