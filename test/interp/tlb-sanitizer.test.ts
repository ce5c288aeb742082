// The TLB-coherence sanitizer (issue 17): a stale TLB use is found at the access, with the write that
// made it stale and the flush that would fix it; a correct shootdown, the FIG. 7 gate and the library's
// modules have no finding; a write through an entry made read-only counts; `.expect_stale` marks an
// intended one; the sanitizer changes nothing about the run; the stale-TLB stop hook stops at the access.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { Interpreter, Machine, Tlb, TLB_DIRTY, TLB_RW, assemble, nodeSourceHost, type InterpreterOptions, type Program, type TlbFinding } from '../../emulator/index';
import { LIB, ROOT } from './helpers';

const EXAMPLES = path.join(ROOT, 'examples');

function build(file: string, text?: string): Program {
  const src = text ?? readFileSync(file, 'utf8');
  const r = assemble(file, src, { host: { readFile: (f) => (f === file ? src : nodeSourceHost.readFile(f)) }, includePath: [LIB] });
  assert.ok(r.program, r.diagnostics.map((d) => `${d.span.line + 1}:${d.span.col + 1} ${d.message}`).join('\n'));
  return r.program;
}

function run(program: Program, options: InterpreterOptions = { checkTlb: true }, cpus = 2): { interp: Interpreter; machine: Machine; findings: readonly TlbFinding[] } {
  const machine = new Machine({ cpus });
  const interp = new Interpreter(machine, program, options);
  const stop = interp.run(50_000_000);
  assert.equal(stop.kind, 'halted', JSON.stringify(stop, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  interp.sanitizer?.finish();
  return { interp, machine, findings: interp.sanitizer?.findings ?? [] };
}

/** The line (one-based) of the first source line matching `re` in a file. */
function lineOf(file: string, re: RegExp): number {
  return readFileSync(file, 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;
}

function fingerprint(interp: Interpreter, machine: Machine): string {
  const h = createHash('sha256');
  for (const t of interp.threads) {
    h.update(`${t.id} ${t.state} ${t.pc} ${t.retired}`);
    for (let r = 0; r < 16; r++) h.update(interp.register(t, r).toString(16) + ',');
  }
  for (const p of machine.processors) h.update(`${p.id} ${p.cr0} ${p.cr3} ${JSON.stringify(p.tlb.counters)}`);
  h.update(JSON.stringify(interp.output)).update(`${interp.retired}`);
  for (const pfn of machine.memory.touchedPages()) h.update(`${pfn}:`).update(machine.memory.readBytes(pfn * 4096, 4096));
  return h.digest('hex');
}

const MISSING = path.join(EXAMPLES, 'missing-flush.mover');

describe('TLB sanitizer', () => {
  test('missing-flush.mover: caught at the stale read on cpu0, naming the remap by cpu1 and the fix', () => {
    const { findings, interp } = run(build(MISSING));
    const uses = findings.filter((f) => f.kind === 'stale-use');
    assert.equal(uses.length, 1, findings.map((f) => f.message).join('\n'));
    const f = uses[0];
    const p = interp.program;
    assert.equal(f.severity, 'error');
    assert.equal(f.expected, false);
    assert.equal(f.cpu, 0);
    assert.equal(f.space, 'VS1');
    assert.equal(f.va, 0x2000_0000);
    assert.equal(f.access, 'read');
    assert.equal(p.srcLine[f.pc] + 1, lineOf(MISSING, /BUG: the PTE says frame B/));
    assert.match(f.tlbSaid, /^frame 0x1_0000_0000 RW U/);
    assert.match(f.tablesSay, /^frame 0x1_0000_5000 RW U/);
    assert.ok(f.write);
    assert.equal(f.write.cpu, 1);
    assert.equal(f.write.kind, 'store');
    assert.equal(f.write.level, 'PTE');
    assert.equal(p.srcLine[f.write.pc] + 1, lineOf(MISSING, /PTE 0 now maps frame B/));
    assert.ok(f.ago !== null && f.ago > 0 && f.ago === f.clock - f.write.clock);
    assert.match(f.fix, /^invlpg \[0x2000_0000\] on cpu0 .*flush\.range 0x2000_0000, 0x2000_1000/);
    assert.match(f.message, /^cpu0 read 0x2000_0000 in VS1 through a stale TLB entry at missing-flush\.mover:36: .* made stale by cpu1's write of the PTE at 0x\S+ at missing-flush\.mover:58, \d+ instructions earlier; fix: invlpg/);
    // The shootdown warning is at the write, recorded before the use it led to.
    const w = findings.filter((x) => x.kind === 'shootdown');
    assert.equal(w.length, 1);
    assert.equal(w[0].severity, 'warning');
    assert.equal(w[0].cpu, 0);
    assert.equal(w[0].pc, f.write.pc);
    assert.ok(w[0].clock < f.clock);
    assert.match(w[0].message, /^cpu1 wrote the PTE at 0x\S+ at missing-flush\.mover:58, which left cpu0's TLB entry for 0x2000_0000 \(VS1\) stale .* no shootdown reached cpu0/);
  });

  test('a remap shot down on every processor (shootdown.mover) has no finding', () => {
    const { findings, interp } = run(build(path.join(EXAMPLES, 'shootdown.mover')));
    assert.deepEqual(findings.map((f) => f.message), []);
    assert.match(interp.output.map((l) => l.text).join('\n'), /after the shootdown: frame B/);
  });

  for (const name of ['fig7-dnlc.mover', 'fig5-layout.mover', 'fig4-walk.mover', 'snapshot-00052.mover', 'fig11-three-snapshots.mover']) {
    test(`${name} (the gate and the library's vsgate, dnlc, snapshot) has no finding`, () => {
      const { findings } = run(build(path.join(EXAMPLES, name)));
      assert.deepEqual(findings.map((f) => f.message), []);
    });
  }

  test('a write through an entry whose PTE became read-only is caught; reads through it are not', () => {
    const src = readFileSync(MISSING, 'utf8')
      .replace('or r2, r2, CR0_PG', 'or r2, r2, CR0_PG | CR0_WP') // supervisor writes honour R/W
      .replace('mov r4, FRAME_B\n    or r4, r4, PTE_P | PTE_RW | PTE_US', 'ld64 r4, [r3]\n    and r4, r4, ~PTE_RW')
      .replace('ld32 r4, [r3]                   ; BUG', 'ld32 r7, [r3]                   ; a read: the frame is the same\n    st32 [r3], 0xCCCC               ; BUG')
      .replace(/ {4}print "cpu0 reads \{r4\} after the remap[^\n]*\n {4}assert[^\n]*\n/, '')
      .replace('assert r4, 0xBBBB', 'assert r4, 0xCCCC');
    const file = path.join(EXAMPLES, 'readonly-generated.mover');
    const { findings, interp } = run(build(file, src));
    const uses = findings.filter((f) => f.kind === 'stale-use');
    assert.equal(uses.length, 1, findings.map((f) => f.message).join('\n'));
    const f = uses[0];
    assert.equal(f.access, 'write');
    assert.equal(interp.program.text[f.pc], 'st32 [r3], 0xCCCC');
    assert.match(f.tlbSaid, /^frame 0x1_0000_0000 RW U D/);
    assert.match(f.tablesSay, /^a write faults \(write-protect at the PTE\)/);
    assert.equal(f.write?.cpu, 1);
    assert.match(f.message, /^cpu0 wrote 0x2000_0000 in VS1 through a stale TLB entry/);
  });

  test('.expect_stale marks an intended stale use: reported as expected (info), not as an error', () => {
    const src = readFileSync(MISSING, 'utf8').replace('    ld32 r4, [r3]                   ; BUG', '    .expect_stale\n    ld32 r4, [r3]                   ; BUG');
    const { findings } = run(build(MISSING, src));
    assert.ok(findings.length >= 1);
    for (const f of findings) { assert.equal(f.expected, true); assert.equal(f.severity, 'info'); }
    assert.match(findings.find((f) => f.kind === 'stale-use')!.message, /\(expected: \.expect_stale\)$/);
  });

  test('.expect_stale needs an instruction after it and takes no operands', () => {
    const file = path.join(EXAMPLES, 'bad-generated.mover');
    const r = assemble(file, 'start:\n    .expect_stale 1\n    halt\n    .expect_stale\n', { host: nodeSourceHost, includePath: [LIB] });
    assert.deepEqual(r.diagnostics.map((d) => `${d.span.line + 1}: ${d.message}`), ['2: .expect_stale takes no operands: put it on the line before the access']);
    const r2 = assemble(file, 'start:\n    .expect_stale\n.equ X, 1\n    halt\n', { host: nodeSourceHost, includePath: [LIB] });
    assert.match(r2.diagnostics.map((d) => d.message).join('\n'), /must be followed by an instruction/);
  });

  test('the sanitizer changes nothing about the run (same registers, memory, TLB counters, output)', () => {
    for (const name of ['missing-flush.mover', 'fig7-dnlc.mover', 'snapshot-00052.mover']) {
      const p = build(path.join(EXAMPLES, name));
      const off = run(p, {});
      const on = run(p, { checkTlb: true });
      assert.equal(fingerprint(on.interp, on.machine), fingerprint(off.interp, off.machine), name);
      assert.equal(off.interp.sanitizer, null);
    }
  });

  test('the stale-TLB stop hook stops after the stale access, with the finding; expected uses do not stop', () => {
    const p = build(MISSING);
    const machine = new Machine({ cpus: 2 });
    const interp = new Interpreter(machine, p);
    assert.equal(interp.sanitizer, null);
    interp.setStopHooks({ vsSwitch: null, handledFault: false, tlbMiss: false, events: new Set(), staleTlb: true });
    assert.ok(interp.sanitizer);
    const stop = interp.run(10_000_000);
    assert.equal(stop.kind, 'tlb-stale');
    assert.equal(stop.cpu, 0);
    assert.equal(p.srcLine[stop.pc] + 1, 36);
    assert.equal(stop.finding.write?.cpu, 1);
    // The access completed: the stale value is in r4, and the run goes on to the end.
    assert.equal(interp.register(interp.threads[0], 4), 0xaaaan);
    assert.equal(interp.run(10_000_000).kind, 'halted');
    interp.setStopHooks({ vsSwitch: null, handledFault: false, tlbMiss: false, events: new Set() });
    assert.equal(interp.sanitizer, null, 'off again once nothing needs it');

    const expected = build(MISSING, readFileSync(MISSING, 'utf8').replace('    ld32 r4, [r3]                   ; BUG', '    .expect_stale\n    ld32 r4, [r3]                   ; BUG'));
    const i2 = new Interpreter(new Machine({ cpus: 2 }), expected);
    i2.setStopHooks({ vsSwitch: null, handledFault: false, tlbMiss: false, events: new Set(), staleTlb: true });
    assert.equal(i2.run(10_000_000).kind, 'halted');
    assert.equal(i2.sanitizer!.findings.filter((f) => f.kind === 'stale-use').length, 1);
  });

  test('turned on mid-run, and after a checkpoint is restored, it still finds the stale use', () => {
    const p = build(MISSING);
    const interp = new Interpreter(new Machine({ cpus: 2 }), p);
    interp.run(40);
    interp.setTlbCheck(true);
    const cp = interp.checkpoint();
    assert.equal(interp.run(10_000_000).kind, 'halted');
    const first = interp.sanitizer!.findings.filter((f) => f.kind === 'stale-use').map((f) => [f.cpu, f.pc, f.clock]);
    assert.equal(first.length, 1);
    interp.restoreCheckpoint(cp);
    assert.equal(interp.sanitizer!.findings.filter((f) => f.kind === 'stale-use').length, 0, 'findings after the checkpoint have not happened yet');
    assert.equal(interp.run(10_000_000).kind, 'halted');
    assert.deepEqual(interp.sanitizer!.findings.filter((f) => f.kind === 'stale-use').map((f) => [f.cpu, f.pc, f.clock]), first);
  });

  test('the TLB keeps entries mapping watched pages off the fast write paths, and suspect ones off every fast path', () => {
    const tlb = new Tlb();
    const watched = 0x3000;
    tlb.writeWatch = (frame) => frame === watched;
    const a = tlb.fill(0x10, watched, TLB_RW | TLB_DIRTY);
    const b = tlb.fill(0x11, 0x4000, TLB_RW | TLB_DIRTY);
    assert.equal(tlb.fastWrite(0x10_000), -1, 'a store into a page of paging-structure entries takes the slow path');
    assert.equal(tlb.fastRead(0x10_000), watched, 'reads of it stay fast');
    assert.equal(tlb.fastWrite(0x11_000), 0x4000);
    tlb.blockFastWrite(b);
    assert.equal(tlb.fastWrite(0x11_000), -1, 'a page watched after the fill leaves the fast write path too');
    tlb.markSuspect(a);
    assert.equal(tlb.fastRead(0x10_000), -1, 'a suspect entry takes the checked path');
    assert.equal(tlb.lookup(0x10), a, 'and the TLB still answers with it');
    assert.equal(tlb.fastRead(0x10_000), -1, 'the lookup does not put it back in the fast cache');
    tlb.clearSuspect(a);
    assert.equal(tlb.fastRead(0x10_000), watched);
    tlb.writeWatch = null;
    tlb.unblockAll();
    assert.equal(tlb.fastWrite(0x11_000), 0x4000);
  });
});
