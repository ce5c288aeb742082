// Debug adapter figures, over a real stdio connection to dist/debugAdapter.js: start-up (spawn to the
// initialize response and to the initialized event, and each example's launch to its entry stop); the
// round trip of a step followed by stackTrace, scopes and variables; continuing to a breakpoint 10 M
// instructions away; readMemory of 64 KiB; a step back 1 M instructions after the last checkpoint; and
// the requests the extension's views send at each stop, on the patent layout (FIG. 7, two processors,
// the DNLC).

import { DebugClient } from '@vscode/debugadapter-testsupport';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spread, summarize, type Figure, type Suite } from './harness';
import { ENTER_VS1 } from './interpreter';
import { FramedProcess, msBetween, type Json } from './wire';

/** The longest an example's launch (stopOnEntry) may take to reach its entry stop. */
const LAUNCH_TO_STOP_TARGET_MS = 50;

const LOOP = (iterations: number) => `
start:${ENTER_VS1}
    mov r1, 0x2000_0000
    mov r2, 0
.loop:
    ld32 r4, [r1 + 8]
    add r4, r4, r2
    st32 [r1 + 8], r4
    add r2, r2, 1
    bne r2, ${iterations}, .loop
target:
    nop
    halt
`;

/** A session stopped on entry. The wait for the stop is set up before the launch: the event may come at once. */
async function session(program: string, launch: Record<string, unknown> = {}): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, path.resolve(__dirname, 'debugAdapter.js'), 'mover');
  await dc.start();
  const entry = dc.waitForEvent('stopped', 30_000);
  await Promise.all([dc.configurationSequence(), dc.launch({ program, stopOnEntry: true, ...launch } as never)]);
  await entry;
  return dc;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

const adapterJs = () => path.resolve(__dirname, 'debugAdapter.js');
const examplesDir = () => path.resolve(__dirname, '..', 'examples');

/** What one fresh adapter process took to start and to launch a program. */
interface StartUp {
  /** Spawn to the initialize response. */
  readonly initializeMs: number;
  /** Spawn to the initialized event. */
  readonly initializedMs: number;
  /** The launch request written to the stopped event (stopOnEntry). */
  readonly launchToStopMs: number;
}

/**
 * A fresh adapter process driven as VS Code drives one: initialize, the launch as soon as initialize is
 * answered, configurationDone once the initialized event is in, then the entry stop.
 */
async function startUp(program: string): Promise<StartUp> {
  const p = new FramedProcess(adapterJs());
  let seq = 1;
  const request = (command: string, args: Json) => { const s = seq++; return { seq: s, at: p.send({ seq: s, type: 'request', command, arguments: args }) }; };
  const response = (s: number, what: string) => p.next((m) => m.type === 'response' && m.request_seq === s, `the ${what} response`);
  const event = (name: string) => p.next((m) => m.type === 'event' && m.event === name, `the ${name} event`);
  try {
    const init = request('initialize', { adapterID: 'mover', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const initialized = event('initialized');
    const answered = await response(init.seq, 'initialize');
    const launch = request('launch', { program, stopOnEntry: true });
    const ready = await initialized;
    const done = request('configurationDone', {});
    const launched = await response(launch.seq, 'launch');
    if (launched.message.success !== true) throw new Error(`the launch of ${program} failed: ${String(launched.message.message)}`);
    const stop = await event('stopped');
    await response(done.seq, 'configurationDone');
    return { initializeMs: msBetween(p.spawnedAt, answered.at), initializedMs: msBetween(p.spawnedAt, ready.at), launchToStopMs: msBetween(launch.at, stop.at) };
  } finally {
    await p.close();
  }
}

/** Start-up figures: a fresh process per launch, every example `runs` times (in rounds, so noise spreads over all). */
async function startUpFigures(quick: boolean): Promise<Figure[]> {
  const examples = readdirSync(examplesDir()).filter((f) => f.endsWith('.mover')).sort();
  const runs = quick ? 2 : 7;
  const all: StartUp[] = [];
  const perExample = new Map<string, number[]>(examples.map((e) => [e, []]));
  for (let round = 0; round < runs; round++) {
    for (const e of examples) {
      const s = await startUp(path.join(examplesDir(), e));
      all.push(s);
      perExample.get(e)!.push(s.launchToStopMs);
    }
  }
  const init = summarize(all.map((s) => s.initializeMs));
  const ready = summarize(all.map((s) => s.initializedMs));
  const target = { op: '<=', value: LAUNCH_TO_STOP_TARGET_MS } as const;
  const launches = examples.map((e) => ({ name: e.replace(/\.mover$/, ''), s: summarize(perExample.get(e)!) }));
  const slowest = launches.reduce((a, b) => (b.s.median > a.s.median ? b : a));
  return [
    { key: 'spawn_to_initialize_response_ms', label: 'spawn to the initialize response', value: init.median, unit: 'ms', note: `${spread(init, 'ms')}, a fresh process each` },
    { key: 'spawn_to_initialized_ms', label: 'spawn to the initialized event', value: ready.median, unit: 'ms', note: `${spread(ready, 'ms')}; launch sent on the initialize response, as VS Code does` },
    ...launches.map(({ name, s }) => ({ key: `launch_to_stop_${name.replace(/\W/g, '_')}_ms`, label: `launch to the entry stop: ${name}`, value: s.median, unit: 'ms', target, note: spread(s, 'ms') })),
    { key: 'launch_to_stop_max_ms', label: 'launch to the entry stop: the slowest example', value: slowest.s.median, unit: 'ms', target, note: `${slowest.name}; medians of ${runs} fresh processes per example` },
  ];
}

/** Runs in a probe process of its own; returns the figures. */
export async function adapterFigures(quick: boolean): Promise<Figure[]> {
  const startUps = await startUpFigures(quick);
  const dir = mkdtempSync(path.join(tmpdir(), 'mover-bench-'));
  const program = path.join(dir, 'loop.mover');
  // 5 instructions per iteration: 2 M iterations put `target` 10 M instructions away.
  const iterations = quick ? 200_000 : 2_000_000;
  writeFileSync(program, LOOP(iterations));

  // Step round trips.
  const dc = await session(program);
  const trips: number[] = [];
  const steps = quick ? 50 : 400;
  for (let i = 0; i < steps; i++) {
    const t0 = process.hrtime.bigint();
    await Promise.all([dc.waitForEvent('stopped'), dc.stepInRequest({ threadId: 1 })]);
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const sc = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
    await Promise.all(sc.body.scopes.map((s) => dc.variablesRequest({ variablesReference: s.variablesReference })));
    trips.push(ms(t0));
  }
  const trip = summarize(trips.slice(Math.min(20, trips.length >> 2)));

  // readMemory of 64 KiB of VS1 (C4), paged walk per page, no side effects.
  const reads: number[] = [];
  for (let i = 0; i < (quick ? 5 : 30); i++) {
    const t0 = process.hrtime.bigint();
    await dc.customRequest('readMemory', { memoryReference: 'vs1:0x2000_0000', count: 65536 });
    reads.push(ms(t0));
  }
  const read = summarize(reads.slice(2));

  const { toBreakpoint, back } = await breakThenStepBack(dc, program, iterations, quick);
  await dc.disconnectRequest({});
  await dc.stop();
  // The same with 64 processors, 63 of them idle: idle processors must cost nothing.
  const many = await session(program, { cpus: 64 });
  const manyBack = (await breakThenStepBack(many, program, iterations, quick)).back;
  await many.disconnectRequest({});
  await many.stop();

  const views = await viewRefresh(quick, 'fig7-dnlc.mover', 'mov r1, READY');
  const snapViews = await viewRefresh(quick, 'fig11-three-snapshots.mover', 'print "snapshot {r3:d} block');

  return [
    ...startUps,
    { key: 'views_after_stop_p50_ms', label: 'every view\'s requests after a stop (FIG. 7, patent layout, 2 CPUs)', value: views.median, unit: 'ms', target: { op: '<=', value: 100 }, note: `p50 of ${views.runs} stops, max ${views.max.toFixed(2)} ms: stackTrace, controlRegisters, tlb, lastWalk per CPU, layout, snapshots, dnlc and a 256-byte readMemory, sent together` },
    { key: 'views_after_stop_snapshots_p50_ms', label: 'every view\'s requests after a stop (FIG. 11, three snapshots)', value: snapViews.median, unit: 'ms', target: { op: '<=', value: 100 }, note: `p50 of ${snapViews.runs} stops, max ${snapViews.max.toFixed(2)} ms: the snapshot queue decoded from memory (bit maps, block maps, the read path)` },
    { key: 'step_roundtrip_p50_ms', label: 'step + stackTrace + scopes + variables (stdio)', value: trip.median, unit: 'ms', target: { op: '<=', value: 2 }, note: `p50 of ${trip.runs} round trips, range ${trip.min.toFixed(2)}..${trip.max.toFixed(2)} ms` },
    { key: 'continue_10m_ms', label: `continue to a breakpoint ${(iterations * 5 / 1e6).toFixed(0)} M instructions away`, value: toBreakpoint, unit: 'ms', note: `${((iterations * 5) / toBreakpoint / 1e3).toFixed(1)} M instructions/s through the adapter` },
    { key: 'read_memory_64k_ms', label: 'readMemory of 64 KiB (vs1:, walked per page)', value: read.median, unit: 'ms', note: `median of ${read.runs}` },
    { key: 'step_back_ms', label: 'step back, up to 1 M instructions after the last checkpoint', value: back.median, unit: 'ms', note: `median of ${back.runs}` },
    { key: 'step_back_64cpus_ms', label: '  the same with 64 processors (63 idle)', value: manyBack.median, unit: 'ms', note: `median of ${manyBack.runs}; ${(manyBack.median / back.median).toFixed(2)}x the 2-processor step back` },
  ];
}

/**
 * Continues to the breakpoint at `target` (`iterations` * 5 instructions away), then steps back from it
 * a few times: the checkpoint interval is 1 M, so each step back replays up to that many instructions
 * from the nearest checkpoint.
 */
async function breakThenStepBack(dc: DebugClient, program: string, iterations: number, quick: boolean) {
  await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: LOOP(iterations).split('\n').indexOf('target:') + 2 }] });
  const t0 = process.hrtime.bigint();
  await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
  const toBreakpoint = ms(t0);
  const backs: number[] = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    const t1 = process.hrtime.bigint();
    await Promise.all([dc.waitForEvent('stopped'), dc.stepBackRequest({ threadId: 1 })]);
    backs.push(ms(t1));
  }
  return { toBreakpoint, back: summarize(backs) };
}

/**
 * The views' refresh: what the extension sends when a stop arrives (every view open), timed from the
 * stopped event to the last answer. The session is FIG. 7 stopped inside the DNLC lookups, so the
 * DNLC, TLB and walk views have content; each run steps one instruction first.
 */
async function viewRefresh(quick: boolean, example: string, marker: string) {
  const program = path.join(examplesDir(), example);
  const dc = await session(program);
  const line = readFileSync(program, 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;
  await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line }] });
  await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
  const threads = (await dc.threadsRequest()).body.threads;
  const times: number[] = [];
  const runs = quick ? 10 : 100;
  for (let i = 0; i < runs + 5; i++) {
    const stopped = dc.waitForEvent('stopped');
    await dc.stepInRequest({ threadId: threads[0].id });
    await stopped;
    const t0 = process.hrtime.bigint();
    await Promise.all([
      dc.stackTraceRequest({ threadId: threads[0].id }),
      dc.customRequest('mover/controlRegisters', {}),
      dc.customRequest('mover/tlb', {}),
      ...threads.map((_, cpu) => dc.customRequest('mover/lastWalk', { cpu })),
      dc.customRequest('mover/layout', {}),
      dc.customRequest('mover/snapshots', {}),
      dc.customRequest('mover/dnlc', {}),
      dc.customRequest('readMemory', { memoryReference: 'vs1:0x2000_0000', count: 256 }),
    ]);
    times.push(ms(t0));
  }
  await dc.disconnectRequest({});
  await dc.stop();
  return summarize(times.slice(5));
}

export const adapterSuite: Suite = {
  name: 'adapter',
  title: 'Debug adapter (DAP over stdio)',
  run: (ctx) => adapterFigures(ctx.quick),
};
