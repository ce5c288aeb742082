// The `mover` command line (layout, translate, tables and their errors), two ways for every case:
// runCli in this process with a capturing io, and the real built command `node bin/mover.js ...`.
// Both must agree byte for byte on stdout, stderr and the exit code.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { withWorkspace } from '../support/workspace';
import { escapeControls } from '../../emulator/index';
import { runCli, EXIT_DATA, EXIT_USAGE } from '../../cli/main';
import { SPECIAL_FILE_TIMEOUT_MS, specialFiles } from '../support/special-files';

import { ensureBuilt, root } from '../support/build';
const layoutFile = (name: string) => path.join(root, 'test', 'fixtures', 'layouts', name);
const HOLES = layoutFile('cli-holes.json');

interface Result {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** runCli with an io that collects what `main` would print (each call is one line). */
function inProcess(args: string[]): Result {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(args, { out: (t) => out.push(t + '\n'), err: (t) => err.push(t + '\n') });
  return { code, out: out.join(''), err: err.join('') };
}

function spawned(args: string[]): Result {
  // `tables` prints about 50 MB of JSON for a patent space.
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mover.js'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs both ways, checks they agree, returns the result. */
function mover(...args: string[]): Result {
  const a = inProcess(args);
  const b = spawned(args);
  assert.equal(b.code, a.code, `exit code of the built command for: mover ${args.join(' ')}\n${b.err}`);
  assert.ok(b.err === a.err, `stderr differs for: mover ${args.join(' ')}\nin process: ${a.err}\nbuilt: ${b.err}`);
  // Compared as a boolean so a mismatch does not print 50 MB of diff.
  assert.ok(b.out === a.out, `stdout differs for: mover ${args.join(' ')} (${a.out.length} vs ${b.out.length} characters)`);
  return a;
}

before(() => ensureBuilt('cli.js', ['cli', 'emulator']));

test('layout: the chunk table lists C1..C5 and the VS0/VS1/VS2 matrix follows FIG. 5', () => {
  const r = mover('layout');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  for (const row of [
    /^\s+C1\s+0x0\s+0x1fff_ffff\s+512M\s/m,
    /^\s+C2\s+0x2000_0000\s+0xefff_ffff\s+3\.25G\s/m,
    /^\s+C3\s+0xf000_0000\s+0xffff_ffff\s+256M\s/m,
    /^\s+C4\s+0x1_0000_0000\s+0x1_cfff_ffff\s+3\.25G\s/m,
    /^\s+C5\s+0x1_d000_0000\s+0x2_9fff_ffff\s+3\.25G\s/m,
  ]) assert.match(r.out, row);
  // The space matrix: C1 and C3 common (global in the paged spaces), the middle differs per space.
  assert.match(r.out, /^\s+VA range\s+VS0\s+VS1\s+VS2$/m);
  assert.match(r.out, /^\s+0x0000_0000\.\.0x1fff_ffff\s+C1\s+C1\*\s+C1\*$/m);
  assert.match(r.out, /^\s+0x2000_0000\.\.0xefff_ffff\s+C2\s+C4\s+C5$/m);
  assert.match(r.out, /^\s+0xf000_0000\.\.0xffff_ffff\s+C3\s+C3\*\s+C3\*$/m);
  assert.match(r.out, /VS0\s+paging off: linear = physical/);
  assert.match(r.out, /VS1\s+CR3 = 0xef00_0000/);
  assert.match(r.out, /VS2\s+CR3 = 0xef00_0020/);
});

test('layout --json parses, and chunk C4 is at 0x100000000', () => {
  const r = mover('layout', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { chunks: { name: string; base: string; size: string }[]; spaces: { name: string; paging: boolean; cr3: string | null }[] };
  assert.deepEqual(j.chunks.map((c) => c.name), ['C1', 'C2', 'C3', 'C4', 'C5']);
  const c4 = j.chunks.find((c) => c.name === 'C4')!;
  assert.equal(c4.base, '0x100000000');
  assert.equal(c4.size, '0xd0000000');
  assert.deepEqual(j.spaces.map((s) => [s.name, s.paging, s.cr3]), [['VS0', false, null], ['VS1', true, '0xef000000'], ['VS2', true, '0xef000020']]);
});

test('translate --space VS1 0x20000000 lands at the base of C4', () => {
  const r = mover('translate', '--space', 'VS1', '0x20000000');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.equal(r.out, 'VS1 0x2000_0000 -> 0x1_0000_0000 (C4)\n');
  assert.match(r.out, /0x1_0000_0000 \(C4\)/);
});

test('translate: the same VAs in each space, several at once', () => {
  const r = mover('translate', '--space', 'vs2', '0x2000_0000', '0x1000', '0xf000_0010', '536875008');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trimEnd().split('\n'), [
    'VS2 0x2000_0000 -> 0x1_d000_0000 (C5)',
    'VS2 0x0000_1000 -> 0x1000 (C1)',
    'VS2 0xf000_0010 -> 0xf000_0010 (C3)',
    'VS2 0x2000_1000 -> 0x1_d000_1000 (C5)',
  ]);
  assert.equal(mover('translate', '--space', 'VS0', '0x2000_0000').out, 'VS0 0x2000_0000 -> 0x2000_0000 (C2)\n');
});

test('translate on a layout with holes: faults at the PDPTE, the PDE and the PTE', () => {
  const r = mover('translate', '--space', 'VS1', '--layout', HOLES, '0x2010_2fff', '0x2010_3000', '0x4000_0000', '0xc000_0000', '0xf000_0000');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trimEnd().split('\n'), [
    'VS1 0x2010_2fff -> 0x1_0010_2fff (C4)',
    // Read, supervisor, not present: error code 0.
    'VS1 0x2010_3000 -> fault (not-present at the PTE, error code 0x0)',
    'VS1 0x4000_0000 -> fault (not-present at the PDPTE, error code 0x0)',
    'VS1 0xc000_0000 -> fault (not-present at the PDE, error code 0x0)',
    'VS1 0xf000_0000 -> 0xf000_0000 (C3)',
  ]);
});

test('translate --verbose shows the CR3, PDPTE, PDE and PTE of the walk', () => {
  const r = mover('translate', '--space', 'VS1', '--verbose', '0x2000_1234');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.match(lines[0], /^VS1 0x2000_1234\s+PDPT index 0, PD index 256, PT index 1, offset 0x234$/);
  assert.match(r.out, /^\s+CR3\s+0xef00_0000\s+\(PDPT base\)$/m);
  assert.match(r.out, /^\s+PDPTE\s+at 0xef00_0000\s+= 0x0000_0000_ef00_1001\s+P\s+-> page directory at 0xef00_1000$/m);
  // PD index 256 is 256 * 8 = 0x800 into the directory.
  assert.match(r.out, /^\s+PDE\s+at 0xef00_1800\s+= 0x0000_0000_ef1\w_\w{3}7\s+P RW U\s+-> page table at 0xef1\w_\w000$/m);
  assert.match(r.out, /^\s+PTE\s+at 0xef1\w_\w008\s+= 0x0000_0001_0000_1007\s+P RW U\s+-> frame 0x1_0000_1000$/m);
  assert.match(r.out, /^\s+PA\s+0x1_0000_1234\s+\(C4 \+ 0x1234, DNLC\)$/m);
  // The short flag is the same option.
  assert.equal(mover('translate', '--space', 'VS1', '-v', '0x2000_1234').out, r.out);
});

test('translate --verbose of a fault stops at the level that is not present', () => {
  const r = mover('translate', '--space', 'VS1', '--layout', HOLES, '--verbose', '0x2010_3000', '0x4000_0000');
  assert.equal(r.code, 0, r.err);
  const [pte, pdpte] = r.out.split('\n\n');
  assert.match(pte, /PDPTE\s+at 0xef00_0000 .* P\s/);
  assert.match(pte, /PDE\s+at 0xef00_1800 .* P RW U/);
  assert.match(pte, /PTE\s+at 0x\w+_\w+\s+= 0x0000_0000_0000_0000\s+not present/);
  assert.match(pte, /FAULT\s+#PF not-present at the PTE, error code 0x0/);
  assert.match(pdpte, /PDPTE\s+at 0xef00_0008\s+= 0x0000_0000_0000_0000\s+not present/);
  assert.doesNotMatch(pdpte, /^\s+PDE\s/m);
  assert.match(pdpte, /FAULT\s+#PF not-present at the PDPTE/);
});

test('translate --json gives every level of the walk', () => {
  const r = mover('translate', '--space', 'VS1', '--json', '0x20000000');
  assert.equal(r.code, 0, r.err);
  const [t] = JSON.parse(r.out) as { ok: boolean; pa: string; chunk: string; levels: { level: string; raw: string }[] }[];
  assert.equal(t.ok, true);
  assert.equal(t.pa, '0x100000000');
  assert.equal(t.chunk, 'C4');
  assert.deepEqual(t.levels.map((l) => l.level), ['PDPTE', 'PDE', 'PTE']);
  assert.equal(t.levels[2].raw, '0x0000000100000007');
});

test('tables --space VS1: CR3 is the layout\'s PDPT and every reachable entry is listed once', () => {
  const layout = JSON.parse(mover('layout', '--json').out) as { spaces: { name: string; cr3: string | null }[] };
  const r = mover('tables', '--space', 'VS1');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const j = JSON.parse(r.out) as { cr3: string; writes: { pa: string; u64: string }[] };
  assert.equal(j.cr3, layout.spaces.find((s) => s.name === 'VS1')!.cr3);
  assert.equal(j.cr3, '0xef000000');
  // VS1 maps all 4 GiB (C1 | C4 | C3) with 4 KiB pages: 4 present PDPTEs, 4 directories of 512 present
  // PDEs, and one page table per 2 MiB (4 GiB / 2 MiB = 2048 distinct tables) of 512 present PTEs each.
  // (VS2's tables for C5 are not reachable from VS1, nor counted.)
  const pdptes = 4, pdes = 4 * 512, ptes = (4 * 2 ** 30) / (2 * 2 ** 20) * 512;
  assert.equal(j.writes.length, pdptes + pdes + ptes);
  assert.equal(j.writes.length, 1_050_628);
  const bad = j.writes.filter((w) => !/^0x[0-9a-f]{16}$/.test(w.u64));
  assert.equal(bad.length, 0, `entries not written as 16 hex digits: ${JSON.stringify(bad.slice(0, 3))}`);
  // In address order, no duplicates; the PDPT comes first, at CR3.
  const pas = j.writes.map((w) => parseInt(w.pa, 16));
  for (let i = 1; i < pas.length; i++) assert.ok(pas[i] > pas[i - 1], `entry ${i} (${j.writes[i].pa}) is not after ${j.writes[i - 1].pa}`);
  assert.deepEqual(j.writes.slice(0, 4).map((w) => w.pa), ['0xef000000', '0xef000008', '0xef000010', '0xef000018']);
  assert.ok(j.writes.slice(0, 4).every((w) => /^0x00000000ef[0-9a-f]{3}001$/.test(w.u64)), 'PDPTEs are present and point into the table area');
  // The PTE that maps VS1 0x2000_0000: frame 0x1_0000_0000, P RW U.
  assert.ok(j.writes.some((w) => w.u64 === '0x0000000100000007'));
  // The last PTE of C3 (VS1 0xffff_f000 -> 0xffff_f000), global: P RW U G.
  assert.ok(j.writes.some((w) => w.u64 === '0x00000000fffff107'));
});

test('help and no command', () => {
  const help = mover('help');
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: mover <command>/);
  const none = mover();
  assert.equal(none.code, EXIT_USAGE);
  assert.match(none.out, /^usage: mover <command>/);
});

const BAD: { args: string[]; code: number; message: RegExp }[] = [
  { args: ['frob'], code: EXIT_USAGE, message: /^mover: unknown command "frob"/ },
  { args: ['translate', '0x1000'], code: EXIT_USAGE, message: /^mover: --space is required \(spaces: VS0, VS1, VS2\)/ },
  { args: ['tables'], code: EXIT_USAGE, message: /^mover: --space is required/ },
  { args: ['translate', '--space', 'VS9', '0x1000'], code: EXIT_USAGE, message: /^mover: no space named VS9 \(spaces: VS0, VS1, VS2\)/ },
  { args: ['tables', '--space', 'VS9'], code: EXIT_USAGE, message: /^mover: no space named VS9/ },
  { args: ['translate', '--space', 'VS1', '0x1_0000_0000'], code: EXIT_USAGE, message: /^mover: 0x1_0000_0000 is not a virtual address: a space is 32 bits \(0 \.\. 0xFFFF_FFFF\)/ },
  { args: ['translate', '--space', 'VS1', '4294967296'], code: EXIT_USAGE, message: /^mover: 4294967296 is not a virtual address/ },
  { args: ['translate', '--space', 'VS1', 'banana'], code: EXIT_USAGE, message: /^mover: not an address: "banana"/ },
  { args: ['translate', '--space', 'VS1'], code: EXIT_USAGE, message: /^mover: translate needs at least one virtual address/ },
  { args: ['tables', '--space', 'VS0'], code: EXIT_USAGE, message: /^mover: VS0 runs with paging off \(linear = physical\): it has no page tables/ },
  { args: ['layout', '--frob'], code: EXIT_USAGE, message: /^mover: Unknown option '--frob'/ },
  { args: ['layout', 'extra'], code: EXIT_USAGE, message: /^mover: layout takes no arguments \(got extra\)/ },
  {
    args: ['layout', '--layout', layoutFile('cli-bad.json')], code: EXIT_DATA,
    // Every problem at once, each with where it is.
    message: new RegExp([
      '^mover: the layout file .*cli-bad\\.json is not valid:',
      '  chunks\\[1\\]\\.base: chunk C2 base 0x1000_0800 is not 4 KiB aligned',
      '  chunks\\[2\\]\\.size: size must be a non-negative whole number .*\\(got "lots"\\)',
      '  spaces\\[1\\]\\.map\\[1\\]\\.chunk: no chunk named "C9" \\(chunks: C1\\)',
      '  spaces\\[2\\]\\.map: space VS2 has paging on and needs a non-empty "map"',
      '  pageTables: the page-table area 0x8000_0000\\.\\.0x80ff_ffff must lie inside one chunk\n$',
    ].join('.*\n')),
  },
  { args: ['translate', '--space', 'VS1', '--layout', layoutFile('cli-not-json.json'), '0x0'], code: EXIT_DATA, message: /^mover: the layout file .*cli-not-json\.json is not valid:\n {2}\(file\): not valid JSON at line \d+ column \d+\n$/ },
  { args: ['layout', '--layout', layoutFile('cli-small-tables.json')], code: EXIT_DATA, message: /pageTables\.size: the page-table area \(16K at 0x1000_0000\) is too small/ },
  { args: ['translate', '--space', 'VS1', '--layout', layoutFile('no-such-layout.json'), '0x0'], code: EXIT_DATA, message: /^mover: cannot read the layout file .*no-such-layout\.json: no such file\n$/ },
];

for (const { args, code, message } of BAD) {
  test(`bad input gives exit ${code} and a clear message: mover ${args.map((a) => path.basename(a)).join(' ')}`, () => {
    const r = mover(...args);
    assert.equal(r.code, code, r.err);
    assert.match(r.err, message);
    assert.equal(r.out, '', 'nothing on stdout');
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(r.err, /internal error/);
    // Usage errors show how to use the command; data errors only say what is wrong with the data.
    if (code === EXIT_USAGE) assert.match(r.err, /\n\nusage: mover <command> \[options\]/);
    else assert.doesNotMatch(r.err, /usage:/);
  });
}

test('--layout naming /dev/zero, a FIFO, a directory or a 17 MiB file: exit 65 with the reason, at once', () => {
  const s = specialFiles('.json');
  try {
    for (const c of [...s.cases, { name: 'the device itself', file: '/dev/zero', reason: /character device/ }]) {
      // Spawned first, with a time limit: a reader that blocks fails here instead of hanging the suite.
      const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mover.js'), 'layout', '--layout', c.file], { cwd: root, encoding: 'utf8', timeout: SPECIAL_FILE_TIMEOUT_MS });
      assert.equal(r.error, undefined, `${c.name}: ${r.error?.message}`);
      assert.equal(r.status, EXIT_DATA, `${c.name}: ${r.stderr}`);
      assert.ok(r.stderr.startsWith(`mover: cannot read the layout file ${c.file}: `), r.stderr);
      assert.match(r.stderr, c.reason, c.name);
      assert.equal(inProcess(['layout', '--layout', c.file]).err, r.stderr, `${c.name}: in process and built agree`);
    }
  } finally {
    s.dispose();
  }
});

test('a layout file that is not JSON (say /etc/shadow): the position of the error, none of its text', () => {
  withWorkspace({}, ({ dir }) => {
    const shadow = path.join(dir, 'shadow');
    writeFileSync(shadow, 'root:$y$j9T$SECRETHASH:19000:0:99999:7:::\n');
    const r = mover('layout', '--layout', shadow);
    assert.equal(r.code, EXIT_DATA);
    assert.equal(r.err, `mover: the layout file ${shadow} is not valid:\n  (file): not valid JSON at line 1 column 1\n`);
  });
});

test('layout --json is a layout file: given back as --layout it gives the same machine, byte for byte', () => {
  withWorkspace({}, ({ dir }) => {
    // The patent layout, and one with a window of a chunk, a read-only user-less 2 MiB mapping and a volume.
    const custom = path.join(dir, 'custom.json');
    writeFileSync(custom, JSON.stringify({
      name: 'windows', chunks: [{ name: 'C1', base: '0', size: '512M', purpose: 'low' }, { name: 'C2', base: '0x1_0000_0000', size: '64M', purpose: 'high' }],
      spaces: [{ name: 'VS0', paging: false }, { name: 'VS1', purpose: 'windowed', map: [
        { va: '0', chunk: 'C1', global: true }, { va: '0x4000_0000', chunk: 'C2', offset: '0x20_0000', size: '0x40_0000', writable: false, user: false, pageSize: '2M' }] }],
      pageTables: { base: '0x1000_0000', size: '16M' }, volumes: [{ name: 'disk', blockSize: 4096, blocks: 16 }],
    }));
    for (const layout of [[], ['--layout', custom]]) {
      const first = mover('layout', '--json', ...layout);
      assert.equal(first.code, 0, first.err);
      const file = path.join(dir, 'again.json');
      writeFileSync(file, first.out);
      const again = mover('layout', '--json', '--layout', file);
      assert.equal(again.code, 0, again.err);
      assert.equal(again.out, first.out);
      assert.equal(mover('layout', '--layout', file).out, mover('layout', ...layout).out, 'the text report agrees too');
    }
  });
});

test('control characters in a layout reach the terminal escaped: no escape sequence, no forged line', () => {
  withWorkspace({}, ({ dir }) => {
    const file = path.join(dir, 'evil.json');
    writeFileSync(file, JSON.stringify({
      name: 'evil\u001b]0;owned\u0007', chunks: [{ name: 'C1', base: '0', size: '512M', purpose: '\u001b[31mred\u001b[0m\u009b2J\nforged line' }],
      spaces: [{ name: 'VS0', paging: false, purpose: 'tab\there\r' }],
    }));
    const text = mover('layout', '--layout', file);
    assert.equal(text.code, 0, text.err);
    assert.equal(escapeControls(text.out, '\n\t'), text.out, 'no control character but newline and tab');
    assert.match(text.out, /Layout: evil\\u001b\]0;owned\\u0007\n/);
    assert.match(text.out, /\\u001b\[31mred\\u001b\[0m\\u009b2J\\u000aforged line/);
    assert.match(text.out, /\(tab\\u0009here\\u000d\)/);
    const json = mover('layout', '--json', '--layout', file);
    assert.equal(escapeControls(json.out, '\n\t'), json.out, 'no control character but newline and tab');
    // Still JSON, with the same text.
    assert.equal(JSON.parse(json.out).chunks[0].purpose, '\u001b[31mred\u001b[0m\u009b2J\nforged line');
  });
});
