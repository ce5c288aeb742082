// What the editor shows at a stop (issue 12): sources that exist on disk are sent by path alone, so
// VS Code opens the file itself (editable, with its breakpoints) and not a read-only copy; and going
// back in time and forward again prints no program output twice, and keeps
// data breakpoint ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { STOP_VS_SWITCH } from '../../debug-adapter/protocol';
import { fixture, lineOf, overBothTransports, program, root, type Body, type Dap } from './harness';

const GATE = fixture('gate.mover');
const HELLO = program('hello.mover');
const STORE = fixture('store.mover');

/** The stdout lines the adapter sent so far (and takes them). */
function printed(d: Dap): string[] {
  return d.take('output').map((e) => e.body as DebugProtocol.OutputEvent['body']).filter((b) => b.category === 'stdout').map((b) => b.output);
}

overBothTransports('editor', (open) => {
  test('frames, breakpoints and loaded sources name files on disk by path, with no source reference', async () => {
    const d = await open();
    const line = lineOf('call', readFileSync(GATE, 'utf8'));
    let verified: DebugProtocol.Breakpoint[] = [];
    const tid = await d.launchStopped({ program: GATE }, async () => {
      verified = (await d.ok<Body<DebugProtocol.SetBreakpointsResponse>>('setBreakpoints', { source: { path: GATE }, breakpoints: [{ line }] })).breakpoints;
    });
    assert.equal(verified[0].verified, true);
    const top = await d.topFrame(tid);
    assert.equal(top.source?.path, GATE);
    assert.ok(!top.source?.sourceReference, `the frame's source has reference ${top.source?.sourceReference}`);
    const { sources } = await d.ok<Body<DebugProtocol.LoadedSourcesResponse>>('loadedSources');
    assert.ok(sources.length >= 2, 'the program and the library it includes');
    for (const s of sources) {
      assert.ok(s.path && path.isAbsolute(s.path), `${s.name} has no absolute path`);
      assert.ok(!s.sourceReference, `${s.name} has reference ${s.sourceReference}`);
    }
    // Stepping into the library: that frame names lib/vsgate.mover on disk too.
    assert.ok(sources.some((s) => s.path === path.join(root, 'lib', 'vsgate.mover')), sources.map((s) => s.path).join(', '));
  });

  test('step back and forward again print each line of output once', async () => {
    const d = await open();
    const halt = lineOf('halt', readFileSync(HELLO, 'utf8'));
    const tid = await d.launchStopped({ program: HELLO }, async () => {
      await d.ok('setBreakpoints', { source: { path: HELLO }, breakpoints: [{ line: halt }] });
    });
    await d.resume('continue', { threadId: tid });
    assert.deepEqual(printed(d), ['the answer is 42\n']);
    for (const command of ['stepBack', 'stepBack', 'next', 'next', 'reverseContinue', 'continue']) await d.resume(command, { threadId: tid });
    // A request after the last stop: every output event it caused has arrived before its response.
    await d.ok('threads');
    assert.deepEqual(printed(d), [], 'a replay printed the output again');
  });

  test('a data breakpoint keeps its id across a step back', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: STORE });
    const info = await d.ok<Body<DebugProtocol.DataBreakpointInfoResponse>>('dataBreakpointInfo', { name: 'pa:0x0080_0000', bytes: 4 });
    assert.ok(info.dataId, info.description);
    const set = await d.ok<Body<DebugProtocol.SetDataBreakpointsResponse>>('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId, accessType: 'write' }] });
    const id = set.breakpoints[0].id;
    assert.equal(set.breakpoints[0].verified, true);
    await d.resume('next', { threadId: tid });
    await d.resume('next', { threadId: tid });
    await d.resume('stepBack', { threadId: tid });
    const hit = await d.resume('continue', { threadId: tid });
    assert.equal(hit.body.reason, 'data breakpoint');
    assert.deepEqual(hit.body.hitBreakpointIds, [id]);
  });

  test('the console reads the fields of a declared object from its own space', async () => {
    const d = await open();
    const fig7 = path.join(root, 'examples', 'fig7-dnlc.mover');
    const line = lineOf('    mov r1, READY', readFileSync(fig7, 'utf8'));
    const tid = await d.launchStopped({ program: fig7 }, async () => { await d.ok('setBreakpoints', { source: { path: fig7 }, breakpoints: [{ line }] }); });
    await d.resume('continue', { threadId: tid });
    const frameId = (await d.topFrame(tid)).id;
    // FIG. 7's five enters, in VS1's C4 whatever space the thread is in now.
    assert.equal((await d.evaluate('dnlc.enters', 'repl', frameId)).result, '0x5 (5)');
    assert.equal((await d.evaluate('dnlc.entries + dnlc.removes', 'repl', frameId)).result, '0x5 (5)');
    await d.fails('evaluate', { expression: 'dnlc.nosuch', context: 'repl', frameId }, /dnlc \(a dnlc_table\) has no field nosuch/);
  });

  test('a "VS switch → VS1" function breakpoint (what Break on VS Switch adds) stops on entering VS1, and removing it turns that off', async () => {
    const d = await open();
    const fig4 = path.join(root, 'examples', 'fig4-walk.mover');
    let set: DebugProtocol.Breakpoint[] = [];
    const tid = await d.launchStopped({ program: fig4 }, async () => {
      set = (await d.ok<Body<DebugProtocol.SetFunctionBreakpointsResponse>>('setFunctionBreakpoints', { breakpoints: [{ name: 'VS switch → VS1' }, { name: 'VS switch -> VS9' }] })).breakpoints;
    });
    assert.deepEqual(set.map((b) => [b.verified, b.message]), [[true, 'stops when a processor enters VS1'], [false, 'no space named VS9 (spaces: VS0, VS1, VS2)']]);
    const s = await d.resume('continue', { threadId: tid });
    assert.equal(s.body.reason, STOP_VS_SWITCH);
    assert.match(s.body.description ?? '', /^Switched VS0 -> VS1 /);
    await d.ok('setFunctionBreakpoints', { breakpoints: [] });
    await d.ok('continue', { threadId: tid });
    await d.event('terminated');
  });
});
