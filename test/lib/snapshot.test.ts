// The snapshot copy facility in mover script (lib/snapshot.mover) against a reference model made of
// plain full copies of the volume taken at each snapshot time; plus [00052] and FIG. 11 exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runProgram, prng } from './run-program';

const BLOCKS = 16;

type Op = { kind: 'write'; block: number; value: number } | { kind: 'create' } | { kind: 'delete' } | { kind: 'read'; snap: number; block: number };

function program(ops: Op[]): string {
  const body = ops.map((o) => {
    switch (o.kind) {
      case 'write': return `    call snap_buffer\n    st32 [r1], ${o.value}\n    mov r3, ${o.block}\n    call snap_write_vs0\n`;
      case 'create': return '    call snap_create_vs0\n    print "c {r0:d}"\n';
      case 'delete': return '    call snap_delete_vs0\n    print "d {r0:d}"\n';
      case 'read': return `    mov r3, ${o.snap}\n    mov r4, ${o.block}\n    call snap_read_vs0\n    call snap_buffer\n    ld32 r5, [r1]\n    print "r {r5:d}"\n`;
    }
  }).join('');
  return `.include "snapshot.mover"\n.thread main, start, cpu=0\n.volume CLONE, 4096, ${BLOCKS}\nstart:\n    call boot_cpu\n    mov r3, CLONE\n    mov r4, ${BLOCKS}\n    call snap_init_vs0\n${body}    halt\n`;
}

test('1,000 short random sequences, each on a fresh clone volume, agree with full copies', () => {
  // 20 programs x 50 sequences x 24 operations; each sequence makes its clone with vol.new and
  // starts the facility afresh (snap_init), so every sequence begins with an empty queue.
  let sequences = 0;
  for (let p = 0; p < 20; p++) {
    const rnd = prng(1000 + p);
    let body = '';
    const expected: string[] = [];
    for (let q = 0; q < 50; q++) {
      const clone = new Array<number>(8).fill(0);
      const queue: { id: number; copy: number[] }[] = [];
      let nextId = 1;
      body += '    vol.new r3, 8\n    mov r4, 8\n    call snap_init_vs0\n';
      for (let i = 0; i < 24; i++) {
        const r = rnd();
        if (r < 0.45) {
          const block = Math.floor(rnd() * 8), value = 1 + Math.floor(rnd() * 65535);
          clone[block] = value;
          body += `    call snap_buffer\n    st32 [r1], ${value}\n    mov r3, ${block}\n    call snap_write_vs0\n`;
        } else if (r < 0.6) {
          queue.push({ id: nextId++, copy: [...clone] });
          body += '    call snap_create_vs0\n';
        } else if (r < 0.67) {
          queue.shift();
          body += '    call snap_delete_vs0\n';
        } else if (queue.length) {
          const s = queue[Math.floor(rnd() * queue.length)];
          const block = Math.floor(rnd() * 8);
          expected.push(String(s.copy[block]));
          body += `    mov r3, ${s.id}\n    mov r4, ${block}\n    call snap_read_vs0\n    call snap_buffer\n    ld32 r5, [r1]\n    print "{r5:d}"\n`;
        }
      }
      sequences++;
    }
    const { stop, lines } = runProgram(`.include "snapshot.mover"\n.thread main, start, cpu=0\nstart:\n    call boot_cpu\n${body}    halt\n`);
    assert.equal(stop.kind, 'halted', JSON.stringify(stop));
    assert.deepEqual(lines, expected, `program ${p}`);
  }
  assert.equal(sequences, 1000);
});

test('FIG. 10 and FIG. 11 agree with full copies of the volume over long random sequences (12 seeds x 300 operations)', () => {
  let total = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const rnd = prng(seed * 7919);
    const clone = new Array<number>(BLOCKS).fill(0);
    const queue: { id: number; copy: number[] }[] = [];
    let nextId = 1;
    const ops: Op[] = [];
    const expected: string[] = [];
    let cofw = 0;
    const firstWrites = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const r = rnd();
      if (r < 0.5) {
        const o: Op = { kind: 'write', block: Math.floor(rnd() * BLOCKS), value: 1 + Math.floor(rnd() * 1_000_000) };
        // A copy on first write happens when the youngest snapshot has not saved this block yet.
        if (queue.length) { const k = `${queue[queue.length - 1].id}/${o.block}`; if (!firstWrites.has(k)) { firstWrites.add(k); cofw++; } }
        clone[o.block] = o.value;
        ops.push(o);
      } else if (r < 0.62) {
        queue.push({ id: nextId, copy: [...clone] });
        expected.push(`c ${nextId++}`);
        ops.push({ kind: 'create' });
      } else if (r < 0.68) {
        expected.push(`d ${queue.shift()?.id ?? 0}`);
        ops.push({ kind: 'delete' });
      } else if (queue.length) {
        const s = queue[Math.floor(rnd() * queue.length)];
        const block = Math.floor(rnd() * BLOCKS);
        expected.push(`r ${s.copy[block]}`);
        ops.push({ kind: 'read', snap: s.id, block });
      }
    }
    total += ops.length;
    const { stop, lines, machine, interp } = runProgram(program(ops));
    assert.equal(stop.kind, 'halted', JSON.stringify(stop));
    assert.deepEqual(lines, expected, `seed ${seed}`);
    // The clone volume holds the model's clone.
    const vol = machine.volumes.get('CLONE')!;
    for (let b = 0; b < BLOCKS; b++) assert.equal(new DataView(vol.read(b).buffer).getUint32(0, true), clone[b], `clone block ${b}, seed ${seed}`);
    // One cofw event per first write after each snapshot, no more.
    assert.equal(interp.events.filter((e) => e.name === 'cofw').length, cofw, `copies on first write, seed ${seed}`);
  }
  assert.ok(total >= 3000, `${total} operations`);
});

test('[00052]: clone a1 b1 c0..h0, save volume a0 b0, the snapshot reads a0..h0; maps in C5', () => {
  const src = `.include "snapshot.mover"
.thread main, start, cpu=0
.volume CLONE, 4096, 8
start:
    call boot_cpu
    mov r3, CLONE
    mov r4, 8
    call snap_init_vs0
    mov r10, 0
.init:
    call snap_buffer
    add r5, r10, 'a'
    st8 [r1], r5
    st8 [r1 + 1], '0'
    mov r3, r10
    push r10
    call snap_write_vs0
    pop r10
    add r10, r10, 1
    bltu r10, 8, .init
    call snap_create_vs0
    call snap_buffer
    st16 [r1], 0x3161          ; "a1"
    mov r3, 0
    call snap_write_vs0
    call snap_buffer
    st16 [r1], 0x3162          ; "b1"
    mov r3, 1
    call snap_write_vs0
    mov r10, 0
.read:
    mov r3, 1
    mov r4, r10
    push r10
    call snap_read_vs0
    pop r10
    call snap_buffer
    ld16 r5, [r1]
    print "{r5}"
    add r10, r10, 1
    bltu r10, 8, .read
    halt
`;
  const { stop, lines, machine, interp } = runProgram(src);
  assert.equal(stop.kind, 'halted', JSON.stringify(stop));
  const text = (b: Uint8Array) => String.fromCharCode(b[0], b[1]);
  const clone = machine.volumes.get('CLONE')!;
  assert.deepEqual(Array.from({ length: 8 }, (_, i) => text(clone.read(i))), ['a1', 'b1', 'c0', 'd0', 'e0', 'f0', 'g0', 'h0']);
  const save = machine.volumes.get(interp.volumeNames[1])!;
  assert.deepEqual([text(save.read(0)), text(save.read(1))], ['a0', 'b0']);
  assert.equal(save.blocksWritten, 2, 'only a and b were copied');
  // The snapshot read back: "a0".."h0" as little-endian 16-bit words.
  assert.deepEqual(lines.map((l) => { const v = parseInt(l.replace(/_/g, ''), 16); return String.fromCharCode(v & 0xff, v >> 8); }), ['a0', 'b0', 'c0', 'd0', 'e0', 'f0', 'g0', 'h0']);
  // Copies on first write: exactly a (0 -> save 0) and b (1 -> save 1).
  assert.deepEqual(interp.events.filter((e) => e.name === 'cofw').map((e) => [e.a, e.b]), [[0n, 0n], [1n, 1n]]);
  // The header is in C5: snap_header.count (offset 12) at PA 0x1_D000_000C is 1; C2 below it is not.
  assert.equal(machine.memory.read32(0x1_d000_0000 + 12), 1);
  assert.equal(machine.memory.read32(0x2000_000c), 0);
});

test('the examples of FIG. 11 and [00052] halt normally with their own checks', () => {
  for (const name of ['snapshot-00052.mover', 'fig11-three-snapshots.mover']) {
    const src = `.include ${JSON.stringify(path.resolve(__dirname, '..', '..', 'examples', name))}\n`;
    const { stop, lines } = runProgram(src);
    assert.equal(stop.kind, 'halted', `${name}: ${JSON.stringify(stop)}`);
    if (name.startsWith('fig11')) assert.match(lines.join('\n'), /snapshot 1 block 2: version 0 from 3 \(0 = clone\) after 2 recursions/);
  }
});
