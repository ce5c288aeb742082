// The custom requests of debug-adapter/protocol.ts ('mover/*'): each answers data of the declared
// shape (checked field by field against a schema tied to the interfaces), and refuses bad arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type {
  ControlRegistersView, LayoutChunkView, LayoutMappingView, LayoutSpaceView, LayoutView, MoverRequestName, TlbEntryView, TlbHoldingView,
  PdpteRegisterView, ThreadPlaceView, TlbProcessorView, TypedObjectView, WalkLevelView, WalkView,
} from '../../debug-adapter/protocol';
import { example, fixture, layoutFixture, lineOf, overBothTransports, program, type Dap } from './harness';
import { ErrorCode, STOP_VS_SWITCH } from '../../debug-adapter/protocol';

// ---- a small schema language: exact keys, typed values --------------------------------------------

type Leaf = 'string' | 'hex' | 'number' | 'boolean' | 'null';
type Schema = Leaf | readonly Schema[] /* one of */ | { readonly array: Schema } | { readonly optional: Schema } | { readonly [key: string]: Schema };
/** A schema with exactly the keys of T. */
type Of<T> = { readonly [K in keyof Required<T>]: Schema };

/** Hex as the views write it: 0x, digits in groups of four separated by _. */
const HEX = /^0x[0-9a-f]{1,4}(_[0-9a-f]{4})*$/;

function check(value: unknown, schema: Schema, at: string): void {
  if (typeof schema === 'string') {
    switch (schema) {
      case 'hex': assert.ok(typeof value === 'string' && HEX.test(value), `${at}: ${JSON.stringify(value)} is not a hex address`); return;
      case 'null': assert.equal(value, null, at); return;
      case 'number': assert.ok(typeof value === 'number' && Number.isFinite(value), `${at}: ${JSON.stringify(value)} is not a number`); return;
      default: assert.equal(typeof value, schema, `${at}: ${JSON.stringify(value)} is not a ${schema}`); return;
    }
  }
  if (Array.isArray(schema)) {
    const errors: string[] = [];
    for (const s of schema) { try { check(value, s, at); return; } catch (e) { errors.push((e as Error).message); } }
    assert.fail(`${at}: matches none of ${errors.join(' | ')}`);
  }
  const obj = schema as Record<string, Schema>;
  if ('array' in obj && Object.keys(obj).length === 1) {
    assert.ok(Array.isArray(value), `${at}: not an array`);
    value.forEach((v, i) => check(v, obj.array, `${at}[${i}]`));
    return;
  }
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${at}: not an object`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) assert.ok(key in obj, `${at}: unexpected field ${key}`);
  for (const [key, s] of Object.entries(obj)) {
    const optional = typeof s === 'object' && !Array.isArray(s) && 'optional' in s && Object.keys(s).length === 1;
    if (optional && !(key in record)) continue;
    assert.ok(key in record, `${at}: missing field ${key}`);
    check(record[key], optional ? (s as { optional: Schema }).optional : s, `${at}.${key}`);
  }
}

const strings = { array: 'string' } as const;
const level = { level: 'string', index: 'number', entryAddress: 'hex', raw: 'string', flags: strings, target: ['hex', 'null'] } as const satisfies Of<WalkLevelView>;
const holding = { cpu: 'number', space: 'string', held: 'boolean', stale: 'boolean', staleReason: { optional: 'string' }, frame: { optional: 'hex' } } as const satisfies Of<TlbHoldingView>;
const walk = {
  va: 'hex', space: 'string', paging: 'boolean', cr3: ['hex', 'null'], levels: { array: level }, ok: 'boolean', pa: ['hex', 'null'], chunk: ['string', 'null'],
  fault: ['string', 'null'], tlb: { array: holding }, text: 'string', memoryReference: ['string', 'null'],
} as const satisfies Of<WalkView>;
const tlbEntry = {
  set: 'number', way: 'number', va: 'hex', frame: 'hex', flags: strings, global: 'boolean', lruRank: 'number', stale: 'boolean', staleReason: ['string', 'null'], fresh: 'boolean',
} as const satisfies Of<TlbEntryView>;
const counters = { hits: 'number', misses: 'number', walks: 'number', flushes: 'number', invalidated: 'number', evictions: 'number', fills: 'number' } as const satisfies Of<TlbProcessorView['counters']>;
const tlbProcessor = { cpu: 'number', space: 'string', sets: 'number', ways: 'number', policy: 'string', entries: { array: tlbEntry }, counters, flushed: { array: 'hex' }, hitRate: ['number', 'null'], evicted: { array: { va: 'hex', frame: 'hex' } },
} as const satisfies Of<TlbProcessorView>;
const controlRegisters = {
  cpu: 'number', thread: ['string', 'null'], space: 'string', cr0: 'hex', pe: 'boolean', wp: 'boolean', pg: 'boolean', cr2: 'hex', cr3: 'hex', cr3Space: ['string', 'null'],
  cr4: 'hex', pae: 'boolean', pge: 'boolean', preemptCount: 'number', lastAccess: ['hex', 'null'],
  pdptes: { array: { index: 'number', loaded: 'string', flags: strings, memory: 'string', differs: 'boolean', memoryReference: 'string' } satisfies Of<PdpteRegisterView> },
  lastFault: ['null', { va: 'hex', errorCode: 'string', reason: 'string' }],
} as const satisfies Of<ControlRegistersView>;
const chunk = { name: 'string', base: 'hex', size: 'hex', end: 'hex', purpose: 'string', baseNumber: 'number', sizeNumber: 'number' } as const satisfies Of<LayoutChunkView>;
const mapping = { va: 'hex', size: 'hex', chunk: 'string', pa: 'hex', global: 'boolean', vaNumber: 'number', sizeNumber: 'number', paNumber: 'number' } as const satisfies Of<LayoutMappingView>;
const space = { name: 'string', paging: 'boolean', cr3: ['hex', 'null'], purpose: 'string', mappings: { array: mapping } } as const satisfies Of<LayoutSpaceView>;
const layout = {
  name: 'string', chunks: { array: chunk }, spaces: { array: space }, processors: { array: { cpu: 'number', space: 'string', lastVa: ['hex', 'null'], lastPa: ['hex', 'null'] } },
} as const satisfies Of<LayoutView>;
const object = { name: 'string', type: 'string', space: 'string', address: 'hex', memoryReference: 'string' } as const satisfies Of<TypedObjectView>;

/** Every custom request, so a new one in protocol.ts without a test here fails to compile. */
const COVERED: Record<MoverRequestName, true> = {
  'mover/layout': true, 'mover/walk': true, 'mover/lastWalk': true, 'mover/tlb': true, 'mover/controlRegisters': true, 'mover/objects': true, 'mover/whereis': true,
  'mover/breakOnVsSwitch': true, 'mover/snapshots': true, 'mover/dnlc': true, // library-views.test.ts
  'mover/thread': true,
  'mover/compare': true, // compare.test.ts
  'mover/translations': true, 'mover/structs': true, 'mover/structValues': true, // memory-view.test.ts
  'mover/diff': true, // diff.test.ts
};

const FIG4 = example('fig4-walk.mover');

/** fig4-walk.mover in VS1 after its first touch: TLB entries, a last access, all three spaces in use. */
async function warm(d: Dap): Promise<void> {
  const line = lineOf('call touch                      ; the same addresses again', readFileSync(FIG4, 'utf8'));
  const tid = await d.launchStopped({ program: FIG4 }, async () => { await d.ok('setBreakpoints', { source: { path: FIG4 }, breakpoints: [{ line }] }); });
  await d.resume('continue', { threadId: tid });
}

overBothTransports('custom requests', (open) => {
  test('every declared mover/* request is served (the declaration and the adapter agree); an undeclared one is refused', async () => {
    const d = await open();
    await warm(d);
    for (const command of Object.keys(COVERED)) {
      const r = await d.request(command, command === 'mover/breakOnVsSwitch' ? { targets: null } : { va: '0x0', pa: '0x0', cpu: 0 });
      assert.doesNotMatch(String(r.message ?? ''), /does not support/, command);
    }
    const r = await d.fails('mover/nosuch', {}, /the Mover debugger does not support the request "mover\/nosuch"/);
    assert.equal((r.body.error as { id: number }).id, ErrorCode.UnknownCommand);
  });

  test('mover/layout: chunks, spaces with their mappings, processors', async () => {
    const d = await open();
    await warm(d);
    const v = await d.ok<LayoutView>('mover/layout');
    check(v, layout, 'layout');
    assert.deepEqual(v.chunks.map((c) => c.name), ['C1', 'C2', 'C3', 'C4', 'C5']);
    assert.deepEqual(v.spaces.map((s) => [s.name, s.paging, s.cr3]), [['VS0', false, null], ['VS1', true, '0xef00_0000'], ['VS2', true, '0xef00_0020']]);
    assert.deepEqual(v.spaces[1].mappings.map((m) => m.chunk), ['C1', 'C4', 'C3']);
    assert.deepEqual(v.processors.map((p) => p.space), ['VS1', 'VS0']);
    assert.equal(v.processors[0].lastVa, '0xf000_0000');
  });

  test('mover/walk: a walk by space or by processor, a faulting walk, and bad arguments', async () => {
    const d = await open();
    await warm(d);
    const bySpace = await d.ok<WalkView>('mover/walk', { va: '0x2000_1000', space: 'VS1' });
    check(bySpace, walk, 'walk');
    assert.deepEqual(bySpace.levels.map((l) => l.level), ['PDPTE', 'PDE', 'PTE']);
    assert.equal(bySpace.pa, '0x1_0000_1000');
    assert.equal(bySpace.memoryReference, 'pa:0x1_0000_1000');
    assert.equal(bySpace.chunk, 'C4');
    const byCpu = await d.ok<WalkView>('mover/walk', { va: '0x2000_0000', cpu: 0 });
    check(byCpu, walk, 'walk');
    assert.deepEqual(byCpu.tlb.find((h) => h.cpu === 0), { cpu: 0, space: 'VS1', held: true, stale: false, frame: '0x1_0000_0000' });
    const off = await d.ok<WalkView>('mover/walk', { va: '0x2000', cpu: 1 });
    check(off, walk, 'walk');
    assert.equal(off.paging, false);
    assert.deepEqual(off.levels, []);
    await d.fails('mover/walk', { va: '0x1_0000_0000', space: 'VS1' }, /not a virtual address/);
    await d.fails('mover/walk', { va: '0x1000', space: 'VS9' }, /no space named VS9/);
    await d.fails('mover/walk', { va: '0x1000', cpu: 5 }, /no processor 5/);
    await d.fails('mover/walk', {}, /not a virtual address: undefined/);
  });

  test('mover/walk of a hole: ok false, the fault, no PA', async () => {
    const d = await open();
    await d.launchStopped({ program: fixture('calls.mover'), layout: layoutFixture('vs1-hole.json') });
    const hole = await d.ok<WalkView>('mover/walk', { va: '0x9000_0000', space: 'VS1' });
    check(hole, walk, 'walk');
    assert.equal(hole.ok, false);
    assert.equal(hole.pa, null);
    assert.match(hole.fault!, /^not-present at the PDE, error code 0x0$/);
  });

  test('mover/lastWalk: the walk of a processor\'s last access, or nothing before one', async () => {
    const d = await open();
    await warm(d);
    const last = await d.ok<WalkView>('mover/lastWalk', { cpu: 0 });
    check(last, walk, 'lastWalk');
    assert.equal(last.va, '0xf000_0000');
    const none = await d.request('mover/lastWalk', { cpu: 1 });
    assert.equal(none.success, true);
    assert.equal(none.body ?? null, null);
    await d.fails('mover/lastWalk', { cpu: 9 }, /no processor 9/);
  });

  test('mover/tlb: every processor or one, with entries and counters', async () => {
    const d = await open();
    await warm(d);
    const all = await d.ok<{ processors: TlbProcessorView[] }>('mover/tlb', {});
    check(all, { processors: { array: tlbProcessor } }, 'tlb');
    assert.deepEqual(all.processors.map((p) => [p.cpu, p.space, p.entries.length]), [[0, 'VS1', 5], [1, 'VS0', 0]]);
    assert.equal(all.processors[0].counters.misses, 5);
    const one = await d.ok<{ processors: TlbProcessorView[] }>('mover/tlb', { cpu: 1 });
    assert.deepEqual(one.processors.map((p) => p.cpu), [1]);
    await d.fails('mover/tlb', { cpu: 2 }, /no processor 2/);
  });

  test('mover/tlb: the hit rate per processor, and what the replacement policy evicted since the last stop', async () => {
    const d = await open();
    const EVICT = fixture('evict.mover');
    const text = readFileSync(EVICT, 'utf8');
    const tid = await d.launchStopped({ program: EVICT }, async () => {
      await d.ok('setBreakpoints', { source: { path: EVICT }, breakpoints: [{ line: lineOf('ld32 r4, [r3]                   ; the fifth page', text) }] });
    });
    await d.resume('continue', { threadId: tid });
    const before = (await d.ok<{ processors: TlbProcessorView[] }>('mover/tlb', { cpu: 0 })).processors[0];
    check(before, tlbProcessor, 'tlb');
    // Four misses and one hit so far; nothing was evicted in this run (the set was not full).
    assert.equal(before.hitRate, 1 / 5);
    assert.deepEqual(before.evicted, []);
    assert.deepEqual(before.entries.filter((e) => e.set === 0).map((e) => e.va).sort(), ['0x2000_0000', '0x2001_0000', '0x2002_0000', '0x2003_0000']);
    await d.resume('next', { threadId: tid });
    const after = (await d.ok<{ processors: TlbProcessorView[] }>('mover/tlb', { cpu: 0 })).processors[0];
    assert.deepEqual(after.evicted, [{ va: '0x2000_0000', frame: '0x1_0000_0000' }]);
    assert.equal(after.hitRate, 1 / 6);
    assert.equal(after.counters.evictions, 1);
    const idle = (await d.ok<{ processors: TlbProcessorView[] }>('mover/tlb', { cpu: 1 })).processors[0];
    assert.equal(idle.hitRate, null, 'no lookup on cpu1 yet');
  });

  test('mover/controlRegisters: CR0, CR2, CR3 (and its space), CR4 and the preemption count per processor', async () => {
    const d = await open();
    await warm(d);
    const v = await d.ok<{ processors: ControlRegistersView[] }>('mover/controlRegisters');
    check(v, { processors: { array: controlRegisters } }, 'controlRegisters');
    assert.deepEqual(v.processors[0], {
      cpu: 0, thread: 'main', space: 'VS1', cr0: '0x8000_0001', pe: true, wp: false, pg: true, cr2: '0x0000_0000', cr3: '0xef00_0000', cr3Space: 'VS1',
      cr4: '0x0000_00a0', pae: true, pge: true, preemptCount: 0, lastAccess: '0xf000_0000',
      pdptes: v.processors[0].pdptes, lastFault: null,
    });
    assert.equal(v.processors[1].thread, null);
    // VS1's PDPT (FIG. 5): PDPTE[0] -> the PD at 0xef00_1000; the registers match memory after the CR3 load.
    assert.deepEqual(v.processors[0].pdptes[0], { index: 0, loaded: '0x0000_0000_ef00_1001', flags: ['P'], memory: '0x0000_0000_ef00_1001', differs: false, memoryReference: 'pa:0xef00_0000' });
    assert.deepEqual(v.processors[0].pdptes.map((p) => p.differs), [false, false, false, false]);
    // A write to the PDPT in memory does not reach the registers until the next MOV CR3 (SDM §4.4.1): both show.
    await d.ok('writeMemory', { memoryReference: 'pa:0xef00_0000', data: Buffer.from([0]).toString('base64') });
    const after = await d.ok<{ processors: ControlRegistersView[] }>('mover/controlRegisters');
    assert.deepEqual(after.processors[0].pdptes[0], { index: 0, loaded: '0x0000_0000_ef00_1001', flags: ['P'], memory: '0x0000_0000_ef00_1000', differs: true, memoryReference: 'pa:0xef00_0000' });
  });

  test('mover/controlRegisters after a page fault: CR2 and the error code decoded', async () => {
    const d = await open();
    await d.launch({ program: program('fault.mover'), layout: layoutFixture('vs1-hole.json'), stopOnEntry: false });
    await d.stopped();
    const v = await d.ok<{ processors: ControlRegistersView[] }>('mover/controlRegisters');
    check(v, { processors: { array: controlRegisters } }, 'controlRegisters');
    assert.equal(v.processors[0].cr2, '0x9000_0000');
    assert.deepEqual(v.processors[0].lastFault, { va: '0x9000_0000', errorCode: '0x0', reason: 'read: not-present at the PDE' });
  });

  test('mover/thread: the processor and space of a thread (the Page Walk follows the focused one), the first live thread by default', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: example('fig7-dnlc.mover') });
    await d.ok('mover/breakOnVsSwitch', { targets: ['VS1'] });
    await d.resume('continue', { threadId: tid });
    const threads = (await d.ok<{ threads: { id: number; name: string }[] }>('threads')).threads;
    const places = await Promise.all(threads.map((t) => d.ok<ThreadPlaceView>('mover/thread', { threadId: t.id })));
    // FIG. 7: thread a on cpu0 has just switched into VS1; b on cpu1 still runs with paging off.
    assert.deepEqual(places.map((p) => [p.threadId, p.name, p.cpu, p.space, p.running]), [[threads[0].id, 'a', 0, 'VS1', true], [threads[1].id, 'b', 1, 'VS0', true]]);
    assert.deepEqual(await d.ok<ThreadPlaceView>('mover/thread', {}), places[0]);
    await d.fails('mover/thread', { threadId: 99 }, /no thread 99/);
  });

  test('mover/objects: the program\'s typed objects with memory references', async () => {
    const d = await open();
    await d.launchStopped({ program: fixture('objects.mover') });
    const v = await d.ok<{ objects: TypedObjectView[] }>('mover/objects');
    check(v, { objects: { array: object } }, 'objects');
    assert.deepEqual(v.objects, [{ name: 'names', type: 'table', space: 'VS1', address: '0x2000_0000', memoryReference: 'vs1:0x2000_0000' }]);
    const empty = await open();
    await empty.launchStopped({ program: FIG4 });
    assert.deepEqual(await empty.ok('mover/objects'), { objects: [] });
  });

  test('mover/whereis: every (space, VA) that reaches a PA', async () => {
    const d = await open();
    await warm(d);
    const v = await d.ok<{ mappings: { space: string; va: string }[] }>('mover/whereis', { pa: '0x2000' });
    check(v, { mappings: { array: { space: 'string', va: 'hex' } } }, 'whereis');
    assert.deepEqual(v.mappings, [{ space: 'VS0', va: '0x0000_2000' }, { space: 'VS1', va: '0x0000_2000' }, { space: 'VS2', va: '0x0000_2000' }]);
    assert.deepEqual(await d.ok('mover/whereis', { pa: '0x1_d000_0000' }), { mappings: [{ space: 'VS2', va: '0x2000_0000' }] });
    await d.fails('mover/whereis', { pa: '0x10_0000_0000' }, /not a physical address/);
  });

  test('mover/breakOnVsSwitch: stop on entering chosen spaces (empty: any), null turns it off', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: FIG4 });
    assert.deepEqual(await d.ok('mover/breakOnVsSwitch', { targets: ['VS2'] }), {});
    const s = await d.resume('continue', { threadId: tid });
    assert.equal(s.body.reason, STOP_VS_SWITCH);
    assert.match(s.body.description!, /^Switched VS1 -> VS2 /);
    await d.ok('mover/breakOnVsSwitch', { targets: [] });
    assert.match((await d.resume('continue', { threadId: tid })).body.description!, /^Switched VS2 -> VS0 /);
    await d.ok('mover/breakOnVsSwitch', { targets: null });
    await d.ok('continue', { threadId: tid });
    await d.event('terminated');
    await d.fails('mover/breakOnVsSwitch', { targets: ['VS7'] }, /no space named VS7/);
    await d.fails('mover/breakOnVsSwitch', { targets: 'VS1' }, /targets must be an array of strings \(got "VS1"\)/);
  });

  test('before a launch every mover/* request but objects (an empty list) and breakOnVsSwitch (a setting) is refused as "no program is loaded"', async () => {
    const d = await open();
    assert.deepEqual(await d.ok('mover/objects'), { objects: [] });
    // The VS-switch command is a setting, kept until a program is launched.
    assert.deepEqual(await d.ok('mover/breakOnVsSwitch', { targets: ['VS1'] }), {});
    for (const command of Object.keys(COVERED).filter((c) => c !== 'mover/objects' && c !== 'mover/breakOnVsSwitch')) {
      const r = await d.fails(command, { va: '0x0', pa: '0x0', cpu: 0 }, /no program is loaded/);
      assert.equal((r.body.error as { id: number }).id, ErrorCode.NotLaunched);
    }
    // The setting made before the launch applies to the program.
    await d.launch({ program: FIG4, stopOnEntry: false });
    assert.match((await d.stopped()).body.description!, /^Switched VS0 -> VS1 /);
  });

  test('mover/stateChanged says when the program runs, and follows every stop with the machine\'s clock', async () => {
    const d = await open();
    const tid = await d.launchStopped({ program: fixture('calls.mover') });
    assert.deepEqual((await d.event('mover/stateChanged')).body, { reason: 'stopped', retired: 0 });
    await d.resume('next', { threadId: tid });
    assert.deepEqual((await d.event('mover/stateChanged')).body, { reason: 'running', retired: 0 });
    assert.deepEqual((await d.event('mover/stateChanged')).body, { reason: 'stopped', retired: 1 });
    await d.resume('next', { threadId: tid });
    assert.deepEqual((await d.event('mover/stateChanged')).body, { reason: 'running', retired: 1 });
    assert.deepEqual((await d.event('mover/stateChanged')).body, { reason: 'stopped', retired: 2 });
  });
});
