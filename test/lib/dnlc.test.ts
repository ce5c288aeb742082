// The DNLC in mover script (lib/dnlc.mover) against a reference Map, through the FIG. 7 gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runProgram, prng } from './run-program';
import { Interpreter, Machine, assemble, nodeSourceHost } from '../../emulator/index';

const NAMES = ['usr', 'lib', 'etc', 'bin', 'a', 'passwd', 'hosts', 'libc.so', 'x1', 'x2', 'x3', 'longer_name_of_24_bytes!', 'tmp', 'var', 'log'];

interface Op { kind: 'enter' | 'lookup' | 'remove'; parent: number; name: number; inode: number }

function program(ops: Op[]): string {
  const data = NAMES.map((n, i) => `n${i}: .ascii ${JSON.stringify(n)}`).join('\n');
  const body = ops.map((o) => {
    const set = `    mov r3, ${o.parent}\n    mov r7, n${o.name}\n    mov r8, ${NAMES[o.name].length}\n`;
    if (o.kind === 'enter') return `${set}    mov r4, ${o.inode}\n    call dnlc_enter_vs0\n`;
    if (o.kind === 'remove') return `${set}    call dnlc_remove_vs0\n    print "r {r0:d}"\n`;
    return `${set}    call dnlc_lookup_vs0\n    print "l {r0:d}"\n`;
  }).join('');
  return `.include "dnlc.mover"\n.thread main, start, cpu=0\n.org vs0:0x2100_0000\n${data}\nstart:\n    call boot_cpu\n    call dnlc_init_vs0\n${body}    halt\n`;
}

test('the DNLC answers like a Map over random enters, lookups and removes (8 seeds x 250 operations)', () => {
  for (let seed = 1; seed <= 8; seed++) {
    const rnd = prng(seed);
    const ops: Op[] = [];
    const model = new Map<string, number>();
    const expected: string[] = [];
    let hits = 0, misses = 0;
    for (let i = 0; i < 250; i++) {
      const r = rnd();
      const o: Op = { kind: r < 0.4 ? 'enter' : r < 0.85 ? 'lookup' : 'remove', parent: 2 + Math.floor(rnd() * 4), name: Math.floor(rnd() * NAMES.length), inode: 100 + i };
      ops.push(o);
      const key = `${o.parent}/${NAMES[o.name]}`;
      if (o.kind === 'enter') model.set(key, o.inode);
      else if (o.kind === 'remove') expected.push(`r ${model.delete(key) ? 1 : 0}`);
      else {
        const v = model.get(key);
        if (v === undefined) misses++; else hits++;
        expected.push(`l ${v ?? 0}`);
      }
    }
    const { stop, lines, machine } = runProgram(program(ops));
    assert.equal(stop.kind, 'halted', JSON.stringify(stop));
    assert.deepEqual(lines, expected, `seed ${seed}`);
    // The counters live in C4: the table's first byte is PA 0x1_0000_0000 (VS1's 0x2000_0000).
    // dnlc_table: lock, buckets, capacity, used, free, entries (6 x 4 bytes), then hits, misses (u64).
    assert.equal(machine.memory.read64(0x1_0000_0000 + 24), BigInt(hits), 'hits in C4');
    assert.equal(machine.memory.read64(0x1_0000_0000 + 32), BigInt(misses), 'misses in C4');
    assert.equal(machine.memory.read32(0x1_0000_0000 + 20), model.size, 'entries in the cache');
  }
});

test('the table lives in C4: VS0 sees C2 at the same virtual address', () => {
  const { machine } = runProgram(program([{ kind: 'enter', parent: 2, name: 0, inode: 7 }]));
  assert.equal(machine.memory.read32(0x1_0000_0000 + 4), 256, 'buckets, in C4 at PA 0x1_0000_0004');
  assert.equal(machine.memory.read32(0x2000_0004), 0, 'C2 at PA 0x2000_0004 (VS0 VA 0x2000_0004) is untouched');
});

test('path lookup resolves component by component and stops at the first miss ([00044])', () => {
  const src = `.include "dnlc.mover"
.thread main, start, cpu=0
.org vs0:0x2100_0000
usr: .ascii "usr"
lib: .ascii "lib"
libc: .ascii "libc.so"
p1: .ascii "usr/lib/libc.so"
p2: .ascii "usr//lib/"
p3: .ascii "usr/nope/libc.so"
start:
    call boot_cpu
    call dnlc_init_vs0
    mov r3, 2
    mov r4, 10
    mov r7, usr
    mov r8, 3
    call dnlc_enter_vs0
    mov r3, 10
    mov r4, 11
    mov r7, lib
    mov r8, 3
    call dnlc_enter_vs0
    mov r3, 11
    mov r4, 12
    mov r7, libc
    mov r8, 7
    call dnlc_enter_vs0
    mov r3, 2
    mov r7, p1
    mov r8, 15
    call dnlc_path_vs0
    print "{r0:d}"
    mov r3, 2
    mov r7, p2
    mov r8, 9
    call dnlc_path_vs0
    print "{r0:d}"
    mov r3, 2
    mov r7, p3
    mov r8, 16
    call dnlc_path_vs0
    print "{r0:d}"
    halt
`;
  const { lines, stop } = runProgram(src);
  assert.equal(stop.kind, 'halted');
  assert.deepEqual(lines, ['12', '11', '0']);
});

test('FIG. 7 on two processors at once halts with the right inodes, also with a small timer quantum', () => {
  const file = path.resolve(__dirname, '..', '..', 'examples', 'fig7-dnlc.mover');
  const r = assemble(file, undefined, { host: nodeSourceHost, includePath: [path.resolve(__dirname, '..', '..', 'lib')] });
  assert.ok(r.program);
  const program = r.program;
  for (const timerQuantum of [10_000, 7]) {
    const interp: Interpreter = new Interpreter(new Machine({ cpus: 2 }), program, { timerQuantum });
    const stop = interp.run(50_000_000);
    assert.equal(stop.kind, 'halted', JSON.stringify(stop));
    const text = interp.output.map((l) => `${interp.threads[l.thread].name}: ${l.text}`).join('\n');
    assert.match(text, /a: a on cpu0: usr\/lib\/libc\.so -> inode 12/);
    assert.match(text, /b: b on cpu1: etc\/passwd -> inode 21/);
    // Both processors went through the gate: each region's call counter in C1 (percpu.calls at +48).
    const calls = (cpu: number) => interp.machine.memory.read64(0x0010_0000 + cpu * 0x2000 + 48);
    assert.ok(calls(0) >= 7n && calls(1) === 2n, `calls cpu0 ${calls(0)}, cpu1 ${calls(1)}`);
    assert.equal(interp.machine.processors[0].preemptCount, 0);
    assert.equal(interp.machine.processors[1].preemptCount, 0);
  }
});
