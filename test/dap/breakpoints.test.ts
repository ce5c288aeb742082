// Breakpoints: source lines (verified, moved to the next instruction), conditions, hit counts, log
// messages, function breakpoints on labels, instruction breakpoints and breakpointLocations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { fixture, lineOf, overBothTransports, type Dap, type Body } from './harness';

const CALLS = fixture('calls.mover');
const text = readFileSync(CALLS, 'utf8');
const LINE = {
  double: lineOf('add r1, r1, r1', text),
  blank: lineOf('add r1, r1, r1', text) + 1,
  callInc: lineOf('call inc', text),
  inc: lineOf('add r1, r1, 1', text),
  mov4: lineOf('mov r4, 0xAAAA', text),
  halt: lineOf('halt', text),
};

type Bps = Body<DebugProtocol.SetBreakpointsResponse>;

/** Launches calls.mover (not stopping on entry) with these source breakpoints; returns what setBreakpoints answered. */
async function launchWith(d: Dap, breakpoints: DebugProtocol.SourceBreakpoint[]): Promise<Bps> {
  let answer: Bps | undefined;
  const r = await d.launch({ program: CALLS, stopOnEntry: false }, async () => {
    answer = await d.ok<Bps>('setBreakpoints', { source: { path: CALLS }, breakpoints });
  });
  assert.equal(r.success, true, r.message);
  return answer!;
}

overBothTransports('breakpoints', (open) => {
  test('a source breakpoint is verified and stops there; one on a blank line moves to the next instruction', async () => {
    const d = await open();
    const bps = await launchWith(d, [{ line: LINE.double }, { line: LINE.blank }]);
    assert.deepEqual(bps.breakpoints.map((b) => [b.verified, b.line]), [[true, LINE.double], [true, LINE.callInc]]);
    assert.equal(bps.breakpoints[0].source?.path, CALLS);
    const s1 = await d.stopped();
    assert.equal(s1.body.reason, 'breakpoint');
    assert.deepEqual(s1.body.hitBreakpointIds, [bps.breakpoints[0].id]);
    assert.equal((await d.topFrame(s1.body.threadId!)).line, LINE.double);
    const s2 = await d.resume('continue', { threadId: s1.body.threadId });
    assert.deepEqual(s2.body.hitBreakpointIds, [bps.breakpoints[1].id]);
    assert.equal((await d.topFrame(s2.body.threadId!)).line, LINE.callInc);
  });

  test('a breakpoint past the last instruction is not verified and says why', async () => {
    const d = await open();
    const bps = await launchWith(d, [{ line: 400 }]);
    assert.equal(bps.breakpoints[0].verified, false);
    assert.match(bps.breakpoints[0].message!, /no instruction on or after this line/);
    await d.event('terminated');
  });

  test('a condition with == stops only when it holds', async () => {
    const d = await open();
    await launchWith(d, [{ line: LINE.double, condition: 'r1 == 7' }]);
    const s = await d.stopped();
    assert.equal(await d.register(s.body.threadId!, 'r1'), 7n);
    // r1 is 15 at the next entry: the condition is false, so the program runs to its end.
    await d.ok('continue', { threadId: s.body.threadId });
    await d.event('terminated');
  });

  test('conditions combine comparisons with && and || and arithmetic', async () => {
    const d = await open();
    await launchWith(d, [{ line: LINE.double, condition: '(r1 >= 3 && r1 < 0xF) && r2 != 0 || r1 == 1000' }, { line: LINE.mov4, condition: 'r1 - 31' }]);
    const seen: bigint[] = [];
    let s = await d.stopped();
    seen.push(await d.register(s.body.threadId!, 'r1'));
    s = await d.resume('continue', { threadId: s.body.threadId });
    seen.push(await d.register(s.body.threadId!, 'r1'));
    assert.deepEqual(seen, [3n, 7n]);
    // Neither breakpoint holds again (`r1 - 31` is zero at mov r4, where r1 = 31): the program ends.
    await d.ok('continue', { threadId: s.body.threadId });
    await d.event('terminated');
    assert.deepEqual(d.take('stopped'), []);
    const out = d.take('output').map((e) => (e.body as DebugProtocol.OutputEvent['body']).output);
    assert.deepEqual(out, ['r1 = 31\n', 'program halted after 45 instructions\n']);
  });

  test('a condition that cannot be evaluated stops and says why', async () => {
    const d = await open();
    const out = d.event<DebugProtocol.OutputEvent>('output', (e) => e.body.category === 'stderr');
    await launchWith(d, [{ line: LINE.double, condition: 'r1 == nosuchsymbol' }]);
    const s = await d.stopped();
    assert.equal(s.body.reason, 'breakpoint');
    assert.match((await out).body.output, /breakpoint condition "r1 == nosuchsymbol": unknown symbol nosuchsymbol \(stopping\)/);
  });

  test('a hit condition stops on the Nth hit', async () => {
    const d = await open();
    await launchWith(d, [{ line: LINE.inc, hitCondition: '3' }]);
    const s = await d.stopped();
    // inc runs after r1 = 2 * r1: 0, 2, 6 -> the third time r1 = 6.
    assert.equal(await d.register(s.body.threadId!, 'r1'), 6n);
  });

  test('a hit condition ">= 4" stops on the 4th and later hits', async () => {
    const d = await open();
    await launchWith(d, [{ line: LINE.inc, hitCondition: '>= 4' }]);
    let s = await d.stopped();
    assert.equal(await d.register(s.body.threadId!, 'r1'), 14n);
    s = await d.resume('continue', { threadId: s.body.threadId });
    assert.equal(await d.register(s.body.threadId!, 'r1'), 30n);
  });

  test('a log message interpolates {expressions} into output and does not stop', async () => {
    const d = await open();
    await launchWith(d, [{ line: LINE.double, logMessage: 'double: r1 = {r1}, r2 = {r2 * 2}, bad = {nosuch}' }]);
    await d.event('terminated');
    assert.equal(d.take('stopped').length, 0);
    const logged = d.take('output').map((e) => e.body as DebugProtocol.OutputEvent['body']).filter((o) => o.category === 'console' && o.output.startsWith('double:'));
    assert.deepEqual(logged.map((o) => o.output), [
      'double: r1 = 0x0, r2 = 0xa, bad = <unknown symbol nosuch>\n',
      'double: r1 = 0x1, r2 = 0x8, bad = <unknown symbol nosuch>\n',
      'double: r1 = 0x3, r2 = 0x6, bad = <unknown symbol nosuch>\n',
      'double: r1 = 0x7, r2 = 0x4, bad = <unknown symbol nosuch>\n',
      'double: r1 = 0xf, r2 = 0x2, bad = <unknown symbol nosuch>\n',
    ]);
  });

  test('function breakpoints stop at a label; an unknown name is not verified', async () => {
    const d = await open();
    let answer: Body<DebugProtocol.SetFunctionBreakpointsResponse> | undefined;
    await d.launch({ program: CALLS, stopOnEntry: false }, async () => {
      answer = await d.ok('setFunctionBreakpoints', { breakpoints: [{ name: 'inc' }, { name: 'no_such_label' }] });
    });
    assert.equal(answer!.breakpoints[0].verified, true);
    assert.equal(answer!.breakpoints[0].line, LINE.inc);
    assert.equal(answer!.breakpoints[1].verified, false);
    assert.match(answer!.breakpoints[1].message!, /no code label named no_such_label/);
    const s = await d.stopped();
    assert.equal(s.body.reason, 'function breakpoint');
    const frame = await d.topFrame(s.body.threadId!);
    assert.equal(frame.line, LINE.inc);
    assert.match(frame.name, /^inc · VS0$/);
  });

  test('instruction breakpoints stop at a text address; a misaligned or foreign one is not verified', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: CALLS });
    const { instructions } = await d.ok<Body<DebugProtocol.DisassembleResponse>>('disassemble', { memoryReference: '0x0', instructionCount: 20 });
    const target = instructions.find((i) => i.line === LINE.inc)!;
    const answer = await d.ok<Body<DebugProtocol.SetInstructionBreakpointsResponse>>('setInstructionBreakpoints', {
      breakpoints: [{ instructionReference: target.address }, { instructionReference: '0x2' }, { instructionReference: '0x10000' }, { instructionReference: 'nonsense' }],
    });
    assert.deepEqual(answer.breakpoints.map((b) => b.verified), [true, false, false, false]);
    assert.equal(answer.breakpoints[0].line, LINE.inc);
    const s = await d.resume('continue', { threadId: tid });
    assert.equal(s.body.reason, 'instruction breakpoint');
    const frame = await d.topFrame(tid);
    assert.equal(frame.instructionPointerReference, target.address);
  });

  test('breakpoints set while stopped take effect, and clearing them lets the program run on', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: CALLS });
    await d.ok('setBreakpoints', { source: { path: CALLS }, breakpoints: [{ line: LINE.inc }] });
    await d.resume('continue', { threadId: tid });
    assert.equal((await d.topFrame(tid)).line, LINE.inc);
    await d.ok('setBreakpoints', { source: { path: CALLS }, breakpoints: [] });
    await d.ok('continue', { threadId: tid });
    await d.event('terminated');
  });

  /** initialize, then the initialized event, which comes without a launch (DAP's order). */
  async function initialized(d: Dap): Promise<void> {
    await d.ok('initialize', { adapterID: 'mover', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', clientID: 'mover-tests' });
    await d.event('initialized');
  }

  test('breakpoints of every kind set before the launch are pending, then verified by breakpoint events with the same ids', async () => {
    const d = await open();
    await initialized(d);
    const src = await d.ok<Bps>('setBreakpoints', { source: { path: CALLS }, breakpoints: [{ line: LINE.double }, { line: 400 }] });
    const fn = await d.ok<Bps>('setFunctionBreakpoints', { breakpoints: [{ name: 'inc' }, { name: 'nosuch' }] });
    // 0x14 is the sixth instruction, mov r4, 0xAAAA.
    const ins = await d.ok<Bps>('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x14' }] });
    const data = await d.ok<Bps>('setDataBreakpoints', { breakpoints: [{ dataId: 'pa:0x1000/4', accessType: 'write' }] });
    const exc = await d.ok<Bps>('setExceptionBreakpoints', { filters: [], filterOptions: [{ filterId: 'vs-switch', condition: 'VS1' }] });
    const before = [...src.breakpoints, ...fn.breakpoints, ...ins.breakpoints, ...data.breakpoints, ...exc.breakpoints];
    for (const b of before) {
      assert.deepEqual([b.verified, b.message, b.reason], [false, 'the program is not loaded yet', 'pending']);
      assert.equal(typeof b.id, 'number');
    }
    assert.equal(new Set(before.map((b) => b.id)).size, before.length, 'every breakpoint has an id of its own');
    // configurationDone before the launch: the launch runs the program once it is built.
    await d.ok('configurationDone');
    const r = await d.request('launch', { program: CALLS, stopOnEntry: false });
    assert.equal(r.success, true, r.message);
    // The events came before the launch's response, one per breakpoint.
    const events = d.take('breakpoint').map((e) => e.body as DebugProtocol.BreakpointEvent['body']);
    assert.ok(events.every((e) => e.reason === 'changed'));
    const after = new Map(events.map((e) => [e.breakpoint.id, e.breakpoint]));
    assert.deepEqual([...after.keys()].sort(), before.map((b) => b.id).sort());
    const now = (b: DebugProtocol.Breakpoint) => after.get(b.id)!;
    assert.deepEqual([now(src.breakpoints[0]).verified, now(src.breakpoints[0]).line, now(src.breakpoints[0]).source?.path], [true, LINE.double, CALLS]);
    assert.deepEqual([now(src.breakpoints[1]).verified, now(src.breakpoints[1]).message], [false, 'no instruction on or after this line']);
    assert.deepEqual([now(fn.breakpoints[0]).verified, now(fn.breakpoints[0]).line], [true, LINE.inc]);
    assert.deepEqual([now(fn.breakpoints[1]).verified, now(fn.breakpoints[1]).message], [false, 'no code label named nosuch']);
    assert.deepEqual([now(ins.breakpoints[0]).verified, now(ins.breakpoints[0]).line], [true, LINE.mov4]);
    assert.equal(now(data.breakpoints[0]).verified, true);
    assert.equal(now(exc.breakpoints[0]).verified, true);
    // The stop names the id the client already has.
    const s = await d.stopped();
    assert.equal(s.body.reason, 'breakpoint');
    assert.deepEqual(s.body.hitBreakpointIds, [src.breakpoints[0].id]);
    assert.equal((await d.topFrame(s.body.threadId!)).line, LINE.double);
  });

  test('stopOnEntry with breakpoints set before the launch and configurationDone after it: the entry stop, then the breakpoint', async () => {
    const d = await open();
    await initialized(d);
    const src = await d.ok<Bps>('setBreakpoints', { source: { path: CALLS }, breakpoints: [{ line: LINE.inc }] });
    assert.equal(src.breakpoints[0].verified, false);
    const launched = d.request('launch', { program: CALLS, stopOnEntry: true });
    const changed = await d.event<DebugProtocol.BreakpointEvent>('breakpoint');
    assert.deepEqual([changed.body.breakpoint.id, changed.body.breakpoint.verified, changed.body.breakpoint.line], [src.breakpoints[0].id, true, LINE.inc]);
    await d.ok('configurationDone');
    assert.equal((await launched).success, true);
    const entry = await d.stopped();
    assert.equal(entry.body.reason, 'entry');
    assert.equal((await d.topFrame(entry.body.threadId!)).line, lineOf('mov r1, 0', text));
    const s = await d.resume('continue', { threadId: entry.body.threadId });
    assert.deepEqual([s.body.reason, s.body.hitBreakpointIds], ['breakpoint', [src.breakpoints[0].id]]);
    // A restart of the same program changes no answer: no event.
    await d.ok('restart');
    await d.stopped((e) => e.body.reason === 'entry');
    assert.deepEqual(d.take('breakpoint'), []);
  });

  test('breakpointLocations lists the lines of a range that hold instructions', async () => {
    const d = await open();
    await d.launchStopped({ program: CALLS });
    const r = await d.ok<Body<DebugProtocol.BreakpointLocationsResponse>>('breakpointLocations', { source: { path: CALLS }, line: LINE.double - 1, endLine: LINE.inc + 1 });
    assert.deepEqual(r.breakpoints.map((b) => b.line), [LINE.double, LINE.callInc, LINE.callInc + 1, LINE.inc, LINE.inc + 1]);
    const none = await d.ok<Body<DebugProtocol.BreakpointLocationsResponse>>('breakpointLocations', { source: { path: CALLS }, line: 1 });
    assert.deepEqual(none.breakpoints, []);
  });
});
