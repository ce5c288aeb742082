// Debug adapter figures, over a real stdio connection to dist/debugAdapter.js: the round trip of a
// step followed by stackTrace, scopes and variables; continuing to a breakpoint 10 M instructions
// away; readMemory of 64 KiB; a step back 1 M instructions after the last checkpoint; and the requests
// the extension's views send at each stop, on the patent layout (FIG. 7, two processors, the DNLC).

import { DebugClient } from '@vscode/debugadapter-testsupport';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { summarize, type Figure, type Suite } from './harness';
import { ENTER_VS1 } from './interpreter';

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

/** Runs in a probe process of its own; returns the figures. */
export async function adapterFigures(quick: boolean): Promise<Figure[]> {
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
  const program = path.resolve(__dirname, '..', 'examples', example);
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
