// Looking at a stopped machine: scopes and variables (registers, control registers with decoded bits,
// the TLB with a stale entry, the page walk, typed objects), setVariable and setExpression, readMemory
// and writeMemory with space-naming references, disassemble, the debug console, hovers, completions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { StateChangedBody } from '../../debug-adapter/protocol';
import { bytes, example, fixture, layoutFixture, lineOf, overBothTransports, program, type Dap, type Body } from './harness';

const FIG4 = example('fig4-walk.mover');
const fig4Text = readFileSync(FIG4, 'utf8');
type Read = Body<DebugProtocol.ReadMemoryResponse>;
type Vars = DebugProtocol.Variable[];

/** fig4-walk.mover stopped after its first `call touch` in VS1: the TLB is warm and 0x2000_0000 holds 0x600D. */
async function afterFirstTouch(d: Dap): Promise<{ tid: number; frameId: number }> {
  const line = lineOf('call touch                      ; the same addresses again', fig4Text);
  const tid = await d.launchStopped({ program: FIG4 }, async () => { await d.ok('setBreakpoints', { source: { path: FIG4 }, breakpoints: [{ line }] }); });
  await d.resume('continue', { threadId: tid });
  return { tid, frameId: (await d.topFrame(tid)).id };
}

/** The machine's clock at the last stop, from the mover/stateChanged events that arrived (taken). */
function stopClock(d: Dap): number {
  const changes = d.take('mover/stateChanged');
  assert.ok(changes.length > 0, 'a stop sends mover/stateChanged');
  return (changes.at(-1)!.body as StateChangedBody).retired;
}

const byName = (vars: Vars, name: string): DebugProtocol.Variable => {
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `no variable ${name} in ${vars.map((x) => x.name).join(', ')}`);
  return v;
};

overBothTransports('inspection', (open) => {
  test('scopes: registers, control registers, TLB and page walk of the frame\'s processor', async () => {
    const d = await open();
    const { frameId } = await afterFirstTouch(d);
    const { scopes } = await d.ok<Body<DebugProtocol.ScopesResponse>>('scopes', { frameId });
    assert.deepEqual(scopes.map((s) => s.name), ['Registers', 'Control registers (cpu0)', 'TLB (cpu0)', 'Page walk (cpu0, last access)']);
    assert.equal(scopes[0].presentationHint, 'registers');
    assert.ok(scopes.every((s) => s.variablesReference > 0 && s.expensive === false));
  });

  test('Registers: every general register with a memory reference in the current space, and pc', async () => {
    const d = await open();
    const { frameId } = await afterFirstTouch(d);
    const regs = await d.scopeVariables(frameId, 'Registers');
    assert.deepEqual(regs.map((r) => r.name), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'fp', 'sp', 'pc']);
    const r1 = byName(regs, 'r1');
    assert.equal(r1.value, '0x0000_0000_ef00_0000');
    assert.equal(r1.memoryReference, 'vs1:0xef00_0000');
    assert.equal(r1.evaluateName, 'r1');
    assert.match(byName(regs, 'pc').value, /^0x[0-9a-f_]+ \(instruction \d+\)$/);
  });

  test('Control registers: CR0/CR4 with decoded bits, CR3 naming its space, PDPTEs', async () => {
    const d = await open();
    const { frameId } = await afterFirstTouch(d);
    const cr = await d.scopeVariables(frameId, 'Control registers');
    assert.equal(byName(cr, 'space').value, 'VS1');
    assert.equal(byName(cr, 'CR0').value, '0x8000_0001  PG PE');
    assert.equal(byName(cr, 'CR3').value, '0xef00_0000  (VS1\'s PDPT)');
    assert.equal(byName(cr, 'CR3').memoryReference, 'pa:0xef00_0000');
    assert.equal(byName(cr, 'CR4').value, '0x0000_00a0  PGE PAE');
    assert.equal(byName(cr, 'PDPTEs').value.split(' ').length, 4);
    const bits = (await d.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: byName(cr, 'CR0').variablesReference })).variables;
    assert.deepEqual(bits.map((b) => `${b.name}=${b.value[0]}`), ['PE=1', 'WP=0', 'PG=1']);
    const cr4 = (await d.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: byName(cr, 'CR4').variablesReference })).variables;
    assert.deepEqual(cr4.map((b) => `${b.name}=${b.value[0]}`), ['PSE=0', 'PAE=1', 'PGE=1']);
  });

  test('TLB: geometry, counters and entries with their frames; Page walk: every level of the last access', async () => {
    const d = await open();
    const { frameId } = await afterFirstTouch(d);
    const tlb = await d.scopeVariables(frameId, 'TLB');
    assert.equal(byName(tlb, 'geometry').value, '16 sets x 4 ways, 5 valid');
    assert.match(byName(tlb, 'counters').value, /^hits \d+, misses 5, walks 5, flushes 1/);
    const e = byName(tlb, '0x2000_0000');
    assert.match(e.value, /^-> 0x1_0000_0000 {2}RW U D {2}set 0 way 0/);
    assert.equal(e.memoryReference, 'pa:0x1_0000_0000');
    const detail = (await d.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: e.variablesReference })).variables;
    assert.equal(byName(detail, 'stale').value, 'no');
    assert.equal(byName(detail, 'global').value, 'false');
    const walk = await d.scopeVariables(frameId, 'Page walk');
    assert.deepEqual(walk.map((v) => v.name), ['VA', 'CR3', 'PDPTE[3]', 'PDE[384]', 'PTE[0]', 'PA', 'TLB cpu0', 'TLB cpu1']);
    assert.equal(byName(walk, 'VA').value, '0xf000_0000 (read) in VS1');
    assert.equal(byName(walk, 'PA').value, '0xf000_0000  (C3)');
    assert.match(byName(walk, 'TLB cpu0').value, /^held -> 0xf000_0000/);
  });

  test('missing-flush.mover: the TLB scope marks the entry the page tables no longer agree with as STALE', async () => {
    const d = await open();
    const P = example('missing-flush.mover');
    const line = lineOf('; BUG', readFileSync(P, 'utf8'));
    const tid = await d.launchStopped({ program: P }, async () => { await d.ok('setBreakpoints', { source: { path: P }, breakpoints: [{ line }] }); });
    const s = await d.resume('continue', { threadId: tid });
    const frame = await d.topFrame(s.body.threadId!);
    const tlb = await d.scopeVariables(frame.id, 'TLB');
    const stale = byName(tlb, '0x2000_0000');
    assert.match(stale.value, /STALE/);
    assert.ok(!byName(tlb, '0x2000_5000').value.includes('STALE'));
    const detail = (await d.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: stale.variablesReference })).variables;
    assert.equal(byName(detail, 'stale').value, 'yes: the page tables now map it to 0x1_0000_5000, not 0x1_0000_0000');
    const view = await d.ok<{ processors: { entries: { va: string; stale: boolean; staleReason: string | null }[] }[] }>('mover/tlb', { cpu: 0 });
    assert.deepEqual(view.processors[0].entries.filter((x) => x.stale).map((x) => x.va), ['0x2000_0000']);
  });

  test('the Modules scope shows .object data typed by its .struct', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: fixture('objects.mover') });
    const frame = await d.topFrame(tid);
    const [names] = await d.scopeVariables(frame.id, 'Modules');
    assert.equal(names.value, 'table at vs1:0x2000_0000');
    const get = async (ref: number) => (await d.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: ref })).variables;
    const table = await get(names.variablesReference);
    assert.equal(byName(table, 'count').value, '2  (0x2)');
    const items = await get(byName(table, 'items').variablesReference);
    const first = await get(items[0].variablesReference);
    assert.deepEqual(first.map((v) => `${v.name}: ${v.value}`), ['next: 0x2000_001c', 'inode: 42  (0x2a)', 'delta: -7  (0xffff_fff9)', 'name: "passwd"']);
    const second = await get(items[1].variablesReference);
    assert.equal(byName(second, 'name').value, '"etc"');
    const evaluated = await d.evaluate('names', 'watch');
    assert.equal(evaluated.memoryReference, 'vs1:0x2000_0000', 'an object\'s address is in its own space');
  });

  test('variables with start and count page through a container; an unknown reference is empty', async () => {
    const d = await open();
    const { frameId } = await afterFirstTouch(d);
    const { scopes } = await d.ok<Body<DebugProtocol.ScopesResponse>>('scopes', { frameId });
    const page = await d.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: scopes[0].variablesReference, start: 2, count: 3 });
    assert.deepEqual(page.variables.map((v) => v.name), ['r2', 'r3', 'r4']);
    assert.deepEqual(await d.ok('variables', { variablesReference: 987654 }), { variables: [] });
  });

  test('setVariable on a register changes it and refreshes the views; other containers refuse', async () => {
    const d = await open();
    const { tid, frameId } = await afterFirstTouch(d);
    const { scopes } = await d.ok<Body<DebugProtocol.ScopesResponse>>('scopes', { frameId });
    const retired = stopClock(d);
    const set = await d.ok<Body<DebugProtocol.SetVariableResponse>>('setVariable', { variablesReference: scopes[0].variablesReference, name: 'r4', value: '0x1234 + 1' });
    assert.equal(set.value, '0x1235');
    assert.equal(set.memoryReference, 'vs1:0x1235');
    assert.equal(await d.register(tid, 'r4'), 0x1235n);
    assert.deepEqual((await d.event('mover/stateChanged')).body, { reason: 'registers', retired });
    await d.event('invalidated');
    await d.fails('setVariable', { variablesReference: scopes[0].variablesReference, name: 'pc', value: '0' }, /pc is not a general register/);
    await d.fails('setVariable', { variablesReference: scopes[0].variablesReference, name: 'r4', value: 'nosuch + 1' }, /cannot set r4: unknown symbol nosuch/);
    await d.fails('setVariable', { variablesReference: scopes[1].variablesReference, name: 'CR3', value: '0' }, /only registers can be set here/);
  });

  test('setExpression writes memory through a reference ([pa:...], [vs1:...]:64) and registers', async () => {
    const d = await open();
    const { tid, frameId } = await afterFirstTouch(d);
    const set = await d.ok<Body<DebugProtocol.SetExpressionResponse>>('setExpression', { expression: '[pa:0x1_0000_0000]', value: '0xBEEF', frameId });
    assert.equal(set.value, '0xbeef');
    const mem = await d.event<DebugProtocol.MemoryEvent>('memory');
    assert.deepEqual(mem.body, { memoryReference: 'pa:0x1_0000_0000', offset: 0, count: 4 });
    // The same bytes seen through VS1's page tables.
    assert.equal(bytes(await d.ok<Read>('readMemory', { memoryReference: 'vs1:0x2000_0000', count: 4 })).readUInt32LE(0), 0xbeef);
    await d.ok('setExpression', { expression: '[vs1:0x2000_0008]:64', value: '0x1_0000_0002', frameId });
    assert.equal(bytes(await d.ok<Read>('readMemory', { memoryReference: 'pa:0x1_0000_0008', count: 8 })).readBigUInt64LE(0), 0x1_0000_0002n);
    await d.ok('setExpression', { expression: 'r5', value: 'r1 + 1', frameId });
    assert.equal(await d.register(tid, 'r5'), 0xef00_0001n);
    await d.fails('setExpression', { expression: '[zz:0x0]', value: '1', frameId }, /no space named zz/);
    await d.fails('setExpression', { expression: '[pa:0x0]', value: '???', frameId }, /unexpected character/);
  });

  test('readMemory of pa: and vs1: references returns the bytes; offsets move the address', async () => {
    const d = await open();
    await afterFirstTouch(d);
    const viaVs1 = await d.ok<Read>('readMemory', { memoryReference: 'vs1:0x2000_0000', count: 16 });
    // DAP address fields are plain numbers (clients parse them with BigInt); the space is in the reference.
    assert.equal(viaVs1.address, '0x20000000');
    assert.equal(bytes(viaVs1).readUInt32LE(0), 0x600d);
    assert.equal(viaVs1.unreadableBytes, undefined);
    const viaPa = await d.ok<Read>('readMemory', { memoryReference: 'pa:0x1_0000_0000', offset: 0, count: 16 });
    assert.deepEqual(bytes(viaPa), bytes(viaVs1));
    const shifted = await d.ok<Read>('readMemory', { memoryReference: 'pa:0x1_0000_0000', offset: 4, count: 4 });
    assert.equal(shifted.address, '0x100000004');
    assert.equal(bytes(shifted).readUInt32LE(0), 0);
    // The same VA in VS2 is C5, which touch has not written yet.
    assert.equal(bytes(await d.ok<Read>('readMemory', { memoryReference: 'vs2:0x2000_0000', count: 4 })).readUInt32LE(0), 0);
  });

  test('readMemory of an unmapped VA answers unreadableBytes, not an error', async () => {
    const d = await open();
    await d.launchStopped({ program: program('fault.mover'), layout: layoutFixture('vs1-hole.json') });
    const hole = await d.ok<Read>('readMemory', { memoryReference: 'vs1:0x9000_0000', count: 64 });
    assert.equal(bytes(hole).length, 0);
    assert.equal(hole.unreadableBytes, 64);
    // Across the edge of the hole at 0x8020_0000: the mapped half, then the unmapped half.
    const edge = await d.ok<Read>('readMemory', { memoryReference: 'vs1:0x801f_f800', count: 4096 });
    assert.equal(bytes(edge).length, 2048);
    assert.equal(edge.unreadableBytes, 2048);
    const hover = await d.evaluate('0x9000_0000', 'hover');
    const rows = await d.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: hover.variablesReference });
    assert.match(rows.variables.find((v) => v.name === 'VS1')!.value, /^not mapped/);
  });

  test('readMemory caps absurd counts and rejects bad references and counts', async () => {
    const d = await open();
    await afterFirstTouch(d);
    const huge = await d.ok<Read>('readMemory', { memoryReference: 'pa:0x0', count: 2 ** 40 });
    assert.equal(bytes(huge).length, 1 << 20);
    const bad: [unknown, RegExp][] = [
      [{ memoryReference: 'zz:0x0', count: 4 }, /no space named zz \(spaces: VS0, VS1, VS2, or pa\)/],
      [{ memoryReference: 'pa:nonsense', count: 4 }, /not an address: "nonsense"/],
      [{ memoryReference: 'vs1:0x1_0000_0000', count: 4 }, /not a virtual address: a space is 32 bits/],
      [{ memoryReference: 'pa:0x10_0000_0000', count: 4 }, /beyond the 36-bit physical space/],
      [{ memoryReference: 'pa:0x0', count: -1 }, /readMemory needs a count of bytes/],
      [{ memoryReference: 'pa:0x0', count: 'ten' }, /readMemory: count must be a whole number \(got "ten"\)/],
      [{ count: 4 }, /readMemory needs a memoryReference/],
    ];
    for (const [args, message] of bad) {
      const r = await d.fails('readMemory', args, message);
      assert.equal(typeof (r.body.error as { id: number }).id, 'number');
    }
  });

  test('writeMemory writes through a reference and sends a memory event; unmapped pages are refused', async () => {
    const d = await open();
    await afterFirstTouch(d);
    const retired = stopClock(d);
    const data = Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64');
    const w = await d.ok<Body<DebugProtocol.WriteMemoryResponse>>('writeMemory', { memoryReference: 'vs2:0x2000_0000', offset: 4, data });
    assert.equal(w.bytesWritten, 4);
    const ev = await d.event<DebugProtocol.MemoryEvent>('memory');
    assert.deepEqual(ev.body, { memoryReference: 'vs2:0x2000_0000', offset: 4, count: 4 });
    assert.deepEqual((await d.event('mover/stateChanged', (e) => (e.body as { reason: string }).reason === 'memory')).body, { reason: 'memory', retired });
    await d.event('invalidated');
    // VS2's 0x2000_0000 is C5's first byte.
    assert.deepEqual([...bytes(await d.ok<Read>('readMemory', { memoryReference: 'pa:0x1_d000_0004', count: 4 }))], [0xde, 0xad, 0xbe, 0xef]);
    const dump = await d.evaluate('x/16x vs2:0x20000000');
    assert.match(dump.result, /^vs2:0x2000_0000: 00000000 efbeadde 00000000 00000000\n/);
    assert.equal(dump.result.split('\n').length, 4);
    await d.fails('writeMemory', { memoryReference: 'vs3:0x0', data }, /no space named vs3/);
    await d.fails('writeMemory', { memoryReference: 'pa:0x0' }, /writeMemory needs a memoryReference and base64 data/);
  });

  test('writeMemory to an unmapped VA is refused', async () => {
    const d = await open();
    await d.launchStopped({ program: program('fault.mover'), layout: layoutFixture('vs1-hole.json') });
    await d.fails('writeMemory', { memoryReference: 'vs1:0x9000_0000', data: 'AAAA' }, /vs1:0x9000_0000 is not mapped in VS1/);
  });

  test('disassemble returns instructions with their source locations and labels', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: FIG4 });
    const frame = await d.topFrame(tid);
    const { instructions } = await d.ok<Body<DebugProtocol.DisassembleResponse>>('disassemble', { memoryReference: frame.instructionPointerReference, instructionCount: 3 });
    assert.deepEqual(instructions.map((i) => [i.instruction, i.location?.name, i.line]), [
      ['call boot_cpu', 'fig4-walk.mover', frame.line],
      ['mov r1, VS1_CR3', 'fig4-walk.mover', frame.line + 1],
      ['mov cr3, r1', 'fig4-walk.mover', frame.line + 2],
    ]);
    assert.equal(instructions[0].address, frame.instructionPointerReference);
    assert.equal(instructions[0].symbol, 'start');
    const lib = await d.ok<Body<DebugProtocol.DisassembleResponse>>('disassemble', { memoryReference: '0x0', instructionCount: 1 });
    assert.equal(lib.instructions[0].location?.name, 'boot.mover');
    assert.equal(lib.instructions[0].symbol, 'boot_cpu');
    // Past the end: placeholders with their own increasing addresses, as the protocol asks.
    const tail = await d.ok<Body<DebugProtocol.DisassembleResponse>>('disassemble', { memoryReference: '0x100000', instructionCount: 2 });
    assert.deepEqual(tail.instructions.map((i) => [i.address, i.instruction, i.presentationHint]), [['0x100000', '(end of program)', 'invalid'], ['0x100004', '(end of program)', 'invalid']]);
    // What VS Code's Disassembly view asks: 50 rows before the current instruction and 50 after. Every
    // address is a plain number; the rows before text address 0 are -1 (no instruction: the view skips
    // them); the rest strictly increase, and the current instruction is at its place.
    const around = await d.ok<Body<DebugProtocol.DisassembleResponse>>('disassemble', { memoryReference: frame.instructionPointerReference, instructionOffset: -50, instructionCount: 100, resolveSymbols: true });
    assert.equal(around.instructions.length, 100);
    const real = around.instructions.filter((i) => i.address !== '-1');
    for (const i of around.instructions) assert.doesNotThrow(() => BigInt(i.address), `address ${i.address} is not a number`);
    for (let k = 1; k < real.length; k++) assert.ok(BigInt(real[k].address) > BigInt(real[k - 1].address), `${real[k - 1].address} then ${real[k].address}`);
    assert.equal(around.instructions[50].address, frame.instructionPointerReference);
    assert.equal(around.instructions[50].instruction, 'call boot_cpu');
    assert.ok(around.instructions.filter((i) => i.address === '-1').every((i) => i.presentationHint === 'invalid'));
    assert.ok(real.filter((i) => i.presentationHint !== 'invalid').length > 40, 'the program\'s instructions are shown');
    await d.fails('disassemble', { memoryReference: 'nonsense', instructionCount: 1 }, /disassemble needs a text address/);
  });

  test('evaluate: translate, whereis, x, tlb, layout and help in the debug console', async () => {
    const d = await open();
    await afterFirstTouch(d);
    const translated = (await d.evaluate('translate VS1 0x20001000')).result;
    assert.match(translated, /^VS1 0x2000_1000 {3}PDPT index 0, PD index 256, PT index 1, offset 0x0$/m);
    assert.match(translated, /^ {2}CR3 {4}0xef00_0000/m);
    assert.match(translated, /^ {2}PDPTE {2}at 0xef00_0000 .* P /m);
    assert.match(translated, /^ {2}PDE {4}at 0xef00_1800 .* P RW U A/m);
    assert.match(translated, /^ {2}PTE {4}at 0xef10_2008 .* -> frame 0x1_0000_1000$/m);
    assert.match(translated, /^ {2}PA {5}0x1_0000_1000 {2}\(C4 \+ 0x1000, DNLC\)$/m);
    assert.match(translated, /^ {2}TLB {4}cpu0 \(VS1\): not held$/m);
    assert.match((await d.evaluate('translate 0x2000_0000')).result, /TLB {4}cpu0 \(VS1\): held in set 0 way 0 -> 0x1_0000_0000/);
    assert.equal((await d.evaluate('whereis 0x1_0000_1000')).result, 'PA 0x1_0000_1000 (C4 + 0x1000) is mapped at:\n  VS1   0x2000_1000   (PTE at 0xef10_2008)');
    assert.match((await d.evaluate('whereis 0x2000')).result, /VS0 {3}0x0000_2000 {3}\(paging off: linear = physical\)\n {2}VS1 {3}0x0000_2000 .*\n {2}VS2 {3}0x0000_2000/);
    const dump = (await d.evaluate('x/16x vs2:0x20000000')).result.split('\n');
    assert.deepEqual(dump.map((l) => l.split(':')[0] + ':' + l.split(':')[1]), ['vs2:0x2000_0000', 'vs2:0x2000_0010', 'vs2:0x2000_0020', 'vs2:0x2000_0030']);
    assert.match((await d.evaluate('x/2g pa:0x1_0000_0000')).result, /^pa:0x1_0000_0000: 000000000000600d 0000000000000000$/);
    const tlb = (await d.evaluate('tlb cpu0')).result;
    assert.match(tlb, /^cpu0 TLB \(VS1\): 16 sets x 4 ways, 5 valid/);
    assert.match(tlb, /0x2000_0000: 0x1_0000_0000 +RW U D +set {2}0 way 0/);
    const layout = (await d.evaluate('layout')).result;
    assert.match(layout, /C4 +0x1_0000_0000 +0x1_cfff_ffff +3\.25G +DNLC/);
    assert.match(layout, /0x2000_0000\.\.0xefff_ffff +C2 +C4 +C5/);
    assert.match((await d.evaluate('help')).result, /translate SPACE\|cpuN VA/);
    // A command that cannot be carried out is an error response, shown in the console, not a notification.
    const bad = await d.fails('evaluate', { expression: 'tlb cpu7', context: 'repl' }, /no processor cpu7 \(cpu0\.\.cpu1\)/);
    assert.equal(bad.body.error?.showUser, false);
    await d.fails('evaluate', { expression: 'translate VS7 0x0', context: 'repl' }, /no space named VS7/);
  });

  test('evaluate: expressions over registers and symbols, comparisons, hovers and the clipboard', async () => {
    const d = await open();
    const { frameId } = await afterFirstTouch(d);
    const r = await d.evaluate('r1 + 0x10', 'watch', frameId);
    assert.equal(r.result, '0xef000010 (4009754640)');
    assert.equal(r.memoryReference, 'vs1:0xef00_0010');
    assert.equal((await d.evaluate('VS1_CR3 == r1', 'watch', frameId)).result, '0x1 (1)');
    assert.equal((await d.evaluate('sizeof(percpu) > 0x100 && r1 != 0', 'watch', frameId)).result, '0x1 (1)');
    const hover = await d.evaluate('0x20001000', 'hover', frameId);
    // The value, opening into each space: PA and chunk, the word there (nothing written yet: 0), and the
    // TLB of the processors running in that space with paging on (cpu0 is in VS1 and has touched only
    // 0x2000_0000's page).
    assert.equal(hover.result, '0x20001000 (536875008)');
    const spaces = await d.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: hover.variablesReference });
    assert.deepEqual(spaces.variables.map((v) => `${v.name}: ${v.value}`), ['VS0: 0x2000_1000 (C2) = 0x0', 'VS1: 0x1_0000_1000 (C4) = 0x0  [cpu0 TLB miss]', 'VS2: 0x1_d000_1000 (C5) = 0x0']);
    assert.deepEqual(spaces.variables.map((v) => v.memoryReference), ['vs0:0x2000_1000', 'vs1:0x2000_1000', 'vs2:0x2000_1000']);
    // A code label is code, not memory at its text address.
    const label = await d.evaluate('touch', 'hover', frameId);
    assert.match(label.result, /^code label touch: instruction \d+ \(text 0x\w+\), fig4-walk\.mover:\d+$/);
    assert.equal(label.variablesReference, 0);
    assert.equal((await d.evaluate('0x20001000', 'clipboard', frameId)).result, '0x20001000');
    // A hover over something that is not an expression shows nothing; the console says why.
    assert.equal((await d.evaluate('mov r1,', 'hover', frameId)).result, '');
    await d.fails('evaluate', { expression: 'nosuch + 1', context: 'watch', frameId }, /unknown symbol nosuch/);
    await d.fails('evaluate', { expression: '1 / 0', context: 'watch', frameId }, /division by zero/);
  });

  test('the console reads control registers and memory in any space, assigns, and lists mappings and PDPTEs', async () => {
    const d = await open();
    const { tid, frameId } = await afterFirstTouch(d);
    const value = async (expression: string) => (await d.evaluate(expression, 'repl', frameId)).result;
    // cpu0 runs in VS1 with paging on: CR3 holds VS1's PDPT, CR0's PG bit is set.
    assert.equal(await value('cr3'), '0xef000000 (4009754624)');
    assert.equal(await value('cr0 & 0x8000_0000'), '0x80000000 (2147483648)');
    // Memory: [r] in the thread's space, SPACE:[..] and pa:[..] anywhere, with a width.
    assert.equal(await value('vs1:[0x2000_0000]'), '0x600d (24589)');
    assert.equal(await value('pa:[0x1_0000_0000]:64'), '0x600d (24589)');
    assert.equal(await value('[0x2000_0000] + 1'), '0x600e (24590)');
    assert.equal(await value('vs2:[0x2000_0000]:8'), '0x0 (0)');
    await d.fails('evaluate', { expression: 'vs1:[0x9000_0000 + 0x7000_0000]', context: 'repl', frameId }, /0x1_0000_0000 is not a virtual address/);
    // Assignment: a register, then memory through a register.
    assert.equal(await value('r9 = 5'), '0x5');
    assert.equal(await d.register(tid, 'r9'), 5n);
    await value('r8 = 0x2000_0000');
    assert.equal(await value('[r8] = 0x1234'), '0x1234');
    assert.equal(await value('pa:[0x1_0000_0000]'), '0x1234 (4660)');
    // whereis takes a pa: reference.
    assert.match(await value('whereis pa:0x1_0000_1000'), /VS1 {3}0x2000_1000/);
    // Every mapped range of VS1 from its tables: C1 (global) at 0, C4 from 0x2000_0000, C3 at the top.
    const mappings = await value('mappings vs1');
    assert.match(mappings, /^VS1 \(CR3 0xef00_0000\): \d+ mapped ranges?$/m);
    assert.match(mappings, /^ {2}0x0000_0000-0x1fff_ffff +512M +-> 0x0 +RW U G +C1$/m);
    assert.match(mappings, /^ {2}0x2000_0000-0xefff_ffff +3\.25G +-> 0x1_0000_0000 +RW U +C4$/m);
    assert.match(mappings, /^ {2}0xf000_0000-0xffff_ffff +256M +-> 0xf000_0000 +RW U G +C3$/m);
    assert.match(await value('mappings vs0'), /paging off/);
    // A range walk: the mappings of [START, END) only, clipped, under a space, the thread's CPU or a raw CR3.
    const walk = await value('walk vs1 0x1fff_0000 0x2001_0000');
    assert.equal(walk, [
      'VS1 (CR3 0xef00_0000) 0x1fff_0000-0x2000_ffff: 2 mapped ranges',
      '  0x1fff_0000-0x1fff_ffff       64K  -> 0x1fff_0000    RW U G     C1',
      '  0x2000_0000-0x2000_ffff       64K  -> 0x1_0000_0000  RW U       C4',
    ].join('\n'));
    assert.equal(await value('walk VS1:0x1fff_0000 L 0x2_0000'), walk, 'SPACE:START L LEN is the same range');
    assert.equal(await value('walk 0x1fff_0000 0x2001_0000'), walk.replace('VS1', 'cpu0, VS1'), 'no space: the thread\'s processor');
    assert.equal(await value('walk cr3=0xef00_0000 0x1fff_0000 L 0x2_0000'), walk, 'a raw CR3 that is VS1\'s');
    // A raw CR3 that is no space's: named CR3=..., its (empty) tables walked all the same.
    assert.equal(await value('walk cr3=0x5000 0 L 0x1000'), 'CR3=0x5000 (CR3 0x5000) 0x0000_0000-0x0000_0fff: 0 mapped ranges');
    await d.fails('evaluate', { expression: 'walk vs0 0 0x1000', context: 'repl', frameId }, /VS0 runs with paging off/);
    await d.fails('evaluate', { expression: 'walk vs1 0x2000 0x1000', context: 'repl', frameId }, /END must be above START/);
    await d.fails('evaluate', { expression: 'walk vs9 0 0x1000', context: 'repl', frameId }, /no space named vs9/);
    // PTE address -> VA: C1's page table is shared, so its PTE maps VA 0x1000 in VS1 and in VS2.
    assert.equal(await value('pte2va pa:0xef00_200c'), [
      'PA 0xef00_2008 is the entry that maps:',
      '  VS1   PTE   0x0000_1000-0x0000_1fff  4K',
      '  VS2   PTE   0x0000_1000-0x0000_1fff  4K',
    ].join('\n'));
    assert.equal(await value('pte2va pa:0xef00_0020'), 'PA 0xef00_0020 is the entry that maps:\n  VS2   PDPTE 0x0000_0000-0x3fff_ffff  1G');
    assert.equal(await value('pte2va pa:0xef00_1800'), 'PA 0xef00_1800 is the entry that maps:\n  VS1   PDE   0x2000_0000-0x201f_ffff  2M');
    assert.equal(await value('pte2va 0x5000'), 'PA 0x5000 is no paging-structure entry of any space');
    // A dump stops at the end of the space instead of labelling rows past 4 GiB.
    const top = (await value('x/8g vs1:0xFFFF_FFF8')).split('\n');
    assert.match(top[0], /^vs1:0xffff_fff8: [0-9a-f]{16} \?{16}$/);
    assert.equal(top[1], "(the end of VS1's 32-bit space)");
    // readMemory refuses an offset that moves before address 0, rather than answering a negative address.
    await d.fails('readMemory', { memoryReference: 'pa:0x0', offset: -16, count: 4 }, /offset -16 moves pa:0x0 before address 0/);
    // The PDPTE registers of cpu0 as loaded at its last MOV CR3.
    const pdpte = await value('pdpte cpu0');
    assert.match(pdpte, /^cpu0 PDPTE registers, as loaded at the last MOV CR3 \(CR3 0xef00_0000\):$/m);
    assert.match(pdpte, /^ {2}PDPTE\[0\] = 0x0000_0000_ef00_1001 +P +-> page directory at 0xef00_1000$/m);
  });

  test('completions offer commands, registers and symbols for the word being typed', async () => {
    const d = await open();
    await afterFirstTouch(d);
    const labels = async (text: string) => (await d.ok<Body<DebugProtocol.CompletionsResponse>>('completions', { text, column: text.length + 1 })).targets;
    assert.deepEqual((await labels('tr')).map((t) => t.label), ['translate']);
    assert.deepEqual((await labels('r1')).map((t) => t.label), ['r10', 'r11', 'r12', 'r13', 'r14', 'r15']);
    const inArg = await labels('translate VS1 VS1_');
    assert.deepEqual(inArg, [{ label: 'VS1_CR3', start: 14, length: 4 }]);
    assert.ok((await labels('tou')).some((t) => t.label === 'touch'));
  });
});
