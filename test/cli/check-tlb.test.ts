// `mover run --check-tlb`: the TLB sanitizer's findings printed like diagnostics, and the exit codes,
// over the real built command.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureBuilt, root } from '../support/build';

const example = (name: string) => path.join(root, 'examples', name);

function mover(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mover.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, `mover ${args.join(' ')}: ${r.error?.message}`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => ensureBuilt('cli.js', ['cli', 'emulator']));

test('missing-flush.mover: exit 4, the stale read with a caret, a note at the remap, the shootdown warning', () => {
  const r = mover('run', '--check-tlb', example('missing-flush.mover'));
  assert.equal(r.code, 4, r.err);
  assert.match(r.err, /^examples\/missing-flush\.mover:36:5: error: stale TLB use: cpu0 read 0x2000_0000 in VS1 through a stale TLB entry .* made stale by cpu1's write of the PTE .* fix: invlpg \[0x2000_0000\] on cpu0/m);
  assert.match(r.err, /\n {8}ld32 r4, \[r3\] +; BUG[^\n]*\n {8}\^\n/);
  assert.match(r.err, /^examples\/missing-flush\.mover:58:5: note: cpu1's write here made the entry stale$/m);
  assert.match(r.err, /^examples\/missing-flush\.mover:58:5: warning: missing TLB shootdown: cpu1 wrote the PTE/m);
  assert.match(r.err, /^mover: TLB check: 2 unexpected findings$/m);
  // The program itself ran as it does without the check.
  assert.equal(r.out, mover('run', example('missing-flush.mover')).out);
});

test('without --check-tlb the same program exits 0 and prints no finding', () => {
  const r = mover('run', example('missing-flush.mover'));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
});

test('a correct shootdown, the FIG. 7 gate and the snapshot modules: exit 0, no stale TLB use', () => {
  for (const name of ['shootdown.mover', 'fig7-dnlc.mover', 'snapshot-00052.mover', 'fig11-three-snapshots.mover']) {
    const r = mover('run', '--check-tlb', example(name));
    assert.equal(r.code, 0, `${name}: ${r.err}`);
    assert.equal(r.err, 'mover: TLB check: no stale TLB use\n', name);
  }
});

test('a stale use marked .expect_stale is reported as expected (info) and exits 0', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mover-check-tlb-'));
  const file = path.join(dir, 'expected.mover');
  const src = readFileSync(example('missing-flush.mover'), 'utf8')
    .replace('.include "boot.mover"', `.include "${path.join(root, 'lib', 'boot.mover')}"`)
    .replace('    ld32 r4, [r3]                   ; BUG', '    .expect_stale\n    ld32 r4, [r3]                   ; BUG');
  writeFileSync(file, src);
  const r = mover('run', '--check-tlb', file);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /expected\.mover:37:5: info: stale TLB use: .*\(expected: \.expect_stale\)/);
  assert.match(r.err, /^mover: TLB check: 0 unexpected findings, 2 expected \(\.expect_stale\)$/m);
});

test('--json carries the findings with positions', () => {
  const r = mover('run', '--check-tlb', '--json', example('missing-flush.mover'));
  assert.equal(r.code, 4);
  const j = JSON.parse(r.out) as { exitCode: number; tlbFindings: { kind: string; cpu: number; at: { line: number }; write: { cpu: number; at: { line: number } } }[] };
  assert.equal(j.exitCode, 4);
  const use = j.tlbFindings.find((f) => f.kind === 'stale-use')!;
  assert.equal(use.cpu, 0);
  assert.equal(use.at.line, 36);
  assert.equal(use.write.cpu, 1);
  assert.equal(use.write.at.line, 58);
});

test('a fault still exits 2 with --check-tlb', () => {
  const r = mover('run', '--check-tlb', '--layout', path.join(root, 'test', 'fixtures', 'layouts', 'vs1-hole.json'), path.join(root, 'test', 'fixtures', 'programs', 'fault.mover'));
  assert.equal(r.code, 2);
  assert.match(r.err, /^mover: page fault/m);
});
