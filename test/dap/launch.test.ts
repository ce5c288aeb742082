// Starting a session: the capabilities the adapter advertises, launch arguments (good, bad, and the
// schema package.json publishes for them), assembly errors, stopOnEntry and running to the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { LAUNCH_ATTRIBUTES, REQUIRED_LAUNCH_ATTRIBUTES } from '../../debug-adapter/launch-args';
import { example, fixture, overBothTransports, program, root, type Body } from './harness';
import { specialFiles } from '../support/special-files';

test('package.json declares exactly the launch attributes of debug-adapter/launch-args.ts', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    contributes: { debuggers: { type: string; configurationAttributes: { launch: unknown } }[] };
  };
  const mover = pkg.contributes.debuggers[0];
  assert.equal(mover.type, 'mover');
  // A JSON round trip turns the `as const` tuples into the arrays package.json holds.
  assert.deepEqual(mover.configurationAttributes.launch, JSON.parse(JSON.stringify({ required: REQUIRED_LAUNCH_ATTRIBUTES, properties: LAUNCH_ATTRIBUTES })));
});

/** Every capability the adapter turns on; each has a test in this folder that uses it. */
const CAPABILITIES = [
  'supportsBreakpointLocationsRequest', 'supportsClipboardContext', 'supportsCompletionsRequest', 'supportsConditionalBreakpoints',
  'supportsConfigurationDoneRequest', 'supportsDataBreakpointBytes', 'supportsDataBreakpoints', 'supportsDisassembleRequest',
  'supportsEvaluateForHovers', 'supportsExceptionFilterOptions', 'supportsExceptionInfoRequest', 'supportsFunctionBreakpoints',
  'supportsGotoTargetsRequest', 'supportsHitConditionalBreakpoints', 'supportsInstructionBreakpoints', 'supportsLoadedSourcesRequest',
  'supportsLogPoints', 'supportsReadMemoryRequest', 'supportsRestartRequest', 'supportsSetExpression', 'supportsSetVariable',
  'supportsStepBack', 'supportsTerminateRequest', 'supportsWriteMemoryRequest',
];

overBothTransports('launch', (open) => {
  test('initialize answers the capabilities that are implemented, and the exception filters', async () => {
    const d = await open();
    const caps = await d.ok<DebugProtocol.Capabilities>('initialize', { adapterID: 'mover', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const on = Object.entries(caps).filter(([, v]) => v === true).map(([k]) => k).sort();
    assert.deepEqual(on, [...CAPABILITIES].sort());
    assert.deepEqual(caps.exceptionBreakpointFilters?.map((f) => f.filter), ['vs-switch', 'page-fault', 'tlb-miss', 'tlb-stale', 'copy-on-first-write']);
    const vs = caps.exceptionBreakpointFilters![0];
    assert.equal(vs.supportsCondition, true, 'the VS-switch filter takes the target space as its condition');
    assert.equal(caps.supportsSteppingGranularity, false);
    assert.deepEqual(caps.completionTriggerCharacters, ['.', ' ']);
  });

  const good = example('fig4-walk.mover');
  const badLaunches: [string, Record<string, unknown>, RegExp][] = [
    ['no program', {}, /^bad launch configuration: "program" must name a \.mover file$/],
    ['a program that is not a string', { program: 42 }, /"program" must name a \.mover file/],
    ['wrong types (every problem at once)', { program: good, stopOnEntry: 'yes', cpus: '2' }, /"cpus" must be a whole number from 1 to 64 \(got "2"\); "stopOnEntry" must be true or false/],
    ['cpus 0', { program: good, cpus: 0 }, /"cpus" must be a whole number from 1 to 64 \(got 0\)/],
    ['a fractional timer and a negative step limit', { program: good, timerQuantum: 1.5, maxSteps: -1 }, /"timerQuantum" must be a whole number .* \(got 1\.5\); "maxSteps" must be a whole number .* \(got -1\)/],
    ['a TLB that is not an object', { program: good, tlb: 5 }, /"tlb" must be \{ "entries": N, "ways": W \}/],
    ['an impossible TLB geometry', { program: good, tlb: { entries: 48, ways: 4 } }, /TLB sets \(entries \/ ways = 12\) must be a power of two/],
    ['a huge TLB', { program: good, tlb: { entries: 2 ** 30, ways: 1 } }, /TLB entries must be a whole number from 1 to 4096/],
    ['an unknown TLB policy', { program: good, tlbPolicy: 'mru' }, /"tlbPolicy" must be one of "lru", "fifo", "random" \(got "mru"\)/],
    ['a negative TLB seed', { program: good, tlbPolicy: 'random', tlbSeed: -3 }, /"tlbSeed" must be a whole number from 0 to 4294967295/],
    ['a layout that is neither a path nor an object', { program: good, layout: 42 }, /"layout" must be a file path or a layout object/],
    ['a layout file that does not exist', { program: good, layout: 'no-such-layout.json' }, /cannot read the layout file .*no-such-layout\.json/],
    ['a layout file that is not valid', { program: good, layout: fixture('bad-layout.json') }, /the layout .*bad-layout\.json is not valid:\n {2}chunks\[0\]\.size: size must be .*\(got "nope"\)\n {2}spaces: a layout needs a non-empty "spaces" array/],
    ['an inline layout that is not valid', { program: good, layout: { chunks: [] } }, /the inline layout is not valid:\n {2}chunks: a layout needs a non-empty "chunks" array/],
    ['a program file that does not exist', { program: path.join(root, 'no-such-program.mover') }, /no-such-program\.mover:1:1: error: cannot read/],
  ];
  for (const [what, args, message] of badLaunches) {
    test(`launch with ${what}: an error response that says what is wrong`, async () => {
      const d = await open();
      const r = (await d.launch(args)) as DebugProtocol.ErrorResponse;
      assert.equal(r.success, false);
      assert.match(r.message ?? '', message);
      assert.equal(typeof r.body.error?.id, 'number');
      assert.equal(r.body.error?.showUser, true);
      // The adapter still serves the session.
      assert.deepEqual(await d.ok('threads'), { threads: [] });
    });
  }

  test('a layout or program that is /dev/zero, a FIFO, a folder or too big: a launch error, no hang', async () => {
    for (const [ext, field] of [['.json', 'layout'], ['.mover', 'program']] as const) {
      const special = specialFiles(ext);
      try {
        for (const c of special.cases) {
          const d = await open();
          const r = (await d.launch(field === 'layout' ? { program: good, layout: c.file } : { program: c.file })) as DebugProtocol.ErrorResponse;
          assert.equal(r.success, false, `${field} ${c.name} launched`);
          assert.match(r.message ?? '', c.reason, `${field} ${c.name}`);
          assert.deepEqual(await d.ok('threads'), { threads: [] });
          await d.close();
        }
      } finally {
        special.dispose();
      }
    }
  });

  test('launch with "test" runs that .test of the program: its entry threads, stopped on entry, to the end', async () => {
    const d = await open();
    const file = path.join(root, 'examples', 'tests', 'fig7-dnlc.test.mover');
    await d.launchStopped({ program: file, test: 'fig7_two_processors_look_up_paths' });
    const { threads } = await d.ok<Body<DebugProtocol.ThreadsResponse>>('threads');
    // The test's own threads (named after its entries), on processors 0 and 1, not the program's a and b.
    assert.deepEqual(threads.map((t) => t.name.split(' · ').slice(0, 2).join(' · ')), ['cpu0 · a_main', 'cpu1 · b_main']);
    await d.ok('continue', { threadId: threads[0].id });
    await d.event('terminated');
    const wrong = await open();
    const r = (await wrong.launch({ program: file, test: 'nosuch' })) as DebugProtocol.ErrorResponse;
    assert.equal(r.success, false);
    assert.match(r.message ?? '', /fig7-dnlc\.test\.mover has no test named nosuch \(tests: fig7_two_processors_look_up_paths\)/);
  });

  test('a program with assembly errors: the launch fails listing every error as file:line:col, each also an output event', async () => {
    const d = await open();
    const file = program('errors.mover');
    const r = await d.launch({ program: file });
    assert.equal(r.success, false);
    const expected = [
      `${file}:3:5: error: unknown instruction mvo (did you mean mov?)`,
      `${file}:4:13: error: operand 2 of add must be a register or a constant, not a memory operand`,
      `${file}:5:20: error: unknown symbol missing`,
    ];
    assert.match(r.message!, /^errors\.mover has 3 errors:\n/);
    for (const e of expected) assert.ok(r.message!.includes(e), `missing ${e} in\n${r.message}`);
    const out = d.take('output').map((e) => e.body as DebugProtocol.OutputEvent['body']);
    assert.equal(out.length, 3);
    out.forEach((o, i) => {
      assert.equal(o.category, 'stderr');
      assert.ok(o.output.startsWith(expected[i]), o.output);
    });
    // DAP's order: the initialized event came right after the initialize response, before any build.
    const fromAdapter = d.log.filter((m) => m.type !== 'request').map((m) => ('event' in m ? `event ${m.event}` : `response ${(m as DebugProtocol.Response).command}`));
    assert.deepEqual(fromAdapter.slice(0, 2), ['response initialize', 'event initialized']);
  });

  test('the initialized event comes after the initialize response, before a launch is sent', async () => {
    const d = await open();
    await d.ok('initialize', { adapterID: 'mover', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await d.event('initialized');
    assert.ok(!d.log.some((m) => m.type === 'request' && (m as DebugProtocol.Request).command === 'launch'));
    // The launch that follows runs as usual.
    await d.ok('configurationDone');
    assert.equal((await d.request('launch', { program: program('hello.mover'), stopOnEntry: true })).success, true);
    assert.equal((await d.stopped()).body.reason, 'entry');
  });

  test('a program with errors and breakpoints set before its launch: a clear launch error, the breakpoints stay pending', async () => {
    const d = await open();
    await d.ok('initialize', { adapterID: 'mover', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await d.event('initialized');
    const file = program('errors.mover');
    const bps = await d.ok<Body<DebugProtocol.SetBreakpointsResponse>>('setBreakpoints', { source: { path: file }, breakpoints: [{ line: 3 }] });
    await d.ok('configurationDone');
    const r = (await d.request('launch', { program: file })) as DebugProtocol.ErrorResponse;
    assert.equal(r.success, false);
    assert.match(r.message ?? '', /^errors\.mover has 3 errors:\n.*errors\.mover:3:5: error: unknown instruction mvo/);
    assert.equal(r.body.error?.showUser, true);
    assert.deepEqual(d.take('breakpoint'), [], 'no breakpoint changed: nothing was loaded');
    assert.deepEqual(await d.ok('threads'), { threads: [] });
    const again = await d.ok<Body<DebugProtocol.SetBreakpointsResponse>>('setBreakpoints', { source: { path: file }, breakpoints: [{ line: 3 }] });
    assert.deepEqual(again.breakpoints.map((b) => [b.verified, b.message]), [[false, 'the program is not loaded yet']]);
    assert.equal(typeof bps.breakpoints[0].id, 'number');
  });

  test('stopOnEntry stops at the first instruction of the first thread, before anything ran', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: program('hello.mover') });
    const frame = await d.topFrame(tid);
    assert.equal(frame.line, 2);
    assert.equal(frame.source?.name, 'hello.mover');
    assert.equal(await d.register(tid, 'r1'), 0n);
    const changed = await d.event('mover/stateChanged');
    assert.deepEqual(changed.body, { reason: 'stopped', retired: 0 });
  });

  test('without stopOnEntry the program runs to the end: its output, then terminated', async () => {
    const d = await open();
    const r = await d.launch({ program: program('hello.mover'), stopOnEntry: false });
    assert.equal(r.success, true);
    await d.event('terminated');
    const out = d.take('output').map((e) => (e.body as DebugProtocol.OutputEvent['body']).output);
    assert.deepEqual(out, ['the answer is 42\n', 'program halted after 4 instructions\n']);
  });

  test('an inline layout and launch options (cpus, TLB geometry) are used', async () => {
    const d = await open();
    const layout = JSON.parse(readFileSync(path.join(root, 'test', 'fixtures', 'layouts', 'vs1-hole.json'), 'utf8')) as Record<string, unknown>;
    await d.launchStopped({ program: program('hello.mover'), layout, cpus: 3, tlb: { entries: 16, ways: 2 } });
    const view = await d.ok<{ name: string; spaces: { name: string }[]; processors: unknown[] }>('mover/layout');
    assert.match(view.name, /VS1 with a hole/);
    assert.deepEqual(view.spaces.map((s) => s.name), ['VS0', 'VS1']);
    assert.equal(view.processors.length, 3);
    const tlb = await d.ok<{ processors: { sets: number; ways: number }[] }>('mover/tlb', { cpu: 2 });
    assert.deepEqual(tlb.processors.map((p) => [p.sets, p.ways]), [[8, 2]]);
  });

  test('the TLB replacement policy and seed: LRU by default, FIFO, random with its seed; mover/tlb names it', async () => {
    const policies: [Record<string, unknown>, string][] = [
      [{}, 'LRU replacement'], [{ tlbPolicy: 'fifo' }, 'FIFO replacement'], [{ tlbPolicy: 'random' }, 'random replacement (seed 1)'], [{ tlbPolicy: 'random', tlbSeed: 42 }, 'random replacement (seed 42)'],
    ];
    for (const [args, label] of policies) {
      const d = await open();
      await d.launchStopped({ program: program('hello.mover'), tlb: { entries: 16, ways: 2 }, ...args });
      const tlb = await d.ok<{ processors: { policy: string }[] }>('mover/tlb', {});
      assert.deepEqual(tlb.processors.map((p) => p.policy), [label, label], JSON.stringify(args));
    }
  });

  test('loadedSources lists the program and the files it includes', async () => {
    const d = await open();
    await d.launchStopped({ program: example('fig4-walk.mover') });
    const { sources } = await d.ok<Body<DebugProtocol.LoadedSourcesResponse>>('loadedSources');
    assert.deepEqual(sources.map((s) => s.name), ['fig4-walk.mover', 'boot.mover']);
    const src = await d.ok<Body<DebugProtocol.SourceResponse>>('source', { source: sources[1], sourceReference: sources[1].sourceReference });
    assert.match(src.content, /^; boot\.mover/);
  });
});
