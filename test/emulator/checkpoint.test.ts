// Checkpoints: registers, control registers, TLB contents and counters, memory (changed and newly
// touched pages) and volumes come back exactly; restoring twice and across several checkpoints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CR0_PE, CR0_WP, CR0_PG, Machine, MachineError } from '../../emulator/index';
import { US, VS1_PDPT, enterSpace, layoutOf, memoryDigest, patentSpec, pteAddress } from './helpers';

function machine(): Machine {
  const spec = patentSpec();
  spec.volumes = [{ name: 'clone', blockSize: 4096, blocks: 64 }];
  return new Machine({ layout: layoutOf(spec), cpus: 2 });
}

function state(m: Machine) {
  return {
    cpus: m.processors.map((p) => ({ ...p.snapshot(), paging: p.paging })),
    memory: memoryDigest(m.memory),
    volumes: m.volumes.list().map((v) => ({ name: v.name, written: v.blocksWritten, blocks: Array.from({ length: v.blockCount }, (_, b) => v.peek(b) ? [...v.peek(b)!] : null) })),
    volumeCounters: { ...m.volumes.counters },
  };
}

/** Changes every kind of state: registers, CRs, TLB, memory (old and new pages), volumes. */
function mutate(m: Machine, k: number): void {
  const [a, b] = m.processors;
  a.regLo[1] = 0x1000 * k;
  a.regHi[2] = -k;
  b.regLo[15] = k;
  if (a.paging) a.writeCr3(k % 2 ? 0xef00_0020 : VS1_PDPT);
  else enterSpace(m, a, 'VS1');
  a.translateRead(0x2000_0000 + k * 0x1000);
  a.translateWrite(0x1000 * k);
  a.translateRead(0xf000_2000); // a C3 page (global)
  b.writeCr0(CR0_PE | CR0_WP);
  b.translateRead(0x9000_0000); // paging off: VS0
  a.translateRead(0xffff_f000);
  m.memory.write32(0x1_0000_0000, 0x1111_0000 + k); // an existing page changes
  m.memory.write32(0x7_0000_0000 + k * 0x1000, k); // a new page is touched
  m.memory.write8(0x2000_0000, k);
  m.volumes.writeFromMemory(m.memory, 'clone', k, 1, 0x1_0000_0000);
  m.volumes.writeFromMemory(m.memory, 'clone', 0, 1, 0x7_0000_0000 + k * 0x1000);
  m.volumes.readToMemory(m.memory, 'clone', k, 1, 0x6_0000_0000);
}

test('restore brings back registers, CRs, TLB contents and counters, memory and volumes', () => {
  const m = machine();
  mutate(m, 1);
  const cp1 = m.checkpoint({ label: 'one' });
  const s1 = state(m);
  const touched1 = m.memory.pagesTouched;

  mutate(m, 2);
  m.processors[0].translateRead(0xf000_0000); // C3
  m.processors[1].cr2 = 0x1234;
  const s2changed = state(m);
  assert.notDeepEqual(s2changed.cpus, s1.cpus, 'the mutation changed processor state');
  assert.notEqual(s2changed.memory.hash, s1.memory.hash);
  assert.ok(m.memory.pagesTouched > touched1, 'new pages were touched');
  assert.notDeepEqual(s2changed.volumes, s1.volumes);

  assert.deepEqual(m.restore(cp1), { label: 'one' }, 'restore hands back the extra');
  assert.deepEqual(state(m), s1);
  assert.equal(m.memory.pagesTouched, touched1, 'pages touched after the checkpoint are released');
  assert.equal(m.memory.isTouched(0x7_0000_2000), false);
  assert.equal(m.memory.read32(0x1_0000_0000), 0x1111_0001);
});

test('restoring twice to the same checkpoint, and to an older one across several', () => {
  const m = machine();
  mutate(m, 1);
  const cp1 = m.checkpoint('one');
  const s1 = state(m);
  mutate(m, 2);
  const cp2 = m.checkpoint('two');
  const s2 = state(m);
  mutate(m, 3);
  const cp3 = m.checkpoint('three');
  const s3 = state(m);
  mutate(m, 4);
  assert.deepEqual(m.checkpointIds(), [cp1, cp2, cp3]);

  assert.equal(m.restore(cp2), 'two');
  assert.deepEqual(state(m), s2);
  assert.deepEqual(m.checkpointIds(), [cp1, cp2], 'later checkpoints are dropped');
  assert.throws(() => m.restore(cp3), MachineError);
  assert.notDeepEqual(s3, s2);

  mutate(m, 5);
  assert.notDeepEqual(state(m), s2);
  assert.equal(m.restore(cp2), 'two');
  assert.deepEqual(state(m), s2, 'second restore to the same checkpoint');
  mutate(m, 6);
  mutate(m, 7);
  assert.equal(m.restore(cp2), 'two');
  assert.deepEqual(state(m), s2, 'third restore');

  const cp4 = m.checkpoint('four');
  mutate(m, 8);
  const cp5 = m.checkpoint('five');
  mutate(m, 9);
  assert.deepEqual(m.checkpointIds(), [cp1, cp2, cp4, cp5]);
  assert.equal(m.restore(cp1), 'one', 'back across four checkpoints');
  assert.deepEqual(state(m), s1);
  mutate(m, 10);
  m.restore(cp1);
  assert.deepEqual(state(m), s1);
});

test('after a restore the CPU uses the restored TLB: no translation cached after the checkpoint survives', () => {
  const m = machine();
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  const cp = m.checkpoint();
  // After the checkpoint: 0x2000_3000 is translated and cached (PA 0x1_0000_3000).
  assert.equal(cpu.translateRead(0x2000_3000), 0x1_0000_3000);
  m.restore(cp);
  // Now change the PTE (after the restore, so this is the live page table): a walk must see it.
  const pte = pteAddress(m.memory, VS1_PDPT, 0x2000_3000);
  m.memory.write32(pte, (m.memory.read32(pte) & 0xfff) | 0x9000);
  assert.equal(cpu.translateRead(0x2000_3000), 0x1_0000_9000);
  assert.equal(cpu.translateWrite(0x2000_3000), 0x1_0000_9000);
});

test('after a restore the CPU uses the restored TLB: translations cached at the checkpoint come back', () => {
  const m = machine();
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  assert.equal(cpu.translateRead(0x2000_4000), 0x1_0000_4000);
  const pte = pteAddress(m.memory, VS1_PDPT, 0x2000_4000);
  m.memory.write32(pte, (m.memory.read32(pte) & 0xfff) | 0xa000); // stale from here on
  const cp = m.checkpoint();
  cpu.invlpg(0x2000_4000);
  assert.equal(cpu.translateRead(0x2000_4000), 0x1_0000_a000);
  m.restore(cp);
  assert.equal(cpu.translateRead(0x2000_4000), 0x1_0000_4000, 'the stale entry held at the checkpoint is back');
});

test('a checkpoint taken at CPL 3 with a supervisor entry cached: user access still faults after restore', () => {
  const m = machine();
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS1');
  // Make C1's page 0x5000 supervisor-only (clear U/S in its PTE), cache it at CPL 0.
  const pte = pteAddress(m.memory, VS1_PDPT, 0x5000);
  m.memory.write32(pte, m.memory.read32(pte) & ~US);
  assert.equal(cpu.translateRead(0x5000), 0x5000);
  cpu.setCpl(3);
  const cp = m.checkpoint();
  assert.equal(cpu.translateRead(0x5000), -1, 'user read of a supervisor page faults');
  assert.equal(cpu.lastFault?.errorCode, 5);
  m.restore(cp);
  assert.equal(cpu.cpl, 3);
  assert.notEqual(cpu.tlb.probe(0x5), -1, 'the supervisor entry is back in the TLB');
  assert.equal(cpu.translateRead(0x5000), -1, 'and a user read through it still faults');
  assert.equal(cpu.lastFault?.errorCode, 5);
  m.restore(cp);
  assert.equal(cpu.translateWrite(0x5000), -1);
  assert.equal(cpu.lastFault?.errorCode, 7);
  // Restoring from CPL 0 back to the CPL 3 checkpoint: the privilege level comes back with the TLB.
  m.restore(cp);
  cpu.setCpl(0);
  assert.equal(cpu.translateRead(0x5000), 0x5000, 'CPL 0 may read it');
  m.restore(cp);
  assert.equal(cpu.cpl, 3);
  assert.equal(cpu.translateRead(0x5000), -1, 'back at CPL 3 the read faults');
  assert.equal(cpu.lastFault?.errorCode, 5);
});

test('paging state comes back: a checkpoint in VS0 restored after switching to VS1', () => {
  const m = machine();
  const cpu = m.processors[0];
  const cp = m.checkpoint();
  enterSpace(m, cpu, 'VS1');
  assert.equal(cpu.translateRead(0x2000_0000), 0x1_0000_0000);
  m.restore(cp);
  assert.equal(cpu.paging, false);
  assert.equal(cpu.cr0 & CR0_PG, 0);
  assert.equal(cpu.translateRead(0x2000_0000), 0x2000_0000);
  assert.equal(m.currentSpace(cpu)?.name, 'VS0');
});

test('volumes created after a checkpoint disappear on restore; clearCheckpoints stops journaling', () => {
  const m = machine();
  const cp = m.checkpoint();
  m.volumes.create({ name: 'save1', blockSize: 4096, blocks: 8 });
  m.memory.write32(0x1_0000_0000, 7);
  m.volumes.writeFromMemory(m.memory, 'save1', 3, 1, 0x1_0000_0000);
  m.restore(cp);
  assert.equal(m.volumes.get('save1'), undefined);
  m.clearCheckpoints();
  assert.deepEqual(m.checkpointIds(), []);
  assert.throws(() => m.restore(cp), /no checkpoint/);
});

test('dropping a middle checkpoint folds its journal: the others still restore exactly, and the bytes held shrink when pages repeat', () => {
  const m = machine();
  const states: ReturnType<typeof state>[] = [];
  const ids: number[] = [];
  for (let k = 1; k <= 4; k++) {
    ids.push(m.checkpoint());
    states.push(state(m));
    mutate(m, k);
    m.volumes.writeFromMemory(m.memory, 'clone', k, 1, 0x1_0000_0000);
  }
  const before = m.checkpointBytes();
  assert.ok(before > 0);
  m.dropCheckpoint(ids[1]);
  m.dropCheckpoint(ids[2]);
  // The same pages are rewritten in every interval: one saved copy each is left.
  assert.ok(m.checkpointBytes() < before, `${m.checkpointBytes()} < ${before}`);
  assert.deepEqual(m.checkpointIds(), [ids[0], ids[3]]);
  m.restore(ids[3]);
  assert.deepEqual(state(m), states[3]);
  m.restore(ids[0]);
  assert.deepEqual(state(m), states[0]);
  assert.throws(() => m.dropCheckpoint(ids[0]), MachineError, 'the latest checkpoint records now');
});

test('dropping the oldest checkpoint forgets the history before the next one; the bytes held count saved pages and blocks', () => {
  const m = machine();
  m.memory.write32(0x1_0000_0000, 0);
  const first = m.checkpoint();
  assert.equal(m.checkpointBytes(), 0);
  m.memory.write32(0x1_0000_0000, 1);
  assert.equal(m.checkpointBytes(), 4096);
  const second = m.checkpoint();
  const s = state(m);
  m.memory.write32(0x1_0000_0000, 2);
  m.dropCheckpoint(first);
  assert.deepEqual(m.checkpointIds(), [second]);
  m.restore(second);
  assert.deepEqual(state(m), s);
});
