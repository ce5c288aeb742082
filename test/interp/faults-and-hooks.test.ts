// Page faults as stop reasons (VA, error code, CR2, the faulting instruction), faults that go to a
// handler, and the debugger's hooks: VS-switch stops, physical and virtual watchpoints, TLB-miss stops.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CR0_PE, CR0_PG } from '../../emulator/index';
import { enter, layoutOf, load, pcOf, pteAddress, run } from './helpers';

/** C1, C2 and C3 as in the patent; C4 small; VS1 maps C4 read-only at 0x2000_0000 and nothing above it. */
const READ_ONLY = layoutOf({
  name: 'read-only window',
  chunks: [
    { name: 'C1', base: '0x0', size: '512M' },
    { name: 'C2', base: '0x2000_0000', size: '3.25G' },
    { name: 'C3', base: '0xF000_0000', size: '256M' },
    { name: 'C4', base: '0x1_0000_0000', size: '4M' },
  ],
  spaces: [
    { name: 'VS0', paging: false },
    { name: 'VS1', map: [
      { va: '0x0', chunk: 'C1', global: true },
      { va: '0x2000_0000', chunk: 'C4', writable: false },
    ] },
  ],
  pageTables: { base: '0xEF00_0000', size: '16M' },
});

describe('page faults without a handler', () => {
  test('a read of an unmapped VA stops at the instruction with VA, error code and CR2', () => {
    // VA bits 31..30 = 2: the third PDPT entry, which VS1 leaves not present.
    const s = run(`
start:${enter('VS1')}
    mov r3, 0x8000_0000
    mov r4, 77
    ld32 r4, [r3 + 0x10]
    halt
`, { layout: READ_ONLY });
    assert.equal(s.stop.kind, 'fault');
    assert.ok(s.stop.kind === 'fault');
    const pc = pcOf(s.program, 'ld32');
    assert.deepEqual(s.stop, {
      kind: 'fault', thread: 0, cpu: 0, pc,
      fault: { kind: 'page-fault', va: 0x8000_0010, errorCode: 0, reason: 'not-present', level: 'PDPTE', write: false, user: false, space: 'VS1' },
    });
    const t = s.interp.threads[0];
    assert.equal(s.machine.processors[0].cr2, 0x8000_0010);
    assert.equal(t.pc, pc, 'the thread stays on the faulting instruction');
    assert.equal(s.interp.register(t, 4), 77n, 'the load did not complete');
    assert.equal(t.retired, pc, 'the faulting instruction is not retired');
  });

  test('a write to an unmapped VA has error code 2 (W)', () => {
    const s = run(`start:${enter('VS1')}\n    mov r3, 0x9000_0000\n    st8 [r3], 1\n    halt\n`, { layout: READ_ONLY });
    assert.ok(s.stop.kind === 'fault' && s.stop.fault.kind === 'page-fault');
    assert.equal(s.stop.fault.errorCode, 2);
    assert.equal(s.stop.fault.write, true);
  });

  test('a write to a read-only page: allowed with CR0.WP clear, error code 3 (P|W) with it set', () => {
    const prog = (wp: string) => `
start:
    mov r1, VS1_CR3
    mov cr3, r1
    mov r1, CR0_PE | CR0_PG ${wp}
    mov cr0, r1
    mov r3, 0x2000_0000
    st32 [r3], 5
    ld32 r4, [r3]
    halt
`;
    const off = run(prog(''), { layout: READ_ONLY });
    assert.deepEqual(off.stop, { kind: 'halted' });
    assert.equal(off.interp.register(off.interp.threads[0], 4), 5n);
    const on = run(prog('| CR0_WP'), { layout: READ_ONLY });
    assert.ok(on.stop.kind === 'fault' && on.stop.fault.kind === 'page-fault');
    assert.equal(on.stop.fault.errorCode, 3);
    assert.equal(on.stop.fault.reason, 'write-protect');
    assert.equal(on.stop.pc, pcOf(on.program, 'st32'));
    assert.equal(on.machine.memory.read32(0x1_0000_0000), 0, 'nothing was written');
  });

  test('a page-crossing store faults before writing anything', () => {
    const s = run(`start:${enter('VS1')}\n    mov r3, 0x203F_FFFC\n    st64 [r3], -1\n    halt\n`, { layout: READ_ONLY });
    // C4's 4 MiB end at VA 0x2040_0000: the first page is mapped (read-only, but WP is clear), the
    // second is not. The fault is on the second page, and the first must be unchanged.
    assert.ok(s.stop.kind === 'fault' && s.stop.fault.kind === 'page-fault');
    assert.equal(s.stop.fault.va, 0x2040_0000);
    assert.equal(s.stop.fault.level, 'PDE');
    assert.equal(s.machine.memory.read32(0x1_003f_fffc), 0);
  });

  test('after the debugger maps the page, resuming retries the instruction and completes it', () => {
    const s = load(`
.org vs1:0x2000_3000
    .quad 0xF00D
start:${enter('VS1')}
    mov r3, 0x2000_3000
    ld64 r4, [r3]
    halt
`);
    const pte = pteAddress(s.machine, 'VS1', 0x2000_3000);
    const saved = s.machine.memory.read32(pte);
    s.machine.memory.write32(pte, saved & ~1);
    const stop = s.interp.run(100);
    assert.ok(stop.kind === 'fault' && stop.fault.kind === 'page-fault');
    assert.equal(stop.fault.level, 'PTE');
    s.machine.memory.write32(pte, saved);
    assert.deepEqual(s.interp.run(100), { kind: 'halted' });
    assert.equal(s.interp.register(s.interp.threads[0], 4), 0xf00dn);
  });
});

describe('page faults with a handler', () => {
  const src = `
start:
    handler on_fault
${enter('VS1')}
    mov r3, 0x8000_0000
    ld32 r4, [r3]
    halt
on_fault:
    pop r6
    mov r3, 0x0030_0000             ; retry somewhere mapped
    iret
`;

  test('the handler runs and the retried instruction completes', () => {
    const s = run(src, { layout: READ_ONLY });
    assert.deepEqual(s.stop, { kind: 'halted' });
    assert.equal(s.interp.register(s.interp.threads[0], 6), 0n);
  });

  test('with breakOnHandledFault the run stops at the handler\'s first instruction', () => {
    const s = load(src, { layout: READ_ONLY });
    s.interp.breakOnHandledFault = true;
    s.interp.updateHooked();
    const stop = s.interp.run(100);
    assert.equal(stop.kind, 'fault-handled');
    assert.ok(stop.kind === 'fault-handled');
    assert.equal(stop.pc, pcOf(s.program, 'pop r6'));
    assert.equal(stop.faultingPc, pcOf(s.program, 'ld32'));
    assert.ok(stop.fault.kind === 'page-fault' && stop.fault.va === 0x8000_0000);
    assert.equal(s.interp.threads[0].pc, stop.pc);
    // The two pushes: the text address of the faulting instruction under the error code.
    const sp = Number(s.interp.register(s.interp.threads[0], 15));
    assert.equal(sp, 0x0100_0000 - 16);
    assert.equal(s.machine.memory.read64(sp), 0n);
    assert.equal(s.machine.memory.read64(sp + 8), BigInt(stop.faultingPc * 4));
    assert.deepEqual(s.interp.run(100), { kind: 'halted' });
  });
});

describe('VS-switch stops', () => {
  const src = `
start:
    mov r1, VS1_CR3
    mov cr3, r1                     ; paging off: CR3 changes but the space does not
    mov r2, CR0_PE | CR0_PG
    mov cr0, r2                     ; VS0 -> VS1
    mov r1, VS1_CR3
    mov cr3, r1                     ; the same PDPT again: no switch
    mov r1, VS2_CR3
    mov cr3, r1                     ; VS1 -> VS2
    mov r2, CR0_PE
    mov cr0, r2                     ; VS2 -> VS0
    halt
`;

  test('every change of space stops after the instruction that made it', () => {
    const s = load(src);
    s.interp.breakOnVsSwitch = true;
    const stops = [];
    for (;;) {
      const stop = s.interp.run(100);
      if (stop.kind === 'halted') break;
      assert.equal(stop.kind, 'vs-switch');
      stops.push(stop);
      assert.ok(stop.kind === 'vs-switch');
      assert.equal(s.interp.threads[0].pc, stop.pc + 1, 'the instruction has completed');
    }
    assert.deepEqual(stops.map((x) => x.kind === 'vs-switch' && [x.pc, x.from, x.to, x.fromPaging, x.toPaging]), [
      [3, 'VS0', 'VS1', false, true],
      [7, 'VS1', 'VS2', true, true],
      [9, 'VS2', 'VS0', true, false],
    ]);
    const second = stops[1];
    assert.ok(second.kind === 'vs-switch');
    assert.equal(second.fromCr3, 0xef00_0000);
    assert.equal(second.toCr3, 0xef00_0020);
    assert.equal(stops[0].kind === 'vs-switch' && stops[0].fromCr3, 0xef00_0000, 'CR3 was loaded while paging was off');
  });

  test('vsSwitchTargets limits the stops to switches into those spaces', () => {
    const s = load(src);
    s.interp.breakOnVsSwitch = true;
    s.interp.vsSwitchTargets = new Set(['VS2']);
    const stop = s.interp.run(100);
    assert.ok(stop.kind === 'vs-switch');
    assert.equal(stop.to, 'VS2');
    assert.deepEqual(s.interp.run(100), { kind: 'halted' });
  });

  test('without breakOnVsSwitch nothing stops', () => {
    assert.deepEqual(run(src).stop, { kind: 'halted' });
  });

  test('the processor really is in the new space at the stop', () => {
    const s = load(src);
    s.interp.breakOnVsSwitch = true;
    s.interp.run(100);
    assert.equal(s.interp.spaceOf(0), 'VS1');
    assert.equal(s.machine.processors[0].cr0 >>> 0, (CR0_PE | CR0_PG) >>> 0);
  });
});

describe('watchpoints', () => {
  test('a physical watch in C1 fires when VS1 writes it (C1 is mapped at the same VA)', () => {
    const s = load(`
start:${enter('VS1')}
    mov r1, 0x0030_0000
    ld64 r2, [r1]                   ; a read: not watched
    st64 [r1 + 4], 9
    nop
    halt
`);
    const w = s.interp.addWatch({ space: 'PA', address: 0x0030_0008, size: 4, read: false, write: true });
    const stop = s.interp.run(100);
    assert.deepEqual(stop, {
      kind: 'watchpoint', thread: 0, cpu: 0, pc: pcOf(s.program, 'st64'),
      hit: { id: w.id, access: 'write', va: 0x0030_0004, pa: 0x0030_0004, size: 8, space: 'VS1' },
    });
    assert.equal(s.machine.memory.read32(0x0030_0004), 9, 'the store has completed');
    assert.equal(s.interp.threads[0].pc, pcOf(s.program, 'nop'));
    assert.deepEqual(s.interp.run(100), { kind: 'halted' });
  });

  test('read watches fire on loads, not on stores; clearWatches removes them', () => {
    const src = 'start:\n    mov r1, 0x0030_0000\n    st8 [r1], 1\n    ld8 r2, [r1]\n    halt\n';
    const s = load(src);
    s.interp.addWatch({ space: 'PA', address: 0x0030_0000, size: 1, read: true, write: false });
    const stop = s.interp.run(100);
    assert.ok(stop.kind === 'watchpoint');
    assert.equal(stop.hit.access, 'read');
    assert.equal(stop.pc, 2);
    const c = load(src);
    c.interp.addWatch({ space: 'PA', address: 0x0030_0000, size: 1, read: true, write: true });
    c.interp.clearWatches();
    assert.deepEqual(c.interp.run(100), { kind: 'halted' });
  });

  test('a virtual watch follows its space\'s mapping: VS1\'s 0x2000_0000 is C4, not C2', () => {
    const src = `
start:
    mov r1, 0x2000_0000
    st32 [r1], 1                    ; VS0: PA 0x2000_0000 in C2
${enter('VS2')}
    st32 [r1], 2                    ; VS2: C5
    mov r2, VS1_CR3
    mov cr3, r2
    flush.range 0x2000_0000, 0xF000_0000
    st32 [r1], 3                    ; VS1: C4 at 4 GiB
    halt
`;
    const s = load(src);
    s.interp.addWatch({ space: 'VS1', address: 0x2000_0000, size: 4, read: true, write: true });
    const stop = s.interp.run(100);
    assert.ok(stop.kind === 'watchpoint');
    assert.equal(stop.pc, pcOf(s.program, 'st32', 2));
    assert.deepEqual(stop.hit, { id: 1, access: 'write', va: 0x2000_0000, pa: 0x1_0000_0000, size: 4, space: 'VS1' });
  });

  test('a page-crossing access is checked against each physical piece it touches', () => {
    const src = `start:${enter('VS1')}\n    mov r1, 0x1FFF_FFFC\n    st64 [r1], -1\n    halt\n`;
    const hitC4 = load(src);
    hitC4.interp.addWatch({ space: 'PA', address: 0x1_0000_0000, size: 4, read: false, write: true });
    const stop = hitC4.interp.run(100);
    assert.ok(stop.kind === 'watchpoint', 'the upper half of the store lands at the start of C4');
    assert.deepEqual(stop.hit, { id: 1, access: 'write', va: 0x2000_0000, pa: 0x1_0000_0000, size: 4, space: 'VS1' });
    const notC2 = load(src);
    notC2.interp.addWatch({ space: 'PA', address: 0x2000_0000, size: 4, read: false, write: true });
    assert.deepEqual(notC2.interp.run(100), { kind: 'halted' }, 'PA 0x2000_0000 (C2) is not touched');
  });

  test('a spinlock write fires a write watch', () => {
    const s = load('start:\n    mov r1, 0x0030_0000\n    spin.lock [r1]\n    spin.unlock [r1]\n    halt\n');
    s.interp.addWatch({ space: 'PA', address: 0x0030_0000, size: 4, read: false, write: true });
    const stop = s.interp.run(100);
    assert.ok(stop.kind === 'watchpoint');
    assert.equal(stop.pc, 1);
  });
});

describe('TLB-miss stops', () => {
  test('the first access to a page in a paged space stops after it; a second access hits', () => {
    const s = load(`
start:${enter('VS1')}
    mov r1, 0x2000_0000
    ld32 r2, [r1]
    ld32 r3, [r1 + 8]
    st32 [r1 + 0x1000], 1
    halt
`);
    s.interp.breakOnTlbMiss = true;
    s.interp.updateHooked();
    const first = s.interp.run(100);
    assert.deepEqual(first, { kind: 'tlb-miss', thread: 0, cpu: 0, pc: pcOf(s.program, 'ld32 r2'), va: 0x2000_0000, write: false, space: 'VS1' });
    const second = s.interp.run(100);
    assert.deepEqual(second, { kind: 'tlb-miss', thread: 0, cpu: 0, pc: pcOf(s.program, 'st32'), va: 0x2000_1000, write: true, space: 'VS1' });
    assert.deepEqual(s.interp.run(100), { kind: 'halted' });
  });

  test('with paging off there is no TLB and no miss', () => {
    const s = load('start:\n    mov r1, 0x2000_0000\n    ld32 r2, [r1]\n    halt\n');
    s.interp.breakOnTlbMiss = true;
    s.interp.updateHooked();
    assert.deepEqual(s.interp.run(100), { kind: 'halted' });
  });
});
