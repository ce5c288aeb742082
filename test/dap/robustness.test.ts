// Malformed traffic: unknown commands, missing or mistyped arguments, requests before a launch and
// after a disconnect, a message that is not JSON. Each gets an error response (or is reported) and
// the adapter goes on serving: every case is followed by a request that must succeed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { overBothTransports, program, type Dap, type Body } from './harness';
import { ErrorCode } from '../../debug-adapter/protocol';

const HELLO = program('hello.mover');

/** The adapter still answers: a request that must succeed. */
async function alive(d: Dap): Promise<void> {
  const { threads } = await d.ok<Body<DebugProtocol.ThreadsResponse>>('threads');
  assert.ok(Array.isArray(threads));
}

const errorId = (r: DebugProtocol.ErrorResponse): number => (r.body.error as { id: number }).id;

overBothTransports('robustness', (open, transport) => {
  test('unknown commands, including names of Object.prototype, are refused as unsupported', async () => {
    const d = await open();
    for (const command of ['fly', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await d.fails(command, {}, new RegExp(`does not support the request "${command}"`));
      assert.equal(errorId(r), ErrorCode.UnknownCommand);
      await alive(d);
    }
  });

  test('arguments that are not an object are refused', async () => {
    const d = await open();
    await d.launchStopped({ program: HELLO });
    for (const args of ['a string', [1, 2], 42, true]) {
      const r = await d.sendRaw({ command: 'evaluate', arguments: args });
      assert.equal(r.success, false);
      assert.equal(r.message, 'the arguments of "evaluate" must be an object');
      await alive(d);
    }
  });

  test('a request without a command, or with a command that is not a string, is answered with an error', async () => {
    const d = await open();
    for (const message of [{}, { command: 7 }, { command: null, arguments: {} }]) {
      const r = await d.sendRaw(message);
      assert.equal(r.success, false);
      assert.match(r.message!, /does not support the request/);
      await alive(d);
    }
  });

  test('requests before a launch are refused (or answered empty where that is meaningful)', async () => {
    const d = await open();
    await d.ok('initialize', { adapterID: 'mover' });
    const refused: [string, unknown][] = [
      ['stackTrace', { threadId: 1 }], ['continue', { threadId: 1 }], ['next', { threadId: 1 }], ['stepBack', { threadId: 1 }], ['pause', { threadId: 1 }],
      ['scopes', { frameId: 10000 }], ['evaluate', { expression: '1' }], ['readMemory', { memoryReference: 'pa:0x0', count: 4 }], ['restart', {}],
      ['dataBreakpointInfo', { name: 'pa:0x0' }], ['disassemble', { memoryReference: '0x0', instructionCount: 1 }],
    ];
    for (const [command, args] of refused) {
      const r = await d.fails(command, args, /no program is loaded|nothing to restart/);
      assert.equal(errorId(r), ErrorCode.NotLaunched, command);
      await alive(d);
    }
    // Breakpoints set before a launch are kept, unverified until the program is loaded.
    const bps = await d.ok<Body<DebugProtocol.SetBreakpointsResponse>>('setBreakpoints', { source: { path: HELLO }, breakpoints: [{ line: 3 }] });
    assert.deepEqual(bps.breakpoints.map((b) => [b.verified, b.message]), [[false, 'the program is not loaded yet']]);
    assert.deepEqual(await d.ok('loadedSources'), { sources: [] });
  });

  test('missing and mistyped arguments get BadArguments errors that name the problem', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: HELLO });
    const cases: [string, unknown, RegExp][] = [
      ['setBreakpoints', {}, /setBreakpoints needs a source/],
      ['setBreakpoints', { source: { path: HELLO }, breakpoints: 'all' }, /setBreakpoints: breakpoints must be an array of objects \(got "all"\)/],
      ['setBreakpoints', { source: { path: HELLO }, breakpoints: [null] }, /setBreakpoints: breakpoints\[0\] must be an object \(got null\)/],
      ['setFunctionBreakpoints', { breakpoints: [{ name: 7 }] }, /setFunctionBreakpoints: breakpoints\[0\]\.name must be a string \(got 7\)/],
      ['setInstructionBreakpoints', { breakpoints: [{}] }, /every breakpoint needs a string "instructionReference"/],
      ['setDataBreakpoints', { breakpoints: [{ dataId: 1 }] }, /setDataBreakpoints: breakpoints\[0\]\.dataId must be a string \(got 1\)/],
      ['setExceptionBreakpoints', { filters: 'vs-switch' }, /setExceptionBreakpoints: filters must be an array of strings \(got "vs-switch"\)/],
      ['stackTrace', { threadId: 'one' }, /stackTrace: threadId must be a whole number \(got "one"\)/],
      ['next', { threadId: 99 }, /no thread 99/],
      ['scopes', { frameId: 'x' }, /scopes: frameId must be a whole number \(got "x"\)/],
      ['scopes', { frameId: 990000 }, /no frame 990000/],
      ['variables', { variablesReference: 'a' }, /variables: variablesReference must be a whole number \(got "a"\)/],
      ['evaluate', {}, /evaluate needs an expression/],
      ['setExpression', { expression: 'r1' }, /setExpression needs an expression and a value/],
      ['completions', {}, /completions needs text/],
      ['gotoTargets', {}, /gotoTargets needs a source path and a line/],
      ['breakpointLocations', { source: {} }, /breakpointLocations needs a source path and a line/],
      ['dataBreakpointInfo', {}, /dataBreakpointInfo needs a name/],
      ['disassemble', { memoryReference: '0x0' }, /disassemble needs an instructionCount/],
      ['mover/walk', { va: 'twelve' }, /not a virtual address: "twelve"/],
      ['launch', { program: HELLO }, /a program is already launched in this session/],
    ];
    for (const [command, args, message] of cases) {
      const r = await d.fails(command, args, message);
      assert.equal(errorId(r), ErrorCode.BadArguments, `${command}: ${r.message}`);
      await alive(d);
    }
    // None of them changed anything: the program still runs from where it was.
    assert.equal((await d.topFrame(tid)).line, 2);
    await d.ok('continue', { threadId: tid });
    await d.event('terminated');
  });

  test('a bad breakpoint list is refused before it is kept, so later requests still work', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: HELLO });
    await d.fails('setFunctionBreakpoints', { breakpoints: [{ name: 'start' }, null] }, /breakpoints\[1\] must be an object \(got null\)/);
    await d.ok('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x8' }] });
    const s = await d.resume('continue', { threadId: tid });
    assert.equal(s.body.reason, 'instruction breakpoint');
  });

  test('a message that is not JSON is reported, and the adapter keeps serving', async () => {
    const d = await open();
    const body = '{"seq": 1, "type": "request", "command": ';
    d.writeRaw(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const report = await d.event<DebugProtocol.OutputEvent>('output');
    assert.equal(report.body.category, 'stderr');
    assert.match(report.body.output, /ignored a malformed DAP message/);
    await alive(d);
    const tid = await d.launchStopped({ program: HELLO });
    assert.equal((await d.topFrame(tid)).line, 2);
  });

  test('many requests at once are all answered, in order', async () => {
    const d = await open();
    await d.launchStopped({ program: HELLO });
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => d.request('evaluate', { expression: `${i} * 2`, context: 'watch' })));
    assert.deepEqual(answers.map((r) => (r.body as { result: string }).result.split(' ')[0]), Array.from({ length: 100 }, (_, i) => `0x${(i * 2).toString(16)}`));
    const seqs = answers.map((r) => r.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  });

  if (transport === 'socket') {
    test('after disconnect the connection gets "session ended" errors (and the next one works)', async () => {
      const d = await open();
      const tid = await d.launchStopped({ program: HELLO });
      await d.ok('disconnect', {});
      for (const [command, args] of [['threads', {}], ['stackTrace', { threadId: tid }], ['launch', { program: HELLO }], ['evaluate', { expression: '1' }]] as const) {
        const r = await d.fails(command, args, /the debug session has ended \(disconnected\)/);
        assert.equal(errorId(r), ErrorCode.SessionEnded);
        // A request that crossed the disconnect pops no notification in VS Code.
        assert.equal((r.body as { error?: { showUser?: boolean } }).error?.showUser, false);
      }
      // Disconnecting again is harmless.
      await d.ok('disconnect', {});
      const next = await open();
      await next.launchStopped({ program: HELLO });
      await alive(next);
    });
  }
});
