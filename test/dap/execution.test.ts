// Running and stepping: next/stepIn/stepOut over calls, frames and threads that name their space,
// step back and reverse continue (CR3, TLB and registers restored), goto, restart, pause while
// running (its latency is reported as a test diagnostic), terminate and disconnect while running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { example, fixture, lineOf, overBothTransports, program, type Dap, type Body } from './harness';

const CALLS = fixture('calls.mover');
const callsText = readFileSync(CALLS, 'utf8');
const FIG4 = example('fig4-walk.mover');
const fig4Text = readFileSync(FIG4, 'utf8');

type Tlb = { processors: { cpu: number; space: string; counters: Record<string, number>; entries: ({ fresh: boolean } & Record<string, unknown>)[] }[] };
type ControlRegisters = { processors: { cpu: number; space: string; cr0: string; cr3: string; cr3Space: string | null; pg: boolean }[] };

/** "name@line" of each frame, innermost first. */
async function stack(d: Dap, threadId: number): Promise<string[]> {
  const st = await d.ok<Body<DebugProtocol.StackTraceResponse>>('stackTrace', { threadId });
  return st.stackFrames.map((f) => `${f.name}@${f.line}`);
}

/** What step back must restore, without the marks that say what changed since the previous stop. */
async function machineState(d: Dap, threadId: number): Promise<unknown> {
  const tlb = await d.ok<Tlb>('mover/tlb', { cpu: 0 });
  const cr = await d.ok<ControlRegisters>('mover/controlRegisters');
  const frame = await d.topFrame(threadId);
  const regs = await d.scopeVariables(frame.id, 'Registers');
  return {
    tlb: tlb.processors.map((p) => ({ ...p, flushed: undefined, entries: p.entries.map((e) => ({ ...e, fresh: undefined })) })),
    cr: cr.processors,
    regs: regs.map((r) => `${r.name}=${r.value}`),
    line: frame.line,
  };
}

overBothTransports('execution', (open, transport) => {
  test('next steps over a call, stepIn enters it, stepOut returns to the caller', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: CALLS });
    const L = (t: string) => lineOf(t, callsText);
    const steps: [string, string[]][] = [
      ['next', [`start · VS0@${L('mov r2, 5')}`]],
      ['next', [`loop · VS0@${L('call double')}`]],
      ['stepIn', [`double · VS0@${L('add r1, r1, r1')}`, `loop · VS0@${L('call double')}`]],
      ['next', [`double · VS0@${L('call inc')}`, `loop · VS0@${L('call double')}`]],
      ['stepIn', [`inc · VS0@${L('add r1, r1, 1')}`, `double · VS0@${L('call inc')}`, `loop · VS0@${L('call double')}`]],
      ['stepOut', [`double · VS0@${L('call inc') + 1}`, `loop · VS0@${L('call double')}`]],
      ['stepOut', [`loop · VS0@${L('sub r2, r2, 1')}`]],
      ['next', [`loop · VS0@${L('bne r2')}`]],
      ['next', [`loop · VS0@${L('call double')}`]],
      ['next', [`loop · VS0@${L('sub r2, r2, 1')}`]],
    ];
    for (const [command, frames] of steps) {
      const s = await d.resume(command, { threadId: tid });
      assert.equal(s.body.reason, 'step', command);
      assert.deepEqual(await stack(d, tid), frames, `after ${command}`);
    }
    // Two calls of double have run: r1 = 2 * (2 * 0 + 1) + 1.
    assert.equal(await d.register(tid, 'r1'), 3n);
  });

  test('stack frames show the space each frame runs in; threads are "cpuN · name · SPACE"', async () => {
    const d = await open();
    const GATE = fixture('gate.mover');
    const tid = await d.launchStopped({ program: GATE }, async () => { await d.ok('setFunctionBreakpoints', { breakpoints: [{ name: 'module' }] }); });
    assert.deepEqual((await d.ok<Body<DebugProtocol.ThreadsResponse>>('threads')).threads, [{ id: 1, name: 'cpu0 · main · VS0' }]);
    await d.resume('continue', { threadId: tid });
    const frames = await stack(d, tid);
    assert.deepEqual(frames.map((f) => f.replace(/@\d+$/, '')), ['module · VS1', 'vs_call · VS1', 'start · VS0']);
    assert.deepEqual((await d.ok<Body<DebugProtocol.ThreadsResponse>>('threads')).threads, [{ id: 1, name: 'cpu0 · main · VS1' }]);
    const st = await d.ok<Body<DebugProtocol.StackTraceResponse>>('stackTrace', { threadId: tid, startFrame: 1, levels: 1 });
    assert.equal(st.totalFrames, 3);
    assert.deepEqual(st.stackFrames.map((f) => f.name), ['vs_call · VS1']);
    assert.equal(st.stackFrames[0].source?.name, 'vsgate.mover');
  });

  test('threads of a two-processor program are named by processor, thread and space', async () => {
    const d = await open();
    await d.launchStopped({ program: example('missing-flush.mover') });
    const { threads } = await d.ok<Body<DebugProtocol.ThreadsResponse>>('threads');
    assert.deepEqual(threads, [{ id: 1, name: 'cpu0 · reader · VS0' }, { id: 2, name: 'cpu1 · editor · VS0' }]);
  });

  test('stepBack across a CR3 load restores CR3, the TLB and the registers', async () => {
    const d = await open();
    const line = lineOf('mov cr3, r1                     ; VS2', fig4Text);
    const tid = await d.launchStopped({ program: FIG4 }, async () => { await d.ok('setBreakpoints', { source: { path: FIG4 }, breakpoints: [{ line }] }); });
    await d.resume('continue', { threadId: tid });
    const before = await machineState(d, tid);
    const tlbBefore = await d.ok<Tlb>('mover/tlb', { cpu: 0 });
    assert.ok(tlbBefore.processors[0].entries.some((e) => e.va === '0x2000_0000'), 'VS1 has filled the TLB');
    await d.resume('stepIn', { threadId: tid });
    const after = await machineState(d, tid);
    assert.notDeepEqual(after, before);
    const cr = await d.ok<ControlRegisters>('mover/controlRegisters');
    assert.equal(cr.processors[0].cr3Space, 'VS2');
    assert.ok(!(await d.ok<Tlb>('mover/tlb', { cpu: 0 })).processors[0].entries.some((e) => e.va === '0x2000_0000'), 'the CR3 load flushed the non-global entry');
    const back = await d.resume('stepBack', { threadId: tid });
    assert.equal(back.body.reason, 'step');
    assert.deepEqual(await machineState(d, tid), before);
  });

  test('stepBack across turning paging on returns to VS0 with paging off', async () => {
    const d = await open();
    const line = lineOf('mov cr0, r2                     ; paging on', fig4Text);
    const tid = await d.launchStopped({ program: FIG4 }, async () => { await d.ok('setBreakpoints', { source: { path: FIG4 }, breakpoints: [{ line }] }); });
    await d.resume('continue', { threadId: tid });
    const before = await machineState(d, tid);
    await d.resume('stepIn', { threadId: tid });
    await d.resume('stepIn', { threadId: tid }); // into touch: a call in VS1
    assert.deepEqual((await stack(d, tid)).map((f) => f.replace(/@\d+$/, '')), ['touch · VS1', 'start · VS1']);
    await d.resume('stepBack', { threadId: tid });
    await d.resume('stepBack', { threadId: tid });
    assert.deepEqual(await machineState(d, tid), before);
    const cr = await d.ok<ControlRegisters>('mover/controlRegisters');
    assert.equal(cr.processors[0].pg, false);
    assert.equal(cr.processors[0].space, 'VS0');
  });

  test('stepBack at the first instruction stays there', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: CALLS });
    const s = await d.resume('stepBack', { threadId: tid });
    assert.equal(s.body.description, 'At the start of the recorded history');
    assert.equal((await d.topFrame(tid)).line, lineOf('mov r1, 0', callsText));
  });

  test('reverseContinue goes back to the previous breakpoint hit, then to the start', async () => {
    const d = await open();
    const line = lineOf('add r1, r1, 1', callsText);
    const tid = await d.launchStopped({ program: CALLS }, async () => { await d.ok('setBreakpoints', { source: { path: CALLS }, breakpoints: [{ line }] }); });
    const r1s: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      await d.resume('continue', { threadId: tid });
      r1s.push(await d.register(tid, 'r1'));
    }
    assert.deepEqual(r1s, [0n, 2n, 6n]);
    for (const expected of [2n, 0n]) {
      const s = await d.resume('reverseContinue', { threadId: tid });
      assert.equal(s.body.reason, 'breakpoint');
      assert.equal((await d.topFrame(tid)).line, line);
      assert.equal(await d.register(tid, 'r1'), expected);
    }
    const s = await d.resume('reverseContinue', { threadId: tid });
    assert.equal(s.body.description, 'At the start of the recorded history');
    assert.equal((await d.topFrame(tid)).line, lineOf('mov r1, 0', callsText));
    // Forward again: the same run.
    await d.resume('continue', { threadId: tid });
    assert.equal(await d.register(tid, 'r1'), 0n);
  });

  test('reverse execution keeps log messages and hit counts on the timeline', async () => {
    const d = await open();
    const L = (t: string) => lineOf(t, callsText);
    const tid = await d.launchStopped({ program: CALLS }, async () => {
      await d.ok('setBreakpoints', { source: { path: CALLS }, breakpoints: [
        { line: L('add r1, r1, 1') }, { line: L('sub r2, r2, 1'), logMessage: 'log r1={r1}' }, { line: L('add r1, r1, r1'), hitCondition: '3' },
      ] });
    });
    const visit = async (command: string) => {
      const s = await d.resume(command, { threadId: tid });
      const logs = d.take('output').map((e) => (e.body as DebugProtocol.OutputEvent['body']).output.trim());
      return `${(await d.topFrame(tid)).line} r1=${await d.register(tid, 'r1')}${s.body.reason === 'breakpoint' ? '' : ` (${s.body.reason})`}${logs.length ? ` [${logs.join(', ')}]` : ''}`;
    };
    const forward = [];
    for (let i = 0; i < 4; i++) forward.push(await visit('continue'));
    assert.deepEqual(forward, [`${L('add r1, r1, 1')} r1=0`, `${L('add r1, r1, 1')} r1=2 [log r1=0x1]`, `${L('add r1, r1, r1')} r1=3 [log r1=0x3]`, `${L('add r1, r1, 1')} r1=6`]);
    // Backwards: the hit-count breakpoint stops where its 3rd hit was; nothing is logged again.
    const backward = [];
    for (let i = 0; i < 3; i++) backward.push(await visit('reverseContinue'));
    assert.deepEqual(backward, [forward[2].replace(/ \[.*\]$/, ''), forward[1].replace(/ \[.*\]$/, ''), forward[0]]);
    // Forwards again: the same stops and the same log lines as the first time.
    const again = [];
    for (let i = 0; i < 3; i++) again.push(await visit('continue'));
    assert.deepEqual(again, forward.slice(1));
  });

  test('gotoTargets and goto move the thread to a line', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: CALLS });
    const line = lineOf('mov r4, 0xAAAA', callsText);
    const { targets } = await d.ok<Body<DebugProtocol.GotoTargetsResponse>>('gotoTargets', { source: { path: CALLS }, line });
    assert.equal(targets.length, 1);
    assert.equal(targets[0].line, line);
    await d.ok('goto', { threadId: tid, targetId: targets[0].id });
    const s = await d.stopped();
    assert.equal(s.body.reason, 'goto');
    assert.equal((await d.topFrame(tid)).line, line);
    const none = await d.ok<Body<DebugProtocol.GotoTargetsResponse>>('gotoTargets', { source: { path: CALLS }, line: 400 });
    assert.deepEqual(none.targets, []);
    await d.fails('goto', { threadId: tid, targetId: 9999 }, /no goto target 9999/);
    // Run on from the new place: r1 was never doubled.
    await d.ok('continue', { threadId: tid });
    await d.event('terminated');
    assert.ok(d.take('output').some((e) => (e.body as DebugProtocol.OutputEvent['body']).output === 'r1 = 0\n'));
  });

  test('restart starts the program again, breakpoints and their hit counts from zero', async () => {
    const d = await open();
    const line = lineOf('add r1, r1, 1', callsText);
    const tid = await d.launchStopped({ program: CALLS }, async () => { await d.ok('setBreakpoints', { source: { path: CALLS }, breakpoints: [{ line, hitCondition: '2' }] }); });
    await d.resume('continue', { threadId: tid });
    assert.equal(await d.register(tid, 'r1'), 2n);
    d.take('mover/stateChanged');
    await d.ok('restart', {});
    const restarted = await d.event('mover/stateChanged', (e) => (e.body as { reason: string }).reason === 'restart');
    assert.deepEqual(restarted.body, { reason: 'restart', retired: 0 });
    const entry = await d.stopped();
    assert.equal(entry.body.reason, 'entry');
    assert.equal(await d.register(tid, 'r1'), 0n);
    await d.resume('continue', { threadId: tid });
    assert.equal(await d.register(tid, 'r1'), 2n, 'the second hit of the new run');
  });

  test('pause gets into a busy loop and stops it quickly (latency reported as a diagnostic)', async (t) => {
    const d = await open();
    const r = await d.launch({ program: fixture('spin.mover'), stopOnEntry: false });
    assert.equal(r.success, true);
    // While it runs, inspection is refused (not an error the user sees) and the adapter answers.
    const busy = await d.fails('stackTrace', { threadId: 1 }, /the program is running: pause it first/);
    assert.equal((busy.body.error as { showUser: boolean }).showUser, false);
    const latencies: number[] = [];
    let counter = 0n;
    for (let round = 0; round < 5; round++) {
      // From the second round on, the pause lands inside the first chunk of the run that continue starts.
      if (round > 0) await d.ok('continue', { threadId: 1 });
      const started = performance.now();
      await d.ok('pause', { threadId: 1 });
      const s = await d.stopped();
      latencies.push(performance.now() - started);
      assert.equal(s.body.reason, 'pause');
      const frame = await d.topFrame(1);
      assert.equal(frame.name, 'spin · VS1');
      const now = await d.register(1, 'r4');
      assert.ok(round === 0 || now !== counter, 'the loop ran between pauses');
      counter = now;
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    t.diagnostic(`pause latency (${transport}): median ${sorted[2].toFixed(1)} ms, max ${sorted[4].toFixed(1)} ms over 5 pauses`);
    assert.ok(sorted[4] < 1000, `a pause took ${sorted[4]} ms`);
  });

  test('a breakpoint set while the program runs is hit', async () => {
    const d = await open();
    await d.launch({ program: program('forever.mover'), stopOnEntry: false });
    const set = await d.ok<Body<DebugProtocol.SetBreakpointsResponse>>('setBreakpoints', { source: { path: program('forever.mover') }, breakpoints: [{ line: 3 }] });
    const s = await d.stopped();
    assert.equal(s.body.reason, 'breakpoint');
    assert.deepEqual(s.body.hitBreakpointIds, [set.breakpoints[0].id]);
  });

  test('terminate while running answers, then the terminated event, and no stop after it', async () => {
    const d = await open();
    await d.launch({ program: program('forever.mover'), stopOnEntry: false });
    await d.ok('terminate', {});
    await d.event('terminated');
    await d.ok('threads');
    await d.ok('threads');
    assert.deepEqual(d.take('stopped'), []);
    // A restart after terminate runs the program again.
    await d.ok('restart', {});
    await d.ok('pause', { threadId: 1 });
    assert.equal((await d.stopped()).body.reason, 'pause');
  });

  test('disconnect while running is answered', async () => {
    const d = await open();
    await d.launch({ program: program('forever.mover'), stopOnEntry: false });
    const exited = transport === 'stdio' ? adapterExit(d) : null;
    const r = await d.request('disconnect', {});
    assert.equal(r.success, true);
    if (exited) assert.equal(await exited, 0, 'the stdio adapter exits after disconnect');
  });

  if (transport === 'socket') {
    test('the server outlives a session that disconnected while running: a new connection works', async () => {
      const d = await open();
      await d.launch({ program: program('forever.mover'), stopOnEntry: false });
      await d.ok('disconnect', {});
      const again = await open();
      const tid = await again.launchStopped({ program: program('hello.mover') });
      assert.equal((await again.topFrame(tid)).line, 2);
    });
  }
});

/** The exit code of a stdio adapter process. */
function adapterExit(d: Dap): Promise<number | null> {
  const proc = d.process!;
  return new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
}
