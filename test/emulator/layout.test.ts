// Layouts are data: the default is FIG. 5; bad layouts get every problem reported with a path; more spaces
// ([00046]'s VS3 and VS4) come from configuration alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LayoutError, Machine, PATENT_LAYOUT_SPEC, defaultLayout, layoutTranslate, parseLayoutText, translate, validateLayout, whereIs,
  type LayoutProblem,
} from '../../emulator/index';
import { enterSpace, layoutOf, patentSpec } from './helpers';

const GiB = 2 ** 30, MiB = 2 ** 20;

function problemsOf(spec: unknown): LayoutProblem[] {
  const r = validateLayout(spec);
  assert.equal(r.ok, false, 'layout should be refused');
  return r.ok ? [] : [...r.problems];
}

function hasProblem(problems: LayoutProblem[], path: string, message: RegExp): void {
  assert.ok(problems.some((p) => p.path === path && message.test(p.message)),
    `expected a problem at ${path} matching ${message}; got:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
}

test('the default layout is FIG. 5: five chunks, VS0 paging off, VS1 = C1|C4|C3, VS2 = C1|C5|C3', () => {
  const l = defaultLayout();
  assert.deepEqual(l.chunks.map((c) => [c.name, c.base, c.size]), [
    ['C1', 0, 512 * MiB],
    ['C2', 512 * MiB, 3.25 * GiB],
    ['C3', 3.75 * GiB, 256 * MiB],
    ['C4', 4 * GiB, 3.25 * GiB],
    ['C5', 7.25 * GiB, 3.25 * GiB],
  ]);
  // The layout spans 10.5 GiB: C5 ends at 7.25G + 3.25G.
  assert.equal(l.chunks[4].base + l.chunks[4].size, 10.5 * GiB);
  assert.equal(l.spaces[0].paging, false);
  assert.deepEqual(l.spaces[1].mappings.map((m) => [m.va, m.chunk, m.pa, m.size, m.global]), [
    [0, 'C1', 0, 512 * MiB, true], [512 * MiB, 'C4', 4 * GiB, 3.25 * GiB, false], [3.75 * GiB, 'C3', 3.75 * GiB, 256 * MiB, true],
  ]);
  assert.deepEqual(l.spaces[2].mappings.map((m) => [m.va, m.chunk, m.pa]), [[0, 'C1', 0], [512 * MiB, 'C5', 7.25 * GiB], [3.75 * GiB, 'C3', 3.75 * GiB]]);
  // The three spaces each cover exactly 4 GiB.
  for (const s of l.spaces.slice(1)) assert.equal(s.mappings.reduce((n, m) => n + m.size, 0), 4 * GiB);
  assert.equal(layoutTranslate(l, l.spaces[1], 0x2000_0000)?.pa, 4 * GiB);
  assert.equal(layoutTranslate(l, l.spaces[0], 0x2000_0000)?.chunk?.name, 'C2');
});

test('the patent spec as JSON text parses to the same layout', () => {
  const r = parseLayoutText(JSON.stringify(PATENT_LAYOUT_SPEC));
  assert.equal(r.ok, true);
  if (r.ok) assert.deepEqual(r.layout, defaultLayout());
});

test('bad JSON text is one clear problem', () => {
  const r = parseLayoutText('{ "chunks": [ { "name": "C1", ');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].path, '(file)');
  assert.match(r.problems[0].message, /not valid JSON/);
  const r2 = parseLayoutText('[1, 2]');
  assert.equal(r2.ok, false);
});

test('overlapping chunks', () => {
  const spec = patentSpec();
  spec.chunks[3].base = '0xFF00_0000'; // C4 now starts inside C3 (0xF000_0000..0xFFFF_FFFF)
  hasProblem(problemsOf(spec), 'chunks', /C3 .* and C4 .* overlap/);
});

test('misaligned chunks and mappings', () => {
  const spec = patentSpec();
  spec.chunks[0].size = '0x1FFF_F800'; // not a multiple of 4 KiB
  spec.chunks[3].base = '0x1_0000_0800';
  spec.spaces[2].map![1].va = '0x2000_0100';
  spec.spaces[2].map![2].offset = '0x10';
  const p = problemsOf(spec);
  hasProblem(p, 'chunks[0].size', /multiple of 4 KiB/);
  hasProblem(p, 'chunks[3].base', /not 4 KiB aligned/);
  hasProblem(p, 'spaces[2].map[1]', /va 0x2000_0100 .* not 4 KiB aligned/);
  hasProblem(p, 'spaces[2].map[2]', /offset 0x10 .* not 4 KiB aligned/);
});

test('a chunk beyond 64 GiB', () => {
  const spec = patentSpec();
  spec.chunks.push({ name: 'C6', base: '0xF_F000_0000', size: '512M' }); // 64G - 256M + 512M
  hasProblem(problemsOf(spec), 'chunks[5]', /beyond the 64 GiB/);
  // Ending exactly at 64 GiB is fine.
  spec.chunks[5].size = '256M';
  assert.equal(validateLayout(spec).ok, true);
});

test('a space larger than 4 GiB', () => {
  const spec = patentSpec();
  spec.spaces[1].map![2].va = '0xF800_0000'; // C3 (256M) from 0xF800_0000 ends at 0x1_0800_0000
  spec.spaces[1].map![1].size = '3G';
  hasProblem(problemsOf(spec), 'spaces[1].map[2]', /larger than 4 GiB/);
  const spec2 = patentSpec();
  spec2.chunks.push({ name: 'HUGE', base: '0x4_0000_0000', size: '5G' });
  spec2.spaces.push({ name: 'VS3', map: [{ va: '0', chunk: 'HUGE' }] });
  hasProblem(problemsOf(spec2), 'spaces[3].map[0]', /larger than 4 GiB/);
});

test('a mapping to a missing chunk, overlapping VA ranges', () => {
  const spec = patentSpec();
  spec.spaces[2].map![1].chunk = 'C9';
  hasProblem(problemsOf(spec), 'spaces[2].map[1].chunk', /no chunk named "C9"/);
  const spec2 = patentSpec();
  spec2.spaces[1].map![1].va = '0x1000_0000'; // C4 (3.25G) from 256M overlaps C1's 0..512M
  hasProblem(problemsOf(spec2), 'spaces[1].map[1]', /overlaps C1/);
});

test('a window (offset, size) must lie inside its chunk', () => {
  const spec = patentSpec();
  spec.spaces[1].map![1].offset = '4G'; // C4 is 3.25G: without a size the window would be -0.75G long
  hasProblem(problemsOf(spec), 'spaces[1].map[1].offset', /past the end of chunk C4/);
  const spec2 = patentSpec();
  spec2.spaces[1].map![1].offset = '3G';
  spec2.spaces[1].map![1].size = '512M'; // 3G + 512M > 3.25G
  hasProblem(problemsOf(spec2), 'spaces[1].map[1]', /runs past the end of chunk C4/);
  // A window inside the chunk is fine: VA 0x2000_0000 -> C4 + 1G.
  const spec3 = patentSpec();
  spec3.spaces[1].map![1].offset = '1G';
  spec3.spaces[1].map![1].size = '1G';
  const l = layoutOf(spec3);
  assert.equal(layoutTranslate(l, l.spaces[1], 0x2000_0000)?.pa, 5 * GiB);
  assert.equal(translate(new Machine({ layout: l, cpus: 1 }), { space: 'VS1' }, 0x5fff_ffff).pa, 5 * GiB + GiB - 1);
  assert.equal(translate(new Machine({ layout: l, cpus: 1 }), { space: 'VS1' }, 0x6000_0000).ok, false, 'past the window: not mapped');
});

test('duplicate names', () => {
  const spec = patentSpec();
  spec.chunks[4].name = 'C4';
  spec.spaces[2].name = 'VS1';
  const p = problemsOf(spec);
  hasProblem(p, 'chunks[4].name', /C4 is used twice/);
  hasProblem(p, 'spaces[2].name', /VS1 is used twice/);
  const spec2 = patentSpec();
  spec2.volumes = [{ name: 'v', blockSize: 4096, blocks: 4 }, { name: 'v', blockSize: 512, blocks: 4 }];
  hasProblem(problemsOf(spec2), 'volumes[1].name', /used twice/);
});

test('page-table area must be inside a chunk and start below 4 GiB (CR3 is 32 bits)', () => {
  const spec = patentSpec();
  spec.pageTables = { base: '0x1_0000_0000', size: '16M' };
  hasProblem(problemsOf(spec), 'pageTables.base', /below 4 GiB/);
  const spec2 = patentSpec();
  spec2.chunks = spec2.chunks.filter((c) => c.name !== 'C2');
  spec2.pageTables = { base: '0x8000_0000', size: '16M' };
  hasProblem(problemsOf(spec2), 'pageTables', /inside one chunk/);
});

test('several problems are reported at once, each with its path', () => {
  const spec = patentSpec();
  spec.chunks[1].base = '0x2000_0800'; // misaligned (and so dropped)
  spec.chunks.push({ name: 'C1', base: '0x4_0000_0000', size: '1G' }); // duplicate name
  spec.spaces[1].map![1].chunk = 'NOPE'; // missing chunk
  spec.spaces[2].map![0].va = 'lots'; // not a number
  const p = problemsOf(spec);
  assert.ok(p.length >= 4, `${p.length} problems`);
  hasProblem(p, 'chunks[1].base', /aligned/);
  hasProblem(p, 'chunks[5].name', /used twice/);
  hasProblem(p, 'spaces[1].map[1].chunk', /NOPE/);
  hasProblem(p, 'spaces[2].map[0].va', /non-negative whole number/);
  const err = new LayoutError(p);
  assert.match(err.message, /chunks\[1\]\.base/);
  assert.match(err.message, /spaces\[1\]\.map\[1\]\.chunk/);
  assert.equal(problemsOf(42)[0].path, '(layout)');
  hasProblem(problemsOf({ chunks: [], spaces: [] }), 'chunks', /non-empty/);
});

test('[00046]: VS3 (snapshot maps) and VS4 (inode cache) by configuration alone', () => {
  const spec = patentSpec();
  // Two more 3.25 GiB chunks above C5: C6 at 10.5G = 0x2_A000_0000, C7 at 13.75G = 0x3_7000_0000.
  spec.chunks.push({ name: 'C6', base: '0x2_A000_0000', size: '3.25G' }, { name: 'C7', base: '0x3_7000_0000', size: '3.25G' });
  spec.spaces.push(
    { name: 'VS3', map: [{ va: '0', chunk: 'C1', global: true }, { va: '0x2000_0000', chunk: 'C6' }, { va: '0xF000_0000', chunk: 'C3', global: true }] },
    { name: 'VS4', map: [{ va: '0', chunk: 'C1', global: true }, { va: '0x2000_0000', chunk: 'C7' }, { va: '0xF000_0000', chunk: 'C3', global: true }] },
  );
  // Paging structures: 4 PDPTs (one page), 16 directories, 4 * 2048 - 3 * 384 = 7040 tables:
  // 7057 pages = 27.6 MiB, more than the default 16M area, so the area grows to 32M at 0xEE00_0000.
  spec.pageTables = { base: '0xEE00_0000', size: '32M' };
  const m = new Machine({ layout: layoutOf(spec), cpus: 1 });
  assert.deepEqual(m.spaces.map((s) => s.name), ['VS0', 'VS1', 'VS2', 'VS3', 'VS4']);
  assert.deepEqual(m.spaces.map((s) => s.pdpt), [null, 0xee00_0000, 0xee00_0020, 0xee00_0040, 0xee00_0060]);
  const c = m.bootCounts;
  assert.deepEqual([c.pdpts, c.pageDirectories, c.pageTables, c.pageTablesUnshared, c.sharedPageTableUses], [4, 16, 7040, 8192, 1152]);
  assert.equal(translate(m, { space: 'VS3' }, 0x2000_0000).pa, 0x2_a000_0000);
  assert.equal(translate(m, { space: 'VS3' }, 0xefff_ffff).chunk?.name, 'C6');
  assert.equal(translate(m, { space: 'VS4' }, 0x2000_1234).pa, 0x3_7000_1234);
  assert.equal(translate(m, { space: 'VS4' }, 0xefff_ffff).pa, 0x3_7000_0000 + 0xcfff_ffff);
  assert.equal(translate(m, { space: 'VS4' }, 0xf000_0000).chunk?.name, 'C3');
  assert.deepEqual(whereIs(m, 0x1000).map((x) => x.space), ['VS0', 'VS1', 'VS2', 'VS3', 'VS4']);
  assert.deepEqual(whereIs(m, 0x3_7000_1000).map((x) => [x.space, x.va]), [['VS4', 0x2000_1000]]);
  const cpu = m.processors[0];
  enterSpace(m, cpu, 'VS4');
  assert.equal(cpu.translateRead(0x2000_0010), 0x3_7000_0010);
  assert.equal(m.currentSpace(cpu)?.name, 'VS4');
  // The same layout with the default 16M area is refused at boot with a clear message.
  spec.pageTables = { base: '0xEF00_0000', size: '16M' };
  assert.throws(() => new Machine({ layout: layoutOf(spec) }), /pageTables.size: the page-table area .* too small/);
});
