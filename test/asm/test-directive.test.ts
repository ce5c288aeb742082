// The .test directive: what the assembler records (threads, processors, limits, symbols) and every
// error it reports; and runTest on the result: pass, assert, fault and step limit with positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TEST_STEPS, runTest, testProgram } from '../../emulator/index';
import { MAIN, assembleText, build, formatDiag } from '../interp/helpers';

const SRC = `.thread main, start, cpu=0
.test one, t_one
.test pair, t_a, t_b
.test shared, t_a, t_one, cpus=1, steps=5000, timer=7
start:
    halt
t_one:
    mov r1, 5
    assert r1, 5, "five"
    halt
t_a:
    cpuid r2
    halt
t_b:
    cpuid r2
    assert r2, 1, "t_b on cpu1"
    halt
`;

test('.test records one thread per entry, the processors, the step limit and a test symbol', () => {
  const p = build(SRC);
  assert.deepEqual(p.tests.map((t) => t.name), ['one', 'pair', 'shared']);
  const [one, pair, shared] = p.tests;
  assert.deepEqual(one.threads.map((t) => [t.name, t.cpu, t.entry]), [['t_one', 0, p.labels.get('t_one')]]);
  assert.equal(one.cpus, 2, 'at least the usual two processors');
  assert.equal(one.steps, DEFAULT_TEST_STEPS);
  assert.equal(one.timer, undefined);
  assert.deepEqual(pair.threads.map((t) => [t.name, t.cpu]), [['t_a', 0], ['t_b', 1]]);
  assert.deepEqual(shared.threads.map((t) => t.cpu), [0, 0], 'cpus=1: every entry on processor 0');
  assert.deepEqual(shared.threads.map((t) => t.stack), [0x0100_0000, 0x00FF_0000], 'the default stacks, one per thread');
  assert.equal(shared.steps, 5000);
  assert.equal(shared.timer, 7);
  assert.deepEqual({ line: pair.span.line, col: pair.span.col }, { line: 2, col: 0 });
  const def = p.symbols.defs.get('test pair');
  assert.equal(def?.kind, 'test');
  assert.equal(def?.span?.line, 2);
  assert.ok(p.symbols.refs.some((r) => r.name === 't_b' && r.span.line === 2), 'entries are references of their labels');
  assert.deepEqual(p.threads.map((t) => t.name), ['main'], 'the program keeps its own threads');
  assert.deepEqual(testProgram(p, pair).threads, pair.threads);
});

test('runTest: a passing test, and the same result every time', () => {
  const p = build(SRC);
  for (const t of p.tests) {
    const a = runTest(p, t), b = runTest(p, t);
    assert.equal(a.passed, true, `${t.name}: ${a.failure?.message}`);
    assert.equal(a.steps, b.steps);
  }
});

test('runTest: an assert fails at its line with both values; a fault and the step limit fail too', () => {
  const p = build(`.test bad_assert, t1
.test bad_fault, t2
.test runaway, t3, steps=100
t1:
    mov r1, 41
    assert r1, 42, "the answer"
    halt
t2:
    mov r1, 0
    div r1, r1, 0
    halt
t3:
    jmp t3
`);
  const [a, f, s] = p.tests.map((t) => runTest(p, t));
  assert.equal(a.passed, false);
  assert.deepEqual({ ...a.failure, message: undefined }, { kind: 'assert', file: MAIN, line: 6, column: 5, thread: 't1', actual: '41 (0x29)', expected: '42 (0x2a)', message: undefined });
  assert.match(a.failure!.message, /assertion failed: the answer/);
  assert.equal(f.failure?.kind, 'fault');
  assert.equal(f.failure?.line, 10);
  assert.match(f.failure!.message, /divide error/);
  assert.equal(s.failure?.kind, 'step-limit');
  assert.equal(s.failure?.line, 13);
  assert.equal(s.steps, 100);
});

test('runTest with coverage: line hits and the spaces, chunks and pages touched', () => {
  const p = build(`.test touch, t
t:
    mov r1, 0x0030_0000
    st64 [r1], 7
    ld64 r2, [r1]
    halt
`);
  const r = runTest(p, p.tests[0], { coverage: true });
  assert.equal(r.passed, true);
  assert.deepEqual(r.coverage?.files, [{ file: MAIN, lines: [[3, 1], [4, 1], [5, 1], [6, 1]] }]);
  assert.deepEqual(r.coverage?.spaces, [{ space: 'VS0', pages: [{ va: '0x0030_0000', pa: '0x30_0000', chunk: 'C1', read: true, written: true }] }]);
  assert.deepEqual(r.coverage?.chunks, [{ name: 'C1', pages: 1 }]);
});

test('.test errors, each at its operand', () => {
  const r = assembleText(`.test
.test 5, t
.test x
.test y, nowhere
.test z, t, cpus=0
.test w, t, speed=2
.test v, cpus=2, t
.test t_dup, t
.test t_dup, t
t:
    halt
`);
  assert.deepEqual(r.diagnostics.map((d) => formatDiag(d, r.files)), [
    'main.mover:1:1: .test takes a name and one or more entry labels: .test lookup_finds, t_lookup',
    'main.mover:2:1: .test takes a name and one or more entry labels: .test lookup_finds, t_lookup',
    'main.mover:3:1: .test takes a name and one or more entry labels: .test lookup_finds, t_lookup',
    'main.mover:4:10: unknown symbol nowhere',
    'main.mover:5:13: cpus must be from 1 to 64',
    'main.mover:6:13: unknown .test option speed: use cpus=N, steps=N or timer=N',
    'main.mover:7:18: the entry labels of a .test come before its options',
    'main.mover:9:7: test t_dup is already defined (first defined at main.mover:8)',
  ]);
});
