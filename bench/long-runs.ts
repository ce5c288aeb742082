// Long runs under the debug adapter (issue 14): the adapter's resident memory after 10^8 instructions
// of a loop that rewrites 4096 pages (checkpoints must stay bounded), after 10^7 program events (the
// event log must stay bounded), and how long `pause` takes to be answered in the middle of a step over
// a call of 60 M instructions (steps must yield). The adapter runs as a server process of its own, so
// its memory is read from /proc without the client's.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Figure, Suite } from './harness';
import { ENTER_VS1 } from './interpreter';

const PAGES = 4096;

/** Rewrites PAGES pages of C4 in turn: 4 instructions per store, `iterations` stores. */
const PAGE_LOOP = (iterations: number) => `
start:${ENTER_VS1}
    mov r1, 0x2000_0000
    mov r2, 0
.loop:
    st32 [r1], r2
    add r1, r1, 4096
    and r1, r1, ${PAGES * 4096 - 1}
    add r1, r1, 0x2000_0000
    add r2, r2, 1
    bne r2, ${iterations}, .loop
    halt
`;

/** One event per 3 instructions. */
const EVENT_LOOP = (events: number) => `
start:
    mov r2, 0
.loop:
    event tick, r2, r2
    add r2, r2, 1
    bne r2, ${events}, .loop
    halt
`;

/** A call that runs `iterations` * 2 instructions before it returns. */
const LONG_CALL = (iterations: number) => `
start:
    call spin
    halt
spin:
    mov r2, 0
.loop:
    add r2, r2, 1
    bne r2, ${iterations}, .loop
    ret
`;

interface Server { readonly process: ChildProcess; readonly port: number; readonly token: string }

function startServer(): Promise<Server> {
  const proc = spawn(process.execPath, [path.resolve(__dirname, 'debugAdapter.js'), '--server=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    proc.on('exit', (code) => reject(new Error(`the adapter exited (${code}): ${err}`)));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => {
      err += d;
      const m = /listening on 127\.0\.0\.1:(\d+) \(token (\w+)\)/.exec(err);
      if (m) resolve({ process: proc, port: Number(m[1]), token: m[2] });
    });
  });
}

/** Resident and peak resident memory of a process, in MiB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** A session on the server, stopped on entry. */
async function session(server: Server, program: string): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, path.resolve(__dirname, 'debugAdapter.js'), 'mover');
  dc.defaultTimeout = 600_000;
  await dc.start(server.port);
  await dc.initializeRequest({ adapterID: 'mover', linesStartAt1: true, columnsStartAt1: true, moverToken: server.token } as never);
  const entry = dc.waitForEvent('stopped', 60_000);
  await Promise.all([dc.configurationDoneRequest(), dc.launch({ program, stopOnEntry: true, maxSteps: 2 ** 40 } as never)]);
  await entry;
  return dc;
}

/** Runs a program to its end under a fresh adapter; the adapter's memory just before it ends, and the time. */
async function runToEnd(dir: string, name: string, source: string): Promise<{ rss: number; peak: number; seconds: number }> {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  const server = await startServer();
  try {
    const dc = await session(server, file);
    const t0 = process.hrtime.bigint();
    await Promise.all([dc.waitForEvent('terminated', 600_000), dc.continueRequest({ threadId: 1 })]);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const m = memoryOf(server.process.pid!);
    await dc.stop();
    return { ...m, seconds };
  } finally {
    server.process.kill();
  }
}

/** Steps over a long call and sends pause after `after` ms; how long the pause took to be answered and to stop. */
async function pauseDuringStep(dir: string, iterations: number, after: number): Promise<{ answered: number; stopped: number }> {
  const file = path.join(dir, 'long-call.mover');
  writeFileSync(file, LONG_CALL(iterations));
  const server = await startServer();
  try {
    const dc = await session(server, file);
    const stop = dc.waitForEvent('stopped', 600_000);
    await dc.nextRequest({ threadId: 1 });
    await new Promise((r) => setTimeout(r, after));
    const t0 = process.hrtime.bigint();
    await dc.pauseRequest({ threadId: 1 });
    const answered = Number(process.hrtime.bigint() - t0) / 1e6;
    await stop;
    const stopped = Number(process.hrtime.bigint() - t0) / 1e6;
    await dc.stop();
    return { answered, stopped };
  } finally {
    server.process.kill();
  }
}

/** Steps over a long call to its end; how long the step took (the return is caught by the interpreter). */
async function stepOverCall(dir: string, iterations: number): Promise<number> {
  const file = path.join(dir, 'long-call.mover');
  writeFileSync(file, LONG_CALL(iterations));
  const server = await startServer();
  try {
    const dc = await session(server, file);
    const t0 = process.hrtime.bigint();
    await Promise.all([dc.waitForEvent('stopped', 600_000), dc.nextRequest({ threadId: 1 })]);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    await dc.stop();
    return ms;
  } finally {
    server.process.kill();
  }
}

export async function longRunFigures(quick: boolean): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mover-bench-long-'));
  const stores = quick ? 500_000 : 100_000_000 / 6;
  const pages = await runToEnd(dir, 'pages.mover', PAGE_LOOP(Math.round(stores)));
  const events = quick ? 100_000 : 10_000_000;
  const ev = await runToEnd(dir, 'events.mover', EVENT_LOOP(events));
  const callIterations = quick ? 5_000_000 : 30_000_000;
  const pause = await pauseDuringStep(dir, callIterations, 300);
  const over = await stepOverCall(dir, callIterations);
  const instructions = Math.round(stores) * 6;
  return [
    { key: 'rss_after_page_rewrites_mib', label: `adapter RSS after ${(instructions / 1e6).toFixed(0)} M instructions rewriting ${PAGES} pages`, value: pages.rss, unit: 'MiB', note: `peak ${pages.peak.toFixed(0)} MiB, ${(instructions / pages.seconds / 1e6).toFixed(1)} M instr/s; checkpoints capped in count and bytes` },
    { key: 'rss_after_events_mib', label: `adapter RSS after ${(events / 1e6).toFixed(1)} M events`, value: ev.rss, unit: 'MiB', note: `peak ${ev.peak.toFixed(0)} MiB, ${(events * 3 / ev.seconds / 1e6).toFixed(1)} M instr/s; the event log is bounded` },
    { key: 'pause_during_step_ms', label: 'pause answered during a step over a long call', value: pause.answered, unit: 'ms', target: { op: '<=', value: 100 }, note: `stopped ${pause.stopped.toFixed(1)} ms after the pause was sent, 300 ms into the step` },
    { key: 'step_over_long_call_ms', label: `step over a call of ${(callIterations * 2 / 1e6).toFixed(0)} M instructions, to its return`, value: over, unit: 'ms', note: `${(callIterations * 2 / over / 1e3).toFixed(1)} M instructions/s while stepping over` },
  ];
}

export const longRunSuite: Suite = {
  name: 'longrun',
  title: 'Long runs under the debug adapter (bounded memory, pause during a step)',
  run: (ctx) => longRunFigures(ctx.quick),
};
