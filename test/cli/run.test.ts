// `mover run`: exit codes, console output, --trace, --json, over the real built command.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { withWorkspace } from '../support/workspace';
import { escapeControls } from '../../emulator/index';
import { SPECIAL_FILE_TIMEOUT_MS, specialFiles } from '../support/special-files';

import { ensureBuilt, root } from '../support/build';
const prog = (name: string) => path.join(root, 'test', 'fixtures', 'programs', name);

function mover(...args: string[]) {
  // A time limit, so a reader that blocks (a FIFO) fails the test instead of hanging the suite.
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mover.js'), ...args], { cwd: root, encoding: 'utf8', timeout: SPECIAL_FILE_TIMEOUT_MS });
  assert.equal(r.error, undefined, `mover ${args.join(' ')}: ${r.error?.message}`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => ensureBuilt('cli.js', ['cli', 'emulator']));

test('a program that halts: exit 0 and its console output', () => {
  const r = mover('run', prog('hello.mover'));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'the answer is 42\n');
});

test('assembly errors: exit 1, every error with file:line:col and a caret', () => {
  const r = mover('run', prog('errors.mover'));
  assert.equal(r.code, 1);
  assert.match(r.err, /errors\.mover:3:5: error: unknown instruction mvo \(did you mean mov\?\)/);
  assert.match(r.err, /errors\.mover:4:13: error: operand 2 of add must be a register or a constant, not a memory operand/);
  assert.match(r.err, /errors\.mover:5:20: error: unknown symbol missing/);
  assert.match(r.err, /\n\s+\^\^\^/);
  assert.match(r.err, /3 errors; nothing was run\./);
  assert.equal(r.out, '');
});

test('a page fault: exit 2 with VA, space, CR2, error code and line', () => {
  const r = mover('run', '--layout', path.join(root, 'test', 'fixtures', 'layouts', 'vs1-hole.json'), prog('fault.mover'));
  assert.equal(r.code, 2, r.err);
  // A read (W/R = 0), supervisor (U/S = 0), not present (P = 0): error code 0.
  assert.match(r.err, /page fault: read of 0x9000_0000 in VS1: not present at the PDE; CR2 = 0x9000_0000, error code 0x0 at fault\.mover:9/);
});

test('a runaway program: exit 3 at the step limit', () => {
  const r = mover('run', '--max-steps', '5000', prog('forever.mover'));
  assert.equal(r.code, 3);
  assert.match(r.err, /stopped after 5000 instructions/);
});

test('--trace prints every instruction with processor, thread, space and line', () => {
  const r = mover('run', '--trace', prog('hello.mover'));
  assert.equal(r.code, 0);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 5); // 4 instructions and the printed line, in order
  assert.match(lines[0], /^cpu0 main\s+VS0\s+0x0000\s+hello\.mover:2\s+mov r1, 6$/);
  assert.match(lines[1], /hello\.mover:3\s+mul r1, r1, 7$/);
  assert.equal(lines[2], 'the answer is 42');
  assert.match(lines[4], /hello\.mover:5\s+halt$/);
});

test('--json prints the final state: registers, counters, console', () => {
  const r = mover('run', '--json', prog('hello.mover'));
  assert.equal(r.code, 0);
  const s = JSON.parse(r.out);
  assert.equal(s.status, 'halted');
  assert.equal(s.retired, 4);
  assert.equal(s.threads[0].registers.r1, '0x2a');
  assert.deepEqual(s.console.map((l: { text: string }) => l.text), ['the answer is 42']);
  assert.equal(s.cpus.length, 2);
  assert.equal(s.cpus[0].space, 'VS0');
});

test('bad run arguments: exit 64 with a clear message', () => {
  for (const args of [['run'], ['run', prog('hello.mover'), '--cpus', '0'], ['run', prog('hello.mover'), '--max-steps', 'lots'], ['run', prog('hello.mover'), '--tlb-policy', 'mru'], ['run', prog('hello.mover'), '--tlb-seed', 'x'], ['run', 'no-such.mover']]) {
    const r = mover(...args);
    if (args[1] === 'no-such.mover') {
      assert.equal(r.code, 1);
      // Named as given (relative to the working folder), with the path it tried: never `?`.
      assert.equal(r.err, `no-such.mover:1:1: error: cannot read ${path.join(root, 'no-such.mover')}: no such file\n1 error; nothing was run.\n`);
      continue;
    }
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.err}`);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
});

test('--tlb-policy and --tlb-seed: FIFO and seeded random runs halt as LRU does, and the same seed gives the same counters', () => {
  const json = (...extra: string[]) => {
    const r = mover('run', path.join(root, 'examples', 'missing-flush.mover'), '--json', ...extra);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as { cpus: { tlb: Record<string, number> }[] };
  };
  for (const policy of ['lru', 'fifo']) json('--tlb-policy', policy);
  assert.deepEqual(json('--tlb-policy', 'random', '--tlb-seed', '9'), json('--tlb-policy', 'random', '--tlb-seed', '9'));
});

test('every example runs to a normal halt', () => {
  for (const name of ['fig4-walk.mover', 'fig5-layout.mover', 'missing-flush.mover']) {
    const r = mover('run', path.join(root, 'examples', name));
    assert.equal(r.code, 0, `${name}: ${r.err}`);
  }
});

test('a program that is /dev/zero, a FIFO, a directory or a 17 MiB file: exit 1 at once, with the reason', () => {
  const s = specialFiles('.mover');
  try {
    for (const c of s.cases) {
      const r = mover('run', c.file);
      assert.equal(r.code, 1, `${c.name}: ${r.err}`);
      assert.match(r.err, new RegExp(`: error: cannot read ${c.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `), c.name);
      assert.match(r.err, c.reason, c.name);
    }
    const dev = mover('run', '/dev/zero');
    assert.equal(dev.code, 1);
    assert.match(dev.err, /cannot read \/dev\/zero: only \.mover files are read/);
  } finally {
    s.dispose();
  }
});

test('a program that runs off its end: exit 2, "ran off the end" after the last instruction, with its line', () => {
  withWorkspace({}, ({ dir }) => {
    const file = path.join(dir, 'off.mover');
    writeFileSync(file, 'start:\n    mov r1, 1\n    add r1, r1, 1\n');
    const r = mover('run', file);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'mover: ran off the end of the program after its last instruction, at off.mover:3 (end with halt, or jump back) (thread main on cpu0)\n');
    assert.doesNotMatch(mover('run', '--json', file).out, /invalid opcode|undefined/);
  });
});

test('control characters from a program (its console output, its source lines in errors) are escaped', () => {
  withWorkspace({}, ({ dir }) => {
    const out = path.join(dir, 'out.mover');
    writeFileSync(out, 'start:\n    print "\\x1b[2J\\x07cleared\\tok"\n    halt\n');
    const r = mover('run', out);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '\\u001b[2J\\u0007cleared\tok\n');
    const bad = path.join(dir, 'bad.mover');
    writeFileSync(bad, 'start:\n    mvo r1, 1 ; \u001b]0;owned\u0007\n    halt\n');
    const e = mover('run', bad);
    assert.equal(e.code, 1);
    assert.match(e.err, /mvo r1, 1 ; \\u001b\]0;owned\\u0007\n/);
    assert.equal(escapeControls(e.err, '\n\t'), e.err, 'no control character but newline and tab');
  });
});
