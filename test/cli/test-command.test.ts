// `mover test` over the real built command: exit codes, one line per test, TAP and JUnit parsed,
// --grep, --coverage's lcov and address-space reports, and `mover test lib examples` itself.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { withWorkspace } from '../support/workspace';
import { ensureBuilt, root } from '../support/build';

const MIXED = path.join(root, 'test', 'fixtures', 'tests', 'mixed.test.mover');

function mover(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mover.js'), 'test', ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => ensureBuilt('cli.js', ['cli', 'emulator']));

test('every test of lib/ and examples/ passes: exit 0, one line per test with its time', () => {
  const r = mover(['lib', 'examples']);
  assert.equal(r.code, 0, r.out + r.err);
  const lines = r.out.trim().split('\n');
  const tests = lines.filter((l) => /^(pass|FAIL) /.test(l));
  assert.ok(tests.length >= 20, r.out);
  for (const l of tests) assert.match(l, /^pass {2}\w+ {2}(lib|examples)\/tests\/[\w-]+\.test\.mover:\d+:1 {2}\d+ ms$/);
  for (const name of ['enter_then_lookup', 'remove_then_lookup', 'gate_on_two_processors', 'p00052_writes_after_a_snapshot', 'fig11_reads_recurse_to_the_clone']) {
    assert.ok(tests.some((l) => l.includes(`  ${name}  `)), name);
  }
  assert.match(lines[lines.length - 1], new RegExp(`^${tests.length} passed, 0 failed \\(\\d+ ms\\)$`));
});

test('a failing test: exit 1, its message, position, values and console', () => {
  const r = mover([MIXED]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^pass {2}adds_up {2}/m);
  assert.match(r.out, /^FAIL {2}fails_at_its_assert {2}test\/fixtures\/tests\/mixed\.test\.mover:3:1 {2}\d+ ms$/m);
  assert.match(r.out, /assertion failed: two is three/);
  assert.match(r.out, /at test\/fixtures\/tests\/mixed\.test\.mover:15:5 \(thread t_fail\)/);
  assert.match(r.out, /actual: {3}2 \(0x2\)\n\s+expected: 3 \(0x3\)/);
  assert.match(r.out, /\| about to fail/);
  assert.match(r.out, /^2 passed, 1 failed/m);
  // Sequential and parallel runs report the same thing in the same order.
  const one = mover([MIXED, '--jobs', '1']);
  assert.equal(one.out.replace(/\d+ ms/g, 'T'), r.out.replace(/\d+ ms/g, 'T'));
});

test('--reporter tap: a TAP 13 plan, ok / not ok lines and a YAML block with the position', () => {
  const r = mover([MIXED, '--reporter', 'tap']);
  assert.equal(r.code, 1);
  const lines = r.out.trim().split('\n');
  assert.equal(lines[0], 'TAP version 13');
  assert.equal(lines[1], '1..3');
  const points = lines.filter((l) => /^(not )?ok \d+ - /.test(l)).map((l) => /^(not ok|ok) (\d+) - (\S+)/.exec(l)!.slice(1));
  assert.deepEqual(points, [['ok', '1', 'adds_up'], ['not ok', '2', 'fails_at_its_assert'], ['ok', '3', 'two_processors']]);
  const yaml = r.out.slice(r.out.indexOf('  ---'), r.out.indexOf('  ...'));
  assert.match(yaml, /^ {2}message: "assertion failed: two is three/m);
  assert.match(yaml, /^ {4}line: 15$/m);
  assert.match(yaml, /^ {4}column: 5$/m);
  assert.match(yaml, /^ {2}actual: "2 \(0x2\)"$/m);
  assert.match(r.out, /^# fail 1$/m);
});

test('--reporter junit: well-formed XML with a testsuite per file and the failure', () => {
  const r = mover([MIXED, path.join(root, 'lib', 'tests', 'vsgate.test.mover'), '--reporter', 'junit']);
  assert.equal(r.code, 1);
  const x = r.out;
  assert.match(x, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="mover test" tests="7" failures="1" errors="0" time="[\d.]+">/);
  const suites = [...x.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)"/g)].map((m) => m.slice(1));
  assert.deepEqual(suites, [['test/fixtures/tests/mixed.test.mover', '3', '1'], ['lib/tests/vsgate.test.mover', '4', '0']]);
  const cases = [...x.matchAll(/<testcase name="([^"]+)"[^>]*line="(\d+)"[^>]*?(\/?)>/g)].map((m) => [m[1], m[2], m[3] === '/' ? 'ok' : 'failed']);
  assert.equal(cases.length, 7);
  assert.deepEqual(cases[1], ['fails_at_its_assert', '3', 'failed']);
  assert.match(x, /<failure message="assertion failed: two is three[^"]*" type="assert">/);
  // Balanced elements: every opened testsuite and testcase is closed.
  assert.equal((x.match(/<testsuite /g) ?? []).length, (x.match(/<\/testsuite>/g) ?? []).length);
  assert.equal((x.match(/<testcase [^>]*[^/]>/g) ?? []).length, (x.match(/<\/testcase>/g) ?? []).length);
  assert.ok(x.trimEnd().endsWith('</testsuites>'));
});

test('--grep runs only the tests whose names match; no match is exit 1', () => {
  const r = mover([MIXED, '--grep', '^(adds|two)_']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(r.out.trim().split('\n').filter((l) => /^(pass|FAIL)/.test(l)).map((l) => l.split(/\s+/)[1]), ['adds_up', 'two_processors']);
  const none = mover([MIXED, '--grep', 'nothing_like_this']);
  assert.equal(none.code, 1);
  assert.match(none.err, /no tests found/);
  assert.equal(mover([MIXED, '--grep', '(']).code, 64);
});

test('--coverage: lcov line coverage and the address-space report per test', () => {
  withWorkspace({}, (ws) => {
    const dir = path.join(ws.dir, 'cov');
    const r = mover([path.join(root, 'lib', 'tests', 'dnlc.test.mover'), MIXED, '--coverage', '--coverage-dir', dir]);
    assert.equal(r.code, 1);
    const info = readFileSync(path.join(dir, 'lcov.info'), 'utf8');
    const records = info.split('end_of_record\n').filter((x) => x.trim());
    const byFile = new Map(records.map((rec) => [/^SF:(.*)$/m.exec(rec)![1], rec]));
    for (const f of ['lib/dnlc.mover', 'lib/vsgate.mover', 'lib/boot.mover', 'test/fixtures/tests/mixed.test.mover']) assert.ok(byFile.has(path.join(root, f)), f);
    const mixed = byFile.get(MIXED)!;
    const da = new Map([...mixed.matchAll(/^DA:(\d+),(\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]));
    assert.equal(da.get(7), 1, 'adds_up ran line 7 once');
    assert.equal(da.get(15), 1, 'the failing assert ran');
    assert.equal(da.get(16), 0, 'the halt after it did not');
    assert.equal(Number(/^LF:(\d+)$/m.exec(mixed)![1]), da.size);
    assert.equal(Number(/^LH:(\d+)$/m.exec(mixed)![1]), [...da.values()].filter((h) => h > 0).length);
    const dnlc = byFile.get(path.join(root, 'lib', 'dnlc.mover'))!;
    assert.ok([...dnlc.matchAll(/^DA:\d+,([1-9]\d*)$/gm)].length > 50, 'the DNLC tests cover lib/dnlc.mover');
    const spaces = readFileSync(path.join(dir, 'address-spaces.txt'), 'utf8');
    const part = spaces.slice(spaces.indexOf('enter_then_lookup'), spaces.indexOf('lookup_of_a_missing_name'));
    assert.match(part, /spaces: VS0 \(\d+ pages?\), VS1 \(\d+ pages?\)/);
    assert.match(part, /chunks: C1 \(\d+ pages?\), C2 \(1 page\), C4 \(\d+ pages?\)/);
    assert.match(part, /cpu0 TLB: [1-9]\d* misses, [1-9]\d* walks, [1-9]\d* flushes/);
    assert.match(part, /VS1 0x2000_0000 -> 0x1_0000_0000 C4 rw/);
    const json = JSON.parse(readFileSync(path.join(dir, 'address-spaces.json'), 'utf8')) as { name: string; chunks: { name: string }[] }[];
    assert.deepEqual(json.find((t) => t.name === 'enter_then_lookup')?.chunks.map((c) => c.name), ['C1', 'C2', 'C4']);
  });
});

test('copy-on-first-write events are in the address-space report', () => {
  withWorkspace({}, (ws) => {
    const r = mover([path.join(root, 'lib', 'tests', 'snapshot.test.mover'), '--grep', 'p00052', '--coverage', '--coverage-dir', ws.dir]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(readFileSync(path.join(ws.dir, 'address-spaces.txt'), 'utf8'), /copy-on-first-write: block 0 -> save 0, block 1 -> save 1/);
  });
});

test('a file with tests that does not assemble: its errors and exit 1; a missing path: exit 1', () => {
  withWorkspace({ 'bad.mover': '.test t, nowhere\n    halt\n' }, (ws) => {
    const r = mover([ws.dir]);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.mover:1:10: error: unknown symbol nowhere/);
    assert.match(r.err, /has assembly errors; its tests were not run/);
  });
  const r = mover(['no/such/folder']);
  assert.equal(r.code, 1);
  assert.match(r.err, /no such file or folder: no\/such\/folder/);
});
