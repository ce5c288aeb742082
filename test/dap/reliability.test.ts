// Issue 14 over DAP: no request hangs the adapter (huge lines, long steps), edits start a new
// timeline that step back keeps, program output is batched and bounded, bad argument types are clear
// errors, data breakpoints are checked, and a socket session needs the adapter's token and serves only
// the program's own sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ARGUMENT_SHAPES, type Field } from '../../debug-adapter/arguments';
import { ErrorCode } from '../../debug-adapter/protocol';
import { connectTo, fixture, overBothTransports, startServer, type Body } from './harness';

const dir = mkdtempSync(path.join(tmpdir(), 'mover-reliability-'));
function source(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A call that runs about 60 M instructions. */
const LONG_CALL = source('long-call.mover', `start:
    call spin
    mov r3, 1
    halt
spin:
    mov r2, 30000000
again:
    sub r2, r2, 1
    bne r2, 0, again
    ret
`);
/** Prints every 3 instructions, 300,000 times. */
const CHATTY = source('chatty.mover', `start:
    mov r2, 300000
again:
    print "line {r2:d}"
    sub r2, r2, 1
    bne r2, 0, again
    halt
`);
const STEPS = source('steps.mover', `start:
    mov r1, 1
    add r1, r1, 1
    add r1, r1, 1
    halt
`);

overBothTransports('reliability', (open) => {
  test('breakpoint, gotoTargets and breakpointLocations lines of 2^53 or an endLine of 1e15 answer at once', async () => {
    const d = await open();
    await d.launchStopped({ program: STEPS });
    const src = { path: STEPS };
    await d.fails('setBreakpoints', { source: src, breakpoints: [{ line: 2 ** 53 }] }, /must be a whole number/);
    const bps = await d.ok<Body<DebugProtocol.SetBreakpointsResponse>>('setBreakpoints', { source: src, breakpoints: [{ line: 2 ** 53 - 1 }, { line: 2 ** 53 - 5 }] });
    assert.deepEqual(bps.breakpoints.map((b) => b.verified), [false, false]);
    const targets = await d.ok<Body<DebugProtocol.GotoTargetsResponse>>('gotoTargets', { source: src, line: 2 ** 53 - 1 });
    assert.deepEqual(targets.targets, []);
    const locations = await d.ok<Body<DebugProtocol.BreakpointLocationsResponse>>('breakpointLocations', { source: src, line: 1, endLine: 1e15 });
    assert.deepEqual(locations.breakpoints.map((b) => b.line), [2, 3, 4, 5]);
  });

  // How fast pause is answered is measured by the bench (longrun.pause_during_step_over_ms), not here.
  test('threads and pause are answered during a step over a 60 M-instruction call, and stop it inside the call', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: LONG_CALL });
    await d.ok('next', { threadId: tid });
    await new Promise((r) => setTimeout(r, 200));
    await d.ok('threads');
    await d.ok('pause', { threadId: tid });
    const s = await d.stopped();
    assert.equal(s.body.reason, 'pause');
    // Inside spin, its counter not run out: the pause stopped the step, it did not wait for its end.
    assert.match((await d.topFrame(tid)).name, /^again · VS0$/);
    assert.ok((await d.register(tid, 'r2')) > 0n, 'paused before spin\'s loop ended');
    // The step is over: stepping out of the call from here finishes it.
    const out = await d.resume('stepOut', { threadId: tid });
    assert.equal(out.body.reason, 'step');
    assert.equal(await d.register(tid, 'r3'), 0n);
  });

  test('an edit starts a new timeline: stepIn then stepBack comes back to the edited state; further back shows the history before it', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: STEPS });
    await d.resume('stepIn', { threadId: tid }); // r1 = 1
    const frame = await d.topFrame(tid);
    await d.ok('setExpression', { expression: 'r1', value: '40', frameId: frame.id });
    await d.ok('writeMemory', { memoryReference: 'pa:0x10_0000', data: Buffer.from([7, 7, 7, 7]).toString('base64') });
    await d.resume('stepIn', { threadId: tid });
    assert.equal(await d.register(tid, 'r1'), 41n);
    await d.resume('stepBack', { threadId: tid });
    assert.equal(await d.register(tid, 'r1'), 40n, 'the edited register is kept');
    const mem = await d.ok<Body<DebugProtocol.ReadMemoryResponse>>('readMemory', { memoryReference: 'pa:0x10_0000', count: 4 });
    assert.deepEqual([...Buffer.from(mem.data ?? '', 'base64')], [7, 7, 7, 7], 'the edited memory is kept');
    await d.resume('stepBack', { threadId: tid });
    assert.equal(await d.register(tid, 'r1'), 0n, 'before the edit: the history as it ran');
    const before = await d.ok<Body<DebugProtocol.ReadMemoryResponse>>('readMemory', { memoryReference: 'pa:0x10_0000', count: 4 });
    assert.deepEqual([...Buffer.from(before.data ?? '', 'base64')], [0, 0, 0, 0]);
  });

  test('goto then stepIn then stepBack comes back to the goto target; goto on a halted thread is refused', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: STEPS });
    const target = (await d.ok<Body<DebugProtocol.GotoTargetsResponse>>('gotoTargets', { source: { path: STEPS }, line: 4 })).targets[0];
    await d.ok('goto', { threadId: tid, targetId: target.id });
    await d.stopped();
    await d.resume('stepIn', { threadId: tid });
    await d.resume('stepBack', { threadId: tid });
    assert.equal((await d.topFrame(tid)).line, 4);
    await d.ok('continue', { threadId: tid });
    await d.event('terminated');
    await d.fails('goto', { threadId: tid, targetId: target.id }, /has halted: goto cannot move it/);
  });

  test('a program printing every 3 instructions sends its output in a few batched events, and says how much it did not show', async () => {
    const d = await open();
    await d.launch({ program: CHATTY, stopOnEntry: false });
    await d.event('terminated');
    const out = d.take('output').map((e) => (e.body as DebugProtocol.OutputEvent['body'])).filter((b) => b.category === 'stdout');
    assert.ok(out.length < 200, `${out.length} output events for 300,000 lines`);
    const text = out.map((b) => b.output).join('');
    assert.ok(text.startsWith('line 300000\nline 299999\n'), text.slice(0, 40));
    const shown = text.split('\n').filter((l) => l.startsWith('line ')).length;
    const hidden = [...text.matchAll(/\[(\d+) lines? of program output not shown/g)].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(shown + hidden, 300_000, 'every line is shown or counted');
  });

  test('data breakpoints: a size of 0 or 100 GB, an access type "bogus" and a code label are refused', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: STEPS });
    const frame = await d.topFrame(tid);
    const r = await d.ok<Body<DebugProtocol.SetDataBreakpointsResponse>>('setDataBreakpoints', { breakpoints: [
      { dataId: 'pa:0x1000/0' }, { dataId: `pa:0x1000/${100 * 2 ** 30}` }, { dataId: 'pa:0x1000/4', accessType: 'bogus' }, { dataId: 'pa:0x1000/4' },
    ] });
    assert.deepEqual(r.breakpoints.map((b) => b.verified), [false, false, false, true]);
    assert.match(r.breakpoints[2].message ?? '', /access type "bogus"/);
    const info = await d.ok<Body<DebugProtocol.DataBreakpointInfoResponse>>('dataBreakpointInfo', { name: 'start', frameId: frame.id });
    assert.equal(info.dataId, null);
    assert.match(info.description, /code label/);
  });

  test('setExpression writes all or nothing, and registers answer what they hold', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: STEPS });
    const frame = await d.topFrame(tid);
    await d.fails('setExpression', { expression: '[pa:0xF_FFFF_FFFC]:64', value: '0x1122334455667788', frameId: frame.id }, /not mapped/);
    const mem = await d.ok<Body<DebugProtocol.ReadMemoryResponse>>('readMemory', { memoryReference: 'pa:0xF_FFFF_FFFC', count: 4 });
    assert.deepEqual([...Buffer.from(mem.data ?? '', 'base64')], [0, 0, 0, 0], 'no byte was written');
    const set = await d.ok<Body<DebugProtocol.SetExpressionResponse>>('setExpression', { expression: 'r1', value: '18446744073709551621', frameId: frame.id });
    assert.equal(set.value, '0x5');
    assert.equal(await d.register(tid, 'r1'), 5n);
    const byte = await d.ok<Body<DebugProtocol.SetExpressionResponse>>('setExpression', { expression: '[pa:0x2000]:8', value: '0x1ff', frameId: frame.id });
    assert.equal(byte.value, '0xff');
  });

  test('no argument of a wrong type reaches an exception: every request answers mutated arguments with a clear error', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: fixture('calls.mover') });
    const wrong: unknown[] = [null, 'x', 1.5, -1, 2 ** 60, true, {}, [], [null], [1.5], [{}], { a: {} }];
    /** Values to try in place of a field of this type (nested: also its parts). */
    const mutations = (f: Field): unknown[] => {
      if (typeof f === 'string') return wrong;
      if ('nullable' in f) return mutations(f.nullable);
      if ('array' in f) return [...wrong, ...mutations(f.array).map((m) => [m])];
      return [...wrong, ...Object.keys(f.shape).flatMap((k) => wrong.map((m) => ({ [k]: m })))];
    };
    // Those that end the session or the run come last, each after a stop.
    const last = ['continue', 'next', 'stepIn', 'stepOut', 'restart', 'terminate', 'launch', 'disconnect'];
    const commands = Object.keys(ARGUMENT_SHAPES).sort((a, b) => Number(last.includes(a)) - Number(last.includes(b)) || last.indexOf(a) - last.indexOf(b));
    const internal: string[] = [];
    for (const command of commands) {
      const shape = ARGUMENT_SHAPES[command as keyof typeof ARGUMENT_SHAPES];
      const fields = Object.entries(shape);
      const cases: Record<string, unknown>[] = fields.length ? fields.flatMap(([k, f]) => mutations(f).map((m) => ({ threadId: tid, [k]: m }))) : [{ bogus: null }];
      for (const args of cases) {
        const r = await d.request(command, args);
        const id = (r.body as { error?: { id?: number } } | undefined)?.error?.id;
        if (!r.success && id === ErrorCode.Internal) internal.push(`${command} ${JSON.stringify(args)}: ${r.message}`);
        if (r.success && command === 'disconnect') break;
        if (r.success && last.includes(command)) {
          await d.request('pause', {});
          await Promise.race([d.event('stopped'), d.event('terminated'), new Promise((res) => setTimeout(res, 500))]);
          d.take('stopped');
        }
      }
    }
    assert.deepEqual(internal, []);
  });

  test('writeMemory refuses data that is not base64', async () => {
    const d = await open();
    await d.launchStopped({ program: STEPS });
    await d.fails('writeMemory', { memoryReference: 'pa:0x2000', data: 'not base64 at all ~~~' }, /base64/);
  });
});

test('a socket session must present the token first; with it, only the program\'s own sources are served', async () => {
  const server = await startServer();
  try {
    const stranger = await connectTo(server);
    const refused = await stranger.request('source', { source: { path: '/etc/hostname' }, sourceReference: 0 });
    assert.equal(refused.success, false);
    assert.equal((refused.body as { error: { id: number } }).error.id, ErrorCode.Unauthorized);
    await stranger.close();
    const wrongToken = await connectTo(server);
    const r = await wrongToken.request('initialize', { adapterID: 'mover', moverToken: 'guess' });
    assert.equal(r.success, false);
    await wrongToken.close();
    const d = await connectTo(server);
    await d.ok('initialize', { adapterID: 'mover', moverToken: server.token });
    await d.fails('source', { source: { path: '/etc/hostname' }, sourceReference: 0 }, /no program is loaded/);
    await d.launchStopped({ program: STEPS });
    await d.fails('source', { source: { path: '/etc/hostname' }, sourceReference: 0 }, /only the files of the launched program/);
    const own = await d.ok<Body<DebugProtocol.SourceResponse>>('source', { source: { path: STEPS }, sourceReference: 0 });
    assert.match(own.content, /add r1, r1, 1/);
    await d.close();
  } finally {
    await server.stop();
  }
});
