// The patent's modules under the debugger: the FIG. 7 gate stopping on the switch into VS1, a physical
// watch on C1 hit from VS1, and the [00052] snapshot example inspected through variables and readMemory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { example, overBothTransports, type Body } from './harness';
import { STOP_VS_SWITCH } from '../../debug-adapter/protocol';

overBothTransports('modules', (open) => {
  test('FIG. 7: a VS-switch filter for VS1 stops inside the gate, with from/to and CR3 in exceptionInfo', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: example('fig7-dnlc.mover') }, async () => {
      await d.ok('setExceptionBreakpoints', { filters: [], filterOptions: [{ filterId: 'vs-switch', condition: 'VS1' }] });
    });
    const s = await d.resume('continue', { threadId: tid });
    assert.equal(s.body.reason, STOP_VS_SWITCH);
    // VS1's PDPT is the first in the page-table area at 0xEF00_0000 (the patent layout).
    assert.match(s.body.description ?? '', /^Switched VS0 -> VS1 \(CR3 0xef00_0000\) at vsgate\.mover:\d+$/);
    const info = await d.ok<Body<DebugProtocol.ExceptionInfoResponse>>('exceptionInfo', { threadId: s.body.threadId });
    assert.equal(info.exceptionId, 'vs-switch');
    assert.match(info.details?.message ?? '', /^VS0 \(paging off\) -> VS1 \(CR3 0xef00_0000\) on cpu\d$/);
    const frame = await d.topFrame(s.body.threadId!);
    assert.equal(frame.name, 'vs_call · VS1');
    assert.equal(frame.source?.name, 'vsgate.mover');
  });

  test('a physical watch on the per-processor region in C1 fires on the write made from VS1 (step 95)', async () => {
    const d = await open();
    // cpu0's region is at 0x0010_0000; percpu.result is at offset 40 (fn 8 + args 4 x 8 bytes).
    const tid = await d.launchStopped({ program: example('fig7-dnlc.mover') }, async () => {
      const info = await d.ok<Body<DebugProtocol.DataBreakpointInfoResponse>>('dataBreakpointInfo', { name: 'pa:0x0010_0028', bytes: 8 });
      assert.ok(info.dataId);
      await d.ok('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId, accessType: 'write' }] });
    });
    const spaces: string[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await d.resume('continue', { threadId: tid });
      assert.equal(s.body.reason, 'data breakpoint');
      const m = /write of 0x0010_0028 \(PA 0x10_0028\) in (VS\d) hit watchpoint/.exec(s.body.description ?? '');
      assert.ok(m, s.body.description);
      spaces.push(m[1]);
      if (m[1] === 'VS1') break;
    }
    // boot_cpu clears the region from VS0 first; the gate's step 95 writes the result from VS1.
    assert.equal(spaces[0], 'VS0');
    assert.equal(spaces.at(-1), 'VS1');
  });

  test('[00052]: the snapshot queue through the Modules scope and the header through readMemory', async () => {
    const d = await open();
    const file = example('snapshot-00052.mover');
    const tid = await d.launchStopped({ program: file }, async () => {
      await d.ok('setBreakpoints', { source: { path: file }, breakpoints: [{ line: 91 }] });
    });
    const s = await d.resume('continue', { threadId: tid });
    assert.equal(s.body.reason, 'breakpoint');
    const frame = await d.topFrame(tid);
    const modules = await d.scopeVariables(frame.id, 'Modules');
    const snaps = modules.find((v) => v.name === 'snapshots');
    assert.ok(snaps, modules.map((v) => v.name).join(', '));
    assert.match(snaps.value, /^snap_header at vs2:0x2000_0000$/);
    const { variables } = await d.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: snaps.variablesReference });
    const field = (n: string) => variables.find((v) => v.name === n)?.value ?? '';
    assert.match(field('count'), /^1 /);
    assert.match(field('cofw'), /^2 /, 'a and b were copied on first write');
    assert.match(field('writes'), /^10 /, 'eight initial writes, then a1 and b1');
    // Typed pointers open into the queue entry: the head is snapshot 1, its save volume holds 2 blocks.
    const head = variables.find((v) => v.name === 'head');
    assert.ok(head && head.variablesReference > 0, 'head opens into a snap_entry');
    assert.match(head.value, /^0x[0-9a-f_]+ → snap_entry$/);
    const entry = (await d.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: head.variablesReference })).variables;
    assert.match(entry.find((v) => v.name === 'id')?.value ?? '', /^1 /);
    assert.match(entry.find((v) => v.name === 'next_free')?.value ?? '', /^2 /);
    assert.equal(entry.find((v) => v.name === 'younger')?.value, 'null', 'the head is also the tail');
    // The header in C5 read through VS2's page tables: count (offset 12) = 1, clone volume (offset 4) = 0.
    const mem = await d.ok<Body<DebugProtocol.ReadMemoryResponse>>('readMemory', { memoryReference: 'vs2:0x2000_0000', count: 16 });
    const bytes = Buffer.from(mem.data ?? '', 'base64');
    assert.equal(bytes.readUInt32LE(12), 1);
    assert.equal(bytes.readUInt32LE(4), 0);
    // The same bytes physically, in C5.
    const phys = await d.ok<Body<DebugProtocol.ReadMemoryResponse>>('readMemory', { memoryReference: 'pa:0x1_d000_0000', count: 16 });
    assert.equal(phys.data, mem.data);
    // The last block the snapshot read back, in cpu0's block buffer in C1: "h0".
    const buf = await d.ok<Body<DebugProtocol.ReadMemoryResponse>>('readMemory', { memoryReference: 'pa:0x0010_1000', count: 2 });
    assert.equal(Buffer.from(buf.data ?? '', 'base64').toString('latin1'), 'h0');
  });

  test('the copy-on-first-write filter stops on each copy with the block numbers', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: example('snapshot-00052.mover') }, async () => {
      await d.ok('setExceptionBreakpoints', { filters: ['copy-on-first-write'] });
    });
    const first = await d.resume('continue', { threadId: tid });
    assert.equal(first.body.description, 'copy-on-first-write: block 0 copied to save block 0');
    const info = await d.ok<Body<DebugProtocol.ExceptionInfoResponse>>('exceptionInfo', { threadId: first.body.threadId });
    assert.equal(info.details?.message, 'clone block 0 -> save volume block 0');
    const second = await d.resume('continue', { threadId: tid });
    assert.equal(second.body.description, 'copy-on-first-write: block 1 copied to save block 1');
  });
});
