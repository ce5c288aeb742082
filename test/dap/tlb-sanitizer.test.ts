// The TLB-coherence sanitizer over DAP: the "Stale TLB use" exception filter stops at the stale access
// with a description naming the processor, the page, what the TLB and the tables say, the write that made
// it stale and the flush that fixes it; the mover/tlbFindings event carries the findings with source
// positions, at the stop and at the end; the checkTlb launch attribute runs it without stopping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { example, overBothTransports, type Body, type Dap } from './harness';
import { STOP_TLB_STALE, TLB_FINDINGS_EVENT, type TlbFindingsBody } from '../../debug-adapter/protocol';

const MISSING = example('missing-flush.mover');
const line = (re: RegExp) => readFileSync(MISSING, 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;
const STALE_READ = line(/BUG: the PTE says frame B/);
const REMAP = line(/PTE 0 now maps frame B/);
type Info = Body<DebugProtocol.ExceptionInfoResponse>;

async function findings(d: Dap): Promise<TlbFindingsBody> {
  const e = await d.event(TLB_FINDINGS_EVENT);
  return e.body as TlbFindingsBody;
}

overBothTransports('tlb sanitizer', (open) => {
  test('"Stale TLB use" stops at the stale read on cpu0 with the remap by cpu1 and the fix in its description', async () => {
    const d = await open();
    const r = await d.launch({ program: MISSING, stopOnEntry: false }, async () => { await d.ok('setExceptionBreakpoints', { filters: ['tlb-stale'] }); });
    assert.equal(r.success, true, r.message);
    const s = await d.stopped();
    assert.equal(s.body.reason, STOP_TLB_STALE);
    assert.match(s.body.description!, /^stale TLB use: cpu0 read 0x2000_0000 in VS1 through a stale TLB entry at missing-flush\.mover:36: the TLB says frame 0x1_0000_0000 RW U D, the page tables now say frame 0x1_0000_5000 RW U; made stale by cpu1's write of the PTE at 0x\S+ at missing-flush\.mover:58, \d+ instructions earlier; fix: invlpg \[0x2000_0000\] on cpu0 after cpu1's write \(or flush\.range 0x2000_0000, 0x2000_1000\)$/);
    assert.equal(s.body.text, s.body.description);
    const info = await d.ok<Info>('exceptionInfo', { threadId: s.body.threadId });
    assert.equal(info.exceptionId, 'tlb-stale');
    assert.equal(info.details?.typeName, 'Stale TLB use');
    // The event came with the stop: the stale use at its line, and the shootdown warning at the write.
    const body = await findings(d);
    assert.equal(body.final, false);
    const use = body.findings.find((f) => f.kind === 'stale-use')!;
    assert.equal(use.severity, 'error');
    assert.equal(use.cpu, 0);
    assert.equal(use.va, '0x2000_0000');
    assert.equal(use.source?.path, MISSING);
    assert.equal(use.source?.line, STALE_READ);
    assert.equal(use.source?.column, 5);
    assert.equal(use.write?.cpu, 1);
    assert.equal(use.write?.source?.line, REMAP);
    const warn = body.findings.find((f) => f.kind === 'shootdown')!;
    assert.equal(warn.severity, 'warning');
    assert.equal(warn.source?.line, REMAP);
    // The top frame is the reader, just after the access.
    const frame = await d.topFrame(s.body.threadId!);
    assert.equal(frame.line, STALE_READ + 1);
    await d.ok('continue', { threadId: s.body.threadId });
    await d.event('terminated');
    // Nothing new at the end: the findings were sent once.
    assert.deepEqual(d.take(TLB_FINDINGS_EVENT), []);
    assert.deepEqual(d.take('stopped'), []);
  });

  test('checkTlb: true reports the findings at the end without stopping', async () => {
    const d = await open();
    const r = await d.launch({ program: MISSING, stopOnEntry: false, checkTlb: true });
    assert.equal(r.success, true, r.message);
    const body = await findings(d);
    await d.event('terminated');
    assert.equal(body.final, true);
    assert.deepEqual(body.findings.map((f) => [f.kind, f.source?.line]).sort(), [['shootdown', REMAP], ['stale-use', STALE_READ]]);
    assert.deepEqual(d.take('stopped'), []);
  });

  test('a correct shootdown sends no findings, with the filter on', async () => {
    const d = await open();
    const r = await d.launch({ program: example('shootdown.mover'), stopOnEntry: false, checkTlb: true }, async () => { await d.ok('setExceptionBreakpoints', { filters: ['tlb-stale'] }); });
    assert.equal(r.success, true, r.message);
    await d.event('terminated');
    assert.deepEqual(d.take(TLB_FINDINGS_EVENT), []);
    assert.deepEqual(d.take('stopped'), []);
  });

  test('a bad checkTlb is refused', async () => {
    const d = await open();
    const r = await d.launch({ program: MISSING, checkTlb: 'yes' });
    assert.equal(r.success, false);
    assert.match(r.message ?? '', /"checkTlb" must be true or false/);
  });
});
