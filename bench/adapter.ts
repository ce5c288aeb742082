// Debug adapter figures, over a real stdio connection to dist/debugAdapter.js: the round trip of a
// step followed by stackTrace, scopes and variables; continuing to a breakpoint 10 M instructions
// away; readMemory of 64 KiB; and a step back 1 M instructions after the last checkpoint.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
async function session(program: string): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, path.resolve(__dirname, 'debugAdapter.js'), 'mover');
  await dc.start();
  const entry = dc.waitForEvent('stopped', 30_000);
  await Promise.all([dc.configurationSequence(), dc.launch({ program, stopOnEntry: true } as never)]);
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

  // Continue to a breakpoint 10 M instructions away.
  await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: LOOP(iterations).split('\n').indexOf('target:') + 2 }] });
  const t0 = process.hrtime.bigint();
  await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
  const toBreakpoint = ms(t0);

  // Step back 1 M instructions after the last checkpoint: the checkpoint interval is 1 M, so stepping
  // back from the breakpoint replays up to that many instructions from the nearest checkpoint.
  const backs: number[] = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    const t1 = process.hrtime.bigint();
    await Promise.all([dc.waitForEvent('stopped'), dc.stepBackRequest({ threadId: 1 })]);
    backs.push(ms(t1));
  }
  const back = summarize(backs);
  await dc.disconnectRequest({});
  await dc.stop();

  return [
    { key: 'step_roundtrip_p50_ms', label: 'step + stackTrace + scopes + variables (stdio)', value: trip.median, unit: 'ms', target: { op: '<=', value: 2 }, note: `p50 of ${trip.runs} round trips, range ${trip.min.toFixed(2)}..${trip.max.toFixed(2)} ms` },
    { key: 'continue_10m_ms', label: `continue to a breakpoint ${(iterations * 5 / 1e6).toFixed(0)} M instructions away`, value: toBreakpoint, unit: 'ms', note: `${((iterations * 5) / toBreakpoint / 1e3).toFixed(1)} M instructions/s through the adapter` },
    { key: 'read_memory_64k_ms', label: 'readMemory of 64 KiB (vs1:, walked per page)', value: read.median, unit: 'ms', note: `median of ${read.runs}` },
    { key: 'step_back_ms', label: 'step back, up to 1 M instructions after the last checkpoint', value: back.median, unit: 'ms', note: `median of ${back.runs}` },
  ];
}

export const adapterSuite: Suite = {
  name: 'adapter',
  title: 'Debug adapter (DAP over stdio)',
  run: (ctx) => adapterFigures(ctx.quick),
};
