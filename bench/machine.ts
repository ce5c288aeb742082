// Machine figures: address translation (TLB hits, a 90%-hit mix, all misses, the walk), TLB flushes,
// host memory per touched page, checkpoint and restore, and boot. All on the patent layout
// (new Machine()) with processor 0 in VS1: CR3 = VS1's PDPT, CR0 = PE | PG.

import {
  CR0_PE, CR0_PG, Machine, PhysicalMemory, WalkOut, walk, type Pdptes, type Processor, type Tlb, type WalkRequest,
} from '../emulator/index';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { gc, nowNs, rng, sample, spread, timeNs, type Figure, type Suite, type SuiteContext } from './harness';

const PAGE = 4096;
/** The middle of VS1 (C4): 0x2000_0000 .. 0xF000_0000, 3.25 GiB. */
const MID_LO = 0x2000_0000;
const MID_HI = 0xf000_0000;

/** A patent machine whose processor 0 runs in VS1 with paging on. */
export function machineInVs1(): { machine: Machine; cpu: Processor } {
  const machine = new Machine();
  const cpu = machine.processors[0];
  const vs1 = machine.space('VS1');
  if (!vs1 || vs1.pdpt === null) throw new Error('the patent layout has no paged VS1');
  const bad = cpu.writeCr3(vs1.pdpt) ?? cpu.writeCr0(CR0_PE | CR0_PG);
  if (bad) throw new Error(`cannot enter VS1: ${bad.message}`);
  return { machine, cpu };
}

// ---- hot loops: top-level functions, each with one array type, so each stays monomorphic ----------

function hitLoop(cpu: Processor, vas: Int32Array, n: number): number {
  const mask = vas.length - 1;
  let acc = 0;
  for (let i = 0; i < n; i++) acc += cpu.translateRead(vas[i & mask]);
  return acc;
}

function translateLoop(cpu: Processor, vas: Float64Array, n: number): number {
  const mask = vas.length - 1;
  let acc = 0;
  for (let i = 0; i < n; i++) acc += cpu.translateRead(vas[i & mask]);
  return acc;
}

const INSPECT_READ: WalkRequest = { write: false, user: false, wp: false, sideEffects: false };

function walkLoop(mem: PhysicalMemory, pdptes: Pdptes, vas: Float64Array, n: number): number {
  const mask = vas.length - 1;
  const out = new WalkOut();
  let acc = 0;
  for (let i = 0; i < n; i++) {
    walk(mem, pdptes, vas[i & mask], INSPECT_READ, out, null);
    acc += out.pa;
  }
  return acc;
}

/** 64 entries spread over the 4 GiB (one every 64 MiB), four per set of the default 16-set TLB. */
const FULL_VPNS = Int32Array.from({ length: 64 }, (_, k) => k * 0x4000 + k);
const FULL_FLAGS = Uint8Array.from(FULL_VPNS, (vpn) => (vpn < 0x20000 || vpn >= 0xf0000 ? 0b1111 : 0b0111));

function fillFull(tlb: Tlb): void {
  for (let k = 0; k < FULL_VPNS.length; k++) tlb.fill(FULL_VPNS[k], 0x1_0000_0000 + k * PAGE, FULL_FLAGS[k]);
}

type FlushKind = 0 | 1 | 2; // 0: no flush (baseline: empty the entries by hand), 1: flushAll, 2: the [00043] range flush

function flushLoop(tlb: Tlb, kind: FlushKind, n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) {
    fillFull(tlb);
    if (kind === 1) acc += tlb.flushAll();
    else if (kind === 2) acc += tlb.invalidateRange(MID_LO, MID_HI);
    else tlb.vpn.fill(-1);
    // The debugger takes a mark at every stop; without one the flushed-VPN list would only grow.
    if ((i & 63) === 63) tlb.markChanges();
  }
  tlb.markChanges();
  return acc;
}

function emptyLoop(tlb: Tlb, n: number): number {
  for (let i = 0; i < n; i++) tlb.vpn.fill(-1);
  return tlb.vpn[0];
}

// ---- workloads -------------------------------------------------------------------------------------

const WORKLOAD = 1 << 20;

function randomMidVa(r: () => number): number {
  return MID_LO + Math.floor(r() * (MID_HI - MID_LO));
}

/** 90% of accesses to 8 hot pages (in 8 different sets), 10% to random VAs of the middle 3.25 GiB. */
function mixedWorkload(): Float64Array {
  const r = rng(12345);
  const vas = new Float64Array(WORKLOAD);
  for (let i = 0; i < WORKLOAD; i++) {
    vas[i] = r() < 0.9 ? 0x0010_0000 + Math.floor(r() * 8) * PAGE + Math.floor(r() * PAGE) : randomMidVa(r);
  }
  return vas;
}

function missWorkload(): Float64Array {
  const r = rng(67890);
  const vas = new Float64Array(WORKLOAD);
  for (let i = 0; i < WORKLOAD; i++) vas[i] = randomMidVa(r);
  return vas;
}

/** Translations per second of `loop` over n accesses, and the TLB hit ratio it saw. */
function rateOf(ctx: SuiteContext, cpu: Processor, n: number, runs: number, loop: () => number): { rate: ReturnType<typeof sample>; hitRatio: number } {
  const tlb = cpu.tlb;
  let hits = 0, misses = 0;
  const rate = sample({ warmup: 2, runs }, (i) => {
    const h0 = tlb.hits, m0 = tlb.misses;
    const ns = timeNs(ctx.sink, loop);
    if (i >= 0) { hits += tlb.hits - h0; misses += tlb.misses - m0; }
    return n / (ns / 1e9);
  });
  return { rate, hitRatio: hits / (hits + misses) };
}

// ---- the suite ---------------------------------------------------------------------------------------

function translationFigures(ctx: SuiteContext): Figure[] {
  const { machine, cpu } = machineInVs1();
  const runs = ctx.quick ? 3 : 7;
  const figures: Figure[] = [];

  // TLB hits: four pages of C4 (VS1 0x2000_0000..), cycled so every access goes to another page than the last.
  ctx.log('TLB hits');
  const hitVas = Int32Array.from({ length: 4096 }, (_, i) => MID_LO + (i & 3) * PAGE + ((i * 40) & 0xff8));
  for (let p = 0; p < 4; p++) cpu.translateRead(MID_LO + p * PAGE);
  const nHit = ctx.quick ? 2_000_000 : 20_000_000;
  const hit = rateOf(ctx, cpu, nHit, runs, () => hitLoop(cpu, hitVas, nHit));
  if (hit.hitRatio !== 1) throw new Error(`the TLB-hit workload missed (hit ratio ${hit.hitRatio})`);
  figures.push({ key: 'tlb_hit_translations_per_s', label: 'translateRead, TLB hits (4 pages)', value: hit.rate.median, unit: '/s', target: { op: '>=', value: 200e6 }, note: spread(hit.rate, 'M/s', 1e6) });

  ctx.log('90%-hit mix');
  const mixed = mixedWorkload();
  const nMix = ctx.quick ? WORKLOAD : 4 * WORKLOAD;
  const mix = rateOf(ctx, cpu, nMix, runs, () => translateLoop(cpu, mixed, nMix));
  figures.push({ key: 'mixed90_translations_per_s', label: 'translateRead, 90% hits', value: mix.rate.median, unit: '/s', note: `${spread(mix.rate, 'M/s', 1e6)}; hit ratio ${(mix.hitRatio * 100).toFixed(1)}%` });
  figures.push({ key: 'mixed90_hit_ratio', label: '  hit ratio of that mix', value: mix.hitRatio, unit: '' });

  ctx.log('all misses');
  const misses = missWorkload();
  const nMiss = ctx.quick ? WORKLOAD / 2 : 2 * WORKLOAD;
  const miss = rateOf(ctx, cpu, nMiss, runs, () => translateLoop(cpu, misses, nMiss));
  figures.push({ key: 'all_miss_translations_per_s', label: 'translateRead, random VAs in C4 (misses)', value: miss.rate.median, unit: '/s', note: `${spread(miss.rate, 'M/s', 1e6)}; hit ratio ${(miss.hitRatio * 100).toFixed(2)}%` });
  figures.push({ key: 'miss_ns', label: 'a miss: lookup + walk + fill', value: 1e9 / miss.rate.median, unit: 'ns' });

  const pdptes = cpu.loadedPdptes;
  const walkNs = sample({ warmup: 2, runs }, () => timeNs(ctx.sink, () => walkLoop(machine.memory, pdptes, misses, nMiss)) / nMiss);
  figures.push({ key: 'walk_ns', label: '  of which the walk (no side effects)', value: walkNs.median, unit: 'ns', note: spread(walkNs, 'ns') });
  return figures;
}

function flushFigures(ctx: SuiteContext): Figure[] {
  ctx.log('TLB flushes');
  const { cpu } = machineInVs1();
  const tlb = cpu.tlb;
  const n = ctx.quick ? 5_000 : 50_000;
  const runs = ctx.quick ? 3 : 7;
  // Each flush needs a full TLB first; the refill (and emptying the entries by hand) is measured alone and subtracted.
  const perOp = (kind: FlushKind) => sample({ warmup: 2, runs }, () => timeNs(ctx.sink, () => flushLoop(tlb, kind, n)) / n);
  const base = perOp(0);
  const empty = sample({ warmup: 2, runs }, () => timeNs(ctx.sink, () => emptyLoop(tlb, n)) / n);
  const all = perOp(1);
  const range = perOp(2);
  fillFull(tlb);
  const inRange = tlb.invalidateRange(MID_LO, MID_HI);
  tlb.flushAll();
  tlb.markChanges();
  const net = (s: { median: number }) => Math.max(0, s.median - base.median + empty.median);
  return [
    { key: 'flush_all_ns', label: 'flushAll, full TLB (64 entries)', value: net(all), unit: 'ns', note: `refill ${base.median.toFixed(0)} ns subtracted` },
    { key: 'flush_range_ns', label: 'invalidateRange(512M, 4G-256M), full TLB', value: net(range), unit: 'ns', note: `drops ${inRange} of 64` },
  ];
}

interface MemoryProbe {
  readonly pages: number;
  readonly rssPerPage: number;
  readonly arrayBuffersPerPage: number;
  readonly heapPerPage: number;
  readonly firstTouchNs: number;
  readonly sink: number;
}

/** In a fresh process: touch `pages` pages with write32 and see what the process grew by. */
function memoryProbe(pages: number, scattered: boolean): MemoryProbe {
  // Warm write32 and the allocator paths up on a throw-away memory first.
  const warm = new PhysicalMemory();
  for (let i = 0; i < 2048; i++) warm.write32(0x1_0000_0000 + i * PAGE, i);
  const r = rng(4242);
  const pas = new Float64Array(pages);
  // Contiguous: a 400 MB stretch of C4. Scattered: distinct random pages over the 10.5 GiB of the patent layout.
  if (scattered) {
    const seen = new Set<number>();
    for (let i = 0; i < pages; i++) {
      let pfn: number;
      do pfn = Math.floor(r() * (10.5 * 2 ** 30 / PAGE)); while (seen.has(pfn));
      seen.add(pfn);
      pas[i] = pfn * PAGE + 8;
    }
  } else for (let i = 0; i < pages; i++) pas[i] = 0x1_0000_0000 + i * PAGE + 8;
  const machine = new Machine();
  gc();
  const before = process.memoryUsage();
  const mem = machine.memory;
  const t0 = nowNs();
  for (let i = 0; i < pages; i++) mem.write32(pas[i], i + 1);
  const t1 = nowNs();
  gc();
  const after = process.memoryUsage();
  let sink = warm.read32(0x1_0000_0000 + 5 * PAGE);
  for (let i = 0; i < pages; i += 997) sink += mem.read32(pas[i]);
  return {
    pages, rssPerPage: (after.rss - before.rss) / pages, arrayBuffersPerPage: (after.arrayBuffers - before.arrayBuffers) / pages,
    heapPerPage: (after.heapUsed - before.heapUsed) / pages, firstTouchNs: (t1 - t0) / pages, sink,
  };
}

function memoryFigures(ctx: SuiteContext): Figure[] {
  ctx.log('memory per touched page (fresh processes)');
  const runs = ctx.quick ? 1 : 3;
  const probes: MemoryProbe[] = [];
  const scattered: MemoryProbe[] = [];
  for (let i = 0; i < runs; i++) probes.push(ctx.probe<MemoryProbe>(ctx.quick ? 'machine.memory-quick' : 'machine.memory'));
  for (let i = 0; i < runs; i++) scattered.push(ctx.probe<MemoryProbe>(ctx.quick ? 'machine.memory-scattered-quick' : 'machine.memory-scattered'));
  const few: MemoryProbe[] = [], some: MemoryProbe[] = [];
  for (let i = 0; i < runs; i++) { few.push(ctx.probe<MemoryProbe>('machine.memory-scattered-1k')); some.push(ctx.probe<MemoryProbe>('machine.memory-scattered-16k')); }
  for (const p of [...probes, ...scattered, ...few, ...some]) ctx.sink.add(p.sink);
  const med = (ps: MemoryProbe[], k: keyof MemoryProbe) => sample({ warmup: 0, runs: ps.length }, (i) => ps[i][k]);
  const rss = med(probes, 'rssPerPage');
  const pages = probes[0].pages.toLocaleString('en-US');
  return [
    { key: 'rss_bytes_per_page', label: `RSS per touched page (${pages} contiguous)`, value: rss.median, unit: 'B', target: { op: '<=', value: 4.5 * 1024 }, note: spread(rss, 'B', 1, 4) },
    { key: 'array_buffer_bytes_per_page', label: '  of which ArrayBuffers', value: med(probes, 'arrayBuffersPerPage').median, unit: 'B' },
    { key: 'js_heap_bytes_per_page', label: '  JS heap growth', value: med(probes, 'heapPerPage').median, unit: 'B' },
    { key: 'rss_bytes_per_page_scattered', label: `RSS per touched page (${scattered[0].pages.toLocaleString('en-US')} scattered)`, value: med(scattered, 'rssPerPage').median, unit: 'B', target: { op: '<=', value: 4.5 * 1024 }, note: 'random pages over 10.5 GiB' },
    { key: 'rss_bytes_per_page_scattered_1k', label: 'RSS per touched page (1,024 scattered)', value: med(few, 'rssPerPage').median, unit: 'B', target: { op: '<=', value: 4.5 * 1024 }, note: 'random pages over 10.5 GiB' },
    { key: 'rss_bytes_per_page_scattered_16k', label: 'RSS per touched page (16,384 scattered)', value: med(some, 'rssPerPage').median, unit: 'B', target: { op: '<=', value: 4.5 * 1024 }, note: 'random pages over 10.5 GiB' },
    { key: 'first_touch_ns_per_page', label: 'first write32 to a page', value: med(probes, 'firstTouchNs').median, unit: 'ns', note: 'contiguous pages' },
    { key: 'first_touch_ns_per_page_scattered', label: 'first write32 to a page (scattered)', value: med(scattered, 'firstTouchNs').median, unit: 'ns' },
  ];
}

const CHECKPOINT_PAGES = 1000;

function touchPages(mem: PhysicalMemory, base: number, pages: number, value: number): number {
  for (let i = 0; i < pages; i++) mem.write32(base + i * PAGE + 64, value + i);
  return pages;
}

function checkpointFigures(ctx: SuiteContext): Figure[] {
  ctx.log('checkpoint and restore');
  const { machine } = machineInVs1();
  const mem = machine.memory;
  const OLD = 0x1_0000_0000;
  const NEW = 0x1_8000_0000;
  touchPages(mem, OLD, CHECKPOINT_PAGES, 1);
  const runs = ctx.quick ? 5 : 41;
  const take: number[] = [], write: number[] = [], restoreDirty: number[] = [], restoreNew: number[] = [];
  sample({ warmup: ctx.quick ? 3 : 20, runs }, (i) => {
    let t = nowNs();
    const id = machine.checkpoint();
    const tTake = nowNs() - t;
    // First writes after the checkpoint save each page's old contents (journal).
    const tWrite = timeNs(ctx.sink, () => touchPages(mem, OLD, CHECKPOINT_PAGES, 1000 + i));
    t = nowNs();
    machine.restore(id);
    const tRestore = nowNs() - t;
    // Pages that did not exist at the checkpoint: restore releases them.
    touchPages(mem, NEW, CHECKPOINT_PAGES, 7);
    t = nowNs();
    machine.restore(id);
    const tRestoreNew = nowNs() - t;
    machine.clearCheckpoints();
    ctx.sink.add(mem.read32(OLD + 64) + mem.read32(NEW + 64));
    if (mem.read32(OLD + 64) !== 1 || mem.isTouched(NEW)) throw new Error('restore did not bring memory back');
    if (i >= 0) { take.push(tTake); write.push(tWrite); restoreDirty.push(tRestore); restoreNew.push(tRestoreNew); }
    return tRestore;
  });
  const us = (xs: number[]) => sample({ warmup: 0, runs: xs.length }, (i) => xs[i] / 1e3);
  const r = us(restoreDirty);
  return [
    { key: 'checkpoint_us', label: 'checkpoint (2 CPUs, 1,000+ pages resident)', value: us(take).median, unit: 'µs' },
    { key: 'journaled_write_ns_per_page', label: 'first write to a page after a checkpoint', value: sample({ warmup: 0, runs: write.length }, (i) => write[i] / CHECKPOINT_PAGES).median, unit: 'ns', note: 'saves the old 4 KiB' },
    { key: 'restore_us_1000_dirty', label: 'restore, 1,000 pages rewritten', value: r.median, unit: 'µs', note: spread(r, 'µs') },
    { key: 'restore_us_1000_new', label: 'restore, 1,000 pages new since', value: us(restoreNew).median, unit: 'µs' },
  ];
}

interface BootProbe {
  readonly firstMs: number;
  readonly secondMs: number;
  readonly sink: number;
}

function bootProbe(): BootProbe {
  let t = nowNs();
  const a = new Machine();
  const firstMs = (nowNs() - t) / 1e6;
  t = nowNs();
  const b = new Machine();
  const secondMs = (nowNs() - t) / 1e6;
  return { firstMs, secondMs, sink: a.memory.pagesTouched + b.memory.pagesTouched };
}

function bootFigures(ctx: SuiteContext): Figure[] {
  ctx.log('boot');
  const firsts: BootProbe[] = [];
  const n = ctx.quick ? 1 : 5;
  for (let i = 0; i < n; i++) firsts.push(ctx.probe<BootProbe>('machine.boot'));
  for (const p of firsts) ctx.sink.add(p.sink);
  const first = sample({ warmup: 0, runs: n }, (i) => firsts[i].firstMs);
  const cached = sample({ warmup: 3, runs: ctx.quick ? 3 : 11 }, () => {
    gc(); // the previous machines' garbage is collected outside the timed part
    let pages = 0;
    const ns = timeNs(ctx.sink, () => (pages = new Machine().memory.pagesTouched));
    ctx.sink.add(pages);
    return ns / 1e6;
  });
  gc();
  const pages = new Machine().memory.pagesTouched;
  // The whole command, as a user runs it: node start-up, the bundle, assembly, boot, the run.
  const cli = path.resolve(__dirname, '..', 'bin', 'mover.js');
  const example = path.resolve(__dirname, '..', 'examples', 'fig4-walk.mover');
  const wall = sample({ warmup: 1, runs: ctx.quick ? 2 : 5 }, () => {
    const t = nowNs();
    const r = spawnSync(process.execPath, [cli, 'run', example], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`mover run ${example} failed (exit ${r.status ?? r.signal})`);
    return (nowNs() - t) / 1e6;
  });
  return [
    { key: 'boot_first_ms', label: 'boot, first in a process (new Machine())', value: first.median, unit: 'ms', target: { op: '<=', value: 20 }, note: `${spread(first, 'ms')}; maps ${pages} pages of tables, each built when first read` },
    { key: 'run_fig4_wall_ms', label: 'mover run examples/fig4-walk.mover, wall', value: wall.median, unit: 'ms', target: { op: '<=', value: 150 }, note: spread(wall, 'ms') },
    { key: 'boot_cached_ms', label: 'boot, layout image cached', value: cached.median, unit: 'ms', note: spread(cached, 'ms') },
  ];
}

export const machineSuite: Suite = {
  name: 'machine',
  title: 'the PAE machine: patent layout, processor 0 in VS1',
  run(ctx) {
    return [...translationFigures(ctx), ...flushFigures(ctx), ...memoryFigures(ctx), ...checkpointFigures(ctx), ...bootFigures(ctx)];
  },
  probes: {
    memory: () => memoryProbe(100_000, false),
    'memory-quick': () => memoryProbe(20_000, false),
    'memory-scattered': () => memoryProbe(100_000, true),
    'memory-scattered-quick': () => memoryProbe(20_000, true),
    'memory-scattered-1k': () => memoryProbe(1024, true),
    'memory-scattered-16k': () => memoryProbe(16384, true),
    boot: bootProbe,
  },
};
