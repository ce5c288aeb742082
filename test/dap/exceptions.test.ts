// Exception filters (VS switch with and without a target space, TLB miss, page fault taken by a
// handler, copy-on-first-write), unhandled page faults, and data breakpoints on physical and
// virtual addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { bytes, example, fixture, layoutFixture, overBothTransports, program, type Dap, type Body } from './harness';
import { STOP_COFW, STOP_TLB_MISS, STOP_VS_SWITCH } from '../../debug-adapter/protocol';

const FIG4 = example('fig4-walk.mover');
type Info = Body<DebugProtocol.ExceptionInfoResponse>;

/** Launches without stopping on entry, with these exception filters; returns setExceptionBreakpoints' answer. */
async function launchWithFilters(d: Dap, args: Record<string, unknown>, filters: DebugProtocol.SetExceptionBreakpointsArguments): Promise<Body<DebugProtocol.SetExceptionBreakpointsResponse>> {
  let answer: Body<DebugProtocol.SetExceptionBreakpointsResponse> | undefined;
  const r = await d.launch({ stopOnEntry: false, ...args }, async () => { answer = await d.ok('setExceptionBreakpoints', filters); });
  assert.equal(r.success, true, r.message);
  return answer!;
}

overBothTransports('exceptions', (open) => {
  test('"vs-switch" stops on every change of space, with from/to and both CR3s', async () => {
    const d = await open();
    await launchWithFilters(d, { program: FIG4 }, { filters: ['vs-switch'] });
    const expected: [RegExp, string][] = [
      [/^Switched VS0 -> VS1 \(CR3 0xef00_0000\) at fig4-walk\.mover:17$/, 'VS0 (paging off) -> VS1 (CR3 0xef00_0000) on cpu0'],
      [/^Switched VS1 -> VS2 \(CR3 0xef00_0020\) at fig4-walk\.mover:21$/, 'VS1 (CR3 0xef00_0000) -> VS2 (CR3 0xef00_0020) on cpu0'],
      [/^Switched VS2 -> VS0 \(paging off\) at fig4-walk\.mover:25$/, 'VS2 (CR3 0xef00_0020) -> VS0 (paging off) on cpu0'],
    ];
    for (const [description, details] of expected) {
      const s = await d.stopped();
      assert.equal(s.body.reason, STOP_VS_SWITCH);
      assert.match(s.body.description!, description);
      const info = await d.ok<Info>('exceptionInfo', { threadId: s.body.threadId });
      assert.equal(info.exceptionId, 'vs-switch');
      assert.equal(info.breakMode, 'always');
      assert.equal(info.details?.message, details);
      await d.ok('continue', { threadId: s.body.threadId });
    }
    await d.event('terminated');
  });

  test('"vs-switch" with the condition VS2 stops only on entering VS2', async () => {
    const d = await open();
    const answer = await launchWithFilters(d, { program: FIG4 }, { filters: [], filterOptions: [{ filterId: 'vs-switch', condition: 'VS2' }] });
    assert.deepEqual(answer.breakpoints, [{ verified: true }]);
    const s = await d.stopped();
    assert.match(s.body.description!, /^Switched VS1 -> VS2 /);
    const frame = await d.topFrame(s.body.threadId!);
    assert.equal(frame.name, 'start · VS2');
    await d.ok('continue', { threadId: s.body.threadId });
    await d.event('terminated');
    assert.deepEqual(d.take('stopped'), []);
  });

  test('a "vs-switch" condition naming no space is reported unverified', async () => {
    const d = await open();
    const answer = await launchWithFilters(d, { program: FIG4 }, { filters: [], filterOptions: [{ filterId: 'vs-switch', condition: 'VS1, VS9' }] });
    assert.equal(answer.breakpoints![0].verified, false);
    assert.match(answer.breakpoints![0].message!, /no space named VS9 \(spaces: VS0, VS1, VS2\)/);
  });

  test('an unknown exception filter is an error', async () => {
    const d = await open();
    await d.launchStopped({ program: FIG4 });
    await d.fails('setExceptionBreakpoints', { filters: ['segfault'] }, /unknown exception filter "segfault" \(filters: vs-switch, page-fault, tlb-miss, tlb-stale, copy-on-first-write\)/);
  });

  test('"tlb-miss" stops after an access that walked the page tables', async () => {
    const d = await open();
    await launchWithFilters(d, { program: FIG4 }, { filters: ['tlb-miss'] });
    const s = await d.stopped();
    assert.equal(s.body.reason, STOP_TLB_MISS);
    assert.match(s.body.description!, /^TLB miss on 0x0000_2000 in VS1 at fig4-walk\.mover:\d+$/);
    const info = await d.ok<Info>('exceptionInfo', { threadId: s.body.threadId });
    assert.equal(info.exceptionId, 'tlb-miss');
    assert.equal(info.details?.message, 'read of 0x0000_2000 in VS1 walked the page tables');
    const walk = await d.ok<{ va: string; ok: boolean; levels: unknown[] }>('mover/lastWalk', { cpu: 0 });
    assert.equal(walk.va, '0x0000_2000');
    assert.equal(walk.levels.length, 3);
  });

  test('"page-fault" stops in the handler of a handled fault; without it the handler just runs', async () => {
    const d = await open();
    await launchWithFilters(d, { program: fixture('handler.mover'), layout: layoutFixture('vs1-hole.json') }, { filters: ['page-fault'] });
    const s = await d.stopped();
    assert.equal(s.body.reason, 'exception');
    assert.match(s.body.description!, /page fault: read of 0x9000_0000 in VS1: not present at the PDE; CR2 = 0x9000_0000, error code 0x0 at handler\.mover:13, handled at handler\.mover:18/);
    const info = await d.ok<Info>('exceptionInfo', { threadId: s.body.threadId });
    assert.equal(info.exceptionId, 'page-fault');
    assert.equal(info.breakMode, 'always');
    assert.equal((await d.topFrame(s.body.threadId!)).name, 'on_fault · VS1');
    await d.ok('continue', { threadId: s.body.threadId });
    await d.event('terminated');
    assert.ok(d.take('output').some((e) => (e.body as DebugProtocol.OutputEvent['body']).output === 'loaded 0x0 after the fault\n'));

    const quiet = await open();
    await launchWithFilters(quiet, { program: fixture('handler.mover'), layout: layoutFixture('vs1-hole.json') }, { filters: [] });
    await quiet.event('terminated');
    assert.deepEqual(quiet.take('stopped'), []);
  });

  test('an unhandled page fault stops with reason exception: VA, error code and CR2', async () => {
    const d = await open();
    await launchWithFilters(d, { program: program('fault.mover'), layout: layoutFixture('vs1-hole.json') }, { filters: [] });
    const s = await d.stopped();
    assert.equal(s.body.reason, 'exception');
    assert.match(s.body.text!, /page fault/);
    const info = await d.ok<Info>('exceptionInfo', { threadId: s.body.threadId });
    assert.equal(info.exceptionId, 'page-fault');
    assert.equal(info.breakMode, 'unhandled');
    assert.equal(info.description, 'page fault: read of 0x9000_0000 in VS1: not present at the PDE; CR2 = 0x9000_0000, error code 0x0');
    assert.equal((await d.topFrame(s.body.threadId!)).line, 9);
    const cr = await d.ok<{ processors: { cr2: string; space: string }[] }>('mover/controlRegisters');
    assert.equal(cr.processors[0].cr2, '0x9000_0000');
    assert.equal(cr.processors[0].space, 'VS1');
  });

  test('"copy-on-first-write" stops on the snapshot module\'s event with the blocks', async () => {
    const d = await open();
    await launchWithFilters(d, { program: fixture('cofw.mover') }, { filters: ['copy-on-first-write'] });
    const s = await d.stopped();
    assert.equal(s.body.reason, STOP_COFW);
    const info = await d.ok<Info>('exceptionInfo', { threadId: s.body.threadId });
    assert.equal(info.exceptionId, 'copy-on-first-write');
    assert.equal(info.details?.message, 'clone block 3 -> save volume block 7');
  });

  test('exceptionInfo when the stop was not an exception is an error', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: FIG4 });
    await d.fails('exceptionInfo', { threadId: tid }, /did not stop on an exception/);
  });
});

overBothTransports('data breakpoints', (open) => {
  const GATE = fixture('gate.mover');
  type Info = Body<DebugProtocol.DataBreakpointInfoResponse>;

  test('a physical watch on a C1 address fires on a write made from VS1', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: GATE });
    const info = await d.ok<Info>('dataBreakpointInfo', { name: 'pa:0x90_0000', bytes: 4 });
    assert.equal(info.dataId, 'pa:0x90_0000/4');
    assert.match(info.description, /physical: any space/);
    const set = await d.ok<Body<DebugProtocol.SetDataBreakpointsResponse>>('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId!, accessType: 'write' }] });
    assert.equal(set.breakpoints[0].verified, true);
    const s = await d.resume('continue', { threadId: tid });
    assert.equal(s.body.reason, 'data breakpoint');
    assert.deepEqual(s.body.hitBreakpointIds, [set.breakpoints[0].id]);
    assert.match(s.body.description!, /^write of 0x0090_0000 \(PA 0x90_0000\) in VS1 hit watchpoint/);
    assert.equal((await d.topFrame(tid)).name, 'module · VS1');
    const mem = await d.ok<Body<DebugProtocol.ReadMemoryResponse>>('readMemory', { memoryReference: 'pa:0x90_0000', count: 4 });
    assert.equal(bytes(mem).readUInt32LE(0), 0xc1c1);
  });

  test('a virtual watch (vs1:0x2000_0000) fires on the write through VS1\'s page tables', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: GATE });
    const info = await d.ok<Info>('dataBreakpointInfo', { name: 'vs1:0x2000_0000' });
    assert.equal(info.dataId, 'vs1:0x2000_0000/4');
    assert.match(info.description, /VS1: follows the page tables/);
    await d.ok('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId!, accessType: 'readWrite' }] });
    const s = await d.resume('continue', { threadId: tid });
    assert.equal(s.body.reason, 'data breakpoint');
    assert.match(s.body.description!, /^write of 0x2000_0000 \(PA 0x1_0000_0000\) in VS1 hit watchpoint/);
    await d.ok('continue', { threadId: tid });
    await d.event('terminated');
  });

  test('an address with a byte count (asAddress, bytes) is a physical watch of that many bytes', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: GATE });
    const info = await d.ok<Info>('dataBreakpointInfo', { name: '0x8f_fffc', asAddress: true, bytes: 8 });
    assert.equal(info.dataId, 'pa:0x8f_fffc/8');
    assert.match(info.description, /^8 bytes at pa:0x8f_fffc/);
    await d.ok('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId!, accessType: 'write' }] });
    const s = await d.resume('continue', { threadId: tid });
    assert.equal(s.body.reason, 'data breakpoint');
    assert.match(s.body.description!, /^write of 0x0090_0000 \(PA 0x90_0000\) in VS1/);
  });

  test('dataBreakpointInfo explains what cannot be watched; a bad data id is unverified', async () => {
    const d = await open();
    await d.launchStopped({ program: GATE });
    const cases: [string, RegExp][] = [
      ['bogus', /bogus is not an address: write pa:0x1000_0000 or vs1:0x2000_0000/],
      ['vs9:0x0', /no space named vs9/],
      ['pa:0x10_0000_0000', /beyond the 36-bit physical space/],
    ];
    for (const [name, why] of cases) {
      const info = await d.ok<Info>('dataBreakpointInfo', { name });
      assert.equal(info.dataId, null);
      assert.match(info.description, why);
    }
    const tooBig = await d.ok<Info>('dataBreakpointInfo', { name: 'pa:0x1000', bytes: 1 << 20 });
    assert.equal(tooBig.dataId, null);
    const set = await d.ok<Body<DebugProtocol.SetDataBreakpointsResponse>>('setDataBreakpoints', { breakpoints: [{ dataId: 'junk' }] });
    assert.deepEqual(set.breakpoints, [{ verified: false, message: 'bad data id junk: write REFERENCE/SIZE, e.g. vs1:0x2000_0000/4' }]);
  });

  test('a function breakpoint "watch pa:ADDR + BYTES" is a data breakpoint on any memory reference, listed and hit by its own id', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: GATE });
    const fn = await d.ok<Body<DebugProtocol.SetFunctionBreakpointsResponse>>('setFunctionBreakpoints', { breakpoints: [{ name: 'watch pa:0x8f_fffc + 8' }] });
    assert.equal(fn.breakpoints[0].verified, true);
    assert.equal(fn.breakpoints[0].message, '8 bytes at pa:0x8f_fffc, on write (physical: any space)');
    const s = await d.resume('continue', { threadId: tid });
    assert.equal(s.body.reason, 'data breakpoint');
    assert.deepEqual(s.body.hitBreakpointIds, [fn.breakpoints[0].id]);
    assert.match(s.body.description!, /^write of 0x0090_0000 \(PA 0x90_0000\) in VS1/);
  });

  test('"watch" names that cannot be watched say why; data breakpoints keep their ids when function breakpoints change', async () => {
    const d = await open();
    await d.launchStopped({ program: GATE });
    const data = await d.ok<Body<DebugProtocol.SetDataBreakpointsResponse>>('setDataBreakpoints', { breakpoints: [{ dataId: 'vs1:0x2000_0000/4', accessType: 'write' }] });
    const fn = await d.ok<Body<DebugProtocol.SetFunctionBreakpointsResponse>>('setFunctionBreakpoints', {
      breakpoints: [{ name: 'watch vs9:0x0' }, { name: 'watch' }, { name: 'watch pa:0x10_0000_0000' }, { name: 'watch pa:0x1000 + lots' }, { name: 'watch read vs1:0x2000_0000' }],
    });
    assert.deepEqual(fn.breakpoints.slice(0, 4).map((b) => [b.verified, b.message]), [
      [false, 'no space named vs9 (spaces: VS0, VS1, VS2, or pa)'],
      [false, 'write watch [read|write|access] REFERENCE [+ BYTES], e.g. watch pa:0x1_0000_0000 + 8'],
      [false, fn.breakpoints[2].message],
      [false, 'lots is not a byte count'],
    ]);
    assert.match(fn.breakpoints[2].message!, /beyond the 36-bit physical space/);
    assert.equal(fn.breakpoints[4].message, '4 bytes at vs1:0x2000_0000, on read (VS1: follows the page tables)');
    const again = await d.ok<Body<DebugProtocol.SetDataBreakpointsResponse>>('setDataBreakpoints', { breakpoints: [{ dataId: 'vs1:0x2000_0000/4', accessType: 'write' }] });
    assert.equal(again.breakpoints[0].id, data.breakpoints[0].id);
    assert.notEqual(fn.breakpoints[4].id, data.breakpoints[0].id);
  });
});
