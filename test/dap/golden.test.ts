// Golden DAP transcripts: whole sessions recorded as requests, responses and events, compared with
// test/fixtures/dap/*.golden.json. Each runs over stdio and over a socket against the same file.
//
// Regenerate after an intended change (and review the diff):
//   UPDATE_GOLDEN=1 node --test --import tsx test/dap/golden.test.ts
//
// Normalised: seq and request_seq (a request is written just before its response, events where they
// came), the repository path (written ${root}), and the ids the adapter hands out (variablesReference,
// frame ids, breakpoint ids), which become <ref:N>, <frame:N> and <bp:N> in order of first appearance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { example, fixture, lineOf, overBothTransports, root, type Dap, type Message, type Body } from './harness';

const UPDATE = process.env.UPDATE_GOLDEN === '1';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The client's view of a session in a canonical order: adapter output order, each request just before its response. */
function canonical(log: readonly Message[]): Message[] {
  const requests = new Map<number, Message>();
  for (const m of log) if (m.type === 'request') requests.set(m.seq, m);
  const out: Message[] = [];
  for (const m of log) {
    if (m.type === 'request') continue;
    if (m.type === 'response') {
      const req = requests.get((m as DebugProtocol.Response).request_seq);
      if (req) out.push(req);
    }
    out.push(m);
  }
  return out;
}

/** Replaces the volatile parts of a transcript (see the header). */
function normalise(messages: readonly Message[]): Json[] {
  const ids = { ref: new Map<number, string>(), frame: new Map<number, string>(), bp: new Map<number, string>() };
  const id = (kind: keyof typeof ids, v: Json): Json => {
    if (typeof v !== 'number' || (kind === 'ref' && v === 0)) return v;
    const m = ids[kind];
    if (!m.has(v)) m.set(v, `<${kind}:${m.size + 1}>`);
    return m.get(v)!;
  };
  const walk = (v: Json, key: string, parent: string): Json => {
    if (typeof v === 'string') return v.split(root).join('${root}');
    if (Array.isArray(v)) return v.map((x) => (key === 'hitBreakpointIds' ? id('bp', x) : walk(x, key, parent)));
    if (v === null || typeof v !== 'object') {
      if (key === 'variablesReference') return id('ref', v);
      if (key === 'frameId' || (key === 'id' && parent === 'stackFrames')) return id('frame', v);
      if (key === 'id' && parent === 'breakpoints') return id('bp', v);
      return v;
    }
    const out: { [key: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'seq' || k === 'request_seq') continue;
      out[k] = walk(x, k, key);
    }
    return out;
  };
  return messages.map((m) => walk(m as unknown as Json, '', ''));
}

function compare(name: string, d: Dap): void {
  const file = fixture(`${name}.golden.json`);
  const actual = normalise(canonical(d.log));
  if (UPDATE) {
    writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
    return;
  }
  assert.ok(existsSync(file), `no golden file ${file}: run UPDATE_GOLDEN=1 node --test --import tsx test/dap/golden.test.ts`);
  const expected = JSON.parse(readFileSync(file, 'utf8')) as Json[];
  // Message by message first, for a readable failure.
  for (let i = 0; i < Math.min(expected.length, actual.length); i++) assert.deepEqual(actual[i], expected[i], `${name}: message ${i} differs`);
  assert.equal(actual.length, expected.length, `${name}: ${actual.length} messages, the golden file has ${expected.length}`);
}

type Frames = Body<DebugProtocol.StackTraceResponse>;
type Scopes = Body<DebugProtocol.ScopesResponse>;

overBothTransports('golden transcripts', (open) => {
  test('fig4-walk: stop on the switch into VS1, then look at the frame, control registers, the walk and the TLB', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: example('fig4-walk.mover') }, async () => {
      await d.ok('setExceptionBreakpoints', { filters: ['vs-switch'] });
    });
    await d.resume('continue', { threadId: tid });
    await d.ok('exceptionInfo', { threadId: tid });
    const { stackFrames } = await d.ok<Frames>('stackTrace', { threadId: tid });
    const { scopes } = await d.ok<Scopes>('scopes', { frameId: stackFrames[0].id });
    await d.ok('variables', { variablesReference: scopes[1].variablesReference });
    await d.evaluate('translate VS1 0x20001000', 'repl', stackFrames[0].id);
    await d.resume('next', { threadId: tid });
    await d.ok('mover/tlb', { cpu: 0 });
    await d.ok('mover/lastWalk', { cpu: 0 });
    await d.ok('disconnect', {});
    compare('fig4-vs-switch', d);
  });

  test('calls: a conditional breakpoint, stepping in and out, a step back, a log point, to the end', async () => {
    const d = await open();
    const CALLS = fixture('calls.mover');
    const text = readFileSync(CALLS, 'utf8');
    const tid = await d.launchStopped({ program: CALLS }, async () => {
      await d.ok('setBreakpoints', { source: { path: CALLS }, breakpoints: [{ line: lineOf('add r1, r1, r1', text), condition: 'r1 == 3' }, { line: lineOf('sub r2, r2, 1', text), logMessage: 'r1 = {r1}' }] });
    });
    await d.resume('continue', { threadId: tid });
    await d.ok('stackTrace', { threadId: tid });
    await d.resume('stepIn', { threadId: tid });
    await d.resume('stepIn', { threadId: tid });
    await d.ok('stackTrace', { threadId: tid });
    await d.resume('stepOut', { threadId: tid });
    await d.resume('stepBack', { threadId: tid });
    const { stackFrames } = await d.ok<Frames>('stackTrace', { threadId: tid });
    const { scopes } = await d.ok<Scopes>('scopes', { frameId: stackFrames[0].id });
    await d.ok('variables', { variablesReference: scopes[0].variablesReference, start: 0, count: 4 });
    await d.ok('setBreakpoints', { source: { path: CALLS }, breakpoints: [{ line: lineOf('sub r2, r2, 1', text), logMessage: 'r1 = {r1}' }] });
    await d.ok('continue', { threadId: tid });
    await d.event('terminated');
    await d.ok('disconnect', {});
    compare('calls-stepping', d);
  });

  test('missing-flush: two processors, the stale TLB entry, and the program\'s own output', async () => {
    const d = await open();
    const P = example('missing-flush.mover');
    const tid = await d.launchStopped({ program: P }, async () => {
      await d.ok('setBreakpoints', { source: { path: P }, breakpoints: [{ line: lineOf('; BUG', readFileSync(P, 'utf8')) }] });
    });
    await d.resume('continue', { threadId: tid });
    await d.ok('threads');
    const { stackFrames } = await d.ok<Frames>('stackTrace', { threadId: tid });
    const { scopes } = await d.ok<Scopes>('scopes', { frameId: stackFrames[0].id });
    await d.ok('variables', { variablesReference: scopes[2].variablesReference });
    await d.ok('mover/walk', { va: '0x2000_0000', cpu: 0 });
    await d.ok('readMemory', { memoryReference: 'vs1:0x2000_0000', count: 8 });
    await d.ok('continue', { threadId: tid });
    await d.event('terminated');
    await d.ok('disconnect', {});
    compare('missing-flush-stale', d);
  });
});
