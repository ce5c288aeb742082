// The layout schema (emulator/layout-schema.ts, what editors check *.layout.json files with) agrees with
// validateLayout: every layout the repository uses is valid under both, and each shape the validator
// refuses is refused by the schema too. The built file (dist/layout.schema.json) is the same object.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { PATENT_LAYOUT_SPEC, parseNumber, validateLayout } from '../../emulator/index';
import { LAYOUT_NUMBER_PATTERN, LAYOUT_SCHEMA } from '../../emulator/layout-schema';
import { ensureBuilt } from '../support/build';

const root = path.resolve(__dirname, '..', '..');
const check = new Ajv({ allErrors: true }).compile(LAYOUT_SCHEMA);
const schemaOk = (spec: unknown) => check(spec) === true;

function repositoryLayouts(): { name: string; spec: unknown }[] {
  const dir = path.join(root, 'test', 'fixtures', 'layouts');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const out: { name: string; spec: unknown }[] = [{ name: 'PATENT_LAYOUT_SPEC', spec: PATENT_LAYOUT_SPEC }];
  for (const f of files) {
    try { out.push({ name: f, spec: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) }); } catch { /* not JSON: cli-not-json.json */ }
  }
  return out;
}

test('every layout of the repository gets the same verdict from the schema and the validator', () => {
  const layouts = repositoryLayouts();
  assert.ok(layouts.length >= 4);
  for (const { name, spec } of layouts) {
    const valid = validateLayout(spec).ok;
    // The schema cannot see overlaps or alignment, so only the validator's "yes" must be the schema's "yes".
    if (valid) assert.ok(schemaOk(spec), `${name}: the validator accepts it, the schema says ${JSON.stringify(check.errors)}`);
  }
});

const base = JSON.parse(JSON.stringify(PATENT_LAYOUT_SPEC)) as { chunks: Record<string, unknown>[]; spaces: Record<string, unknown>[]; pageTables?: unknown; volumes?: unknown };
const bad: [string, (l: typeof base) => unknown][] = [
  ['not an object', () => []],
  ['no chunks', (l) => ({ ...l, chunks: [] })],
  ['no spaces', (l) => ({ ...l, spaces: undefined })],
  ['a chunk without a size', (l) => ({ ...l, chunks: l.chunks.map((c, i) => (i === 0 ? { name: c.name, base: c.base } : c)) })],
  ['a size that is not a number', (l) => ({ ...l, chunks: l.chunks.map((c, i) => (i === 0 ? { ...c, size: 'big' } : c)) })],
  ['a negative base', (l) => ({ ...l, chunks: l.chunks.map((c, i) => (i === 0 ? { ...c, base: -4096 } : c)) })],
  ['a chunk name that is not a word', (l) => ({ ...l, chunks: l.chunks.map((c, i) => (i === 0 ? { ...c, name: '1 chunk' } : c)) })],
  ['paging off with a map', (l) => ({ ...l, spaces: l.spaces.map((s, i) => (i === 0 ? { ...s, map: [{ va: 0, chunk: 'C1' }] } : s)) })],
  ['paging on without a map', (l) => ({ ...l, spaces: l.spaces.map((s, i) => (i === 1 ? { name: s.name } : s)) })],
  ['paging that is not a boolean', (l) => ({ ...l, spaces: l.spaces.map((s, i) => (i === 1 ? { ...s, paging: 'yes' } : s)) })],
  ['a mapping without a chunk', (l) => ({ ...l, spaces: l.spaces.map((s, i) => (i === 1 ? { ...s, map: [{ va: 0 }] } : s)) })],
  ['a pageSize of 8K', (l) => ({ ...l, spaces: l.spaces.map((s, i) => (i === 1 ? { ...s, map: [{ va: 0, chunk: 'C1', pageSize: '8K' }] } : s)) })],
  ['global as a string', (l) => ({ ...l, spaces: l.spaces.map((s, i) => (i === 1 ? { ...s, map: [{ va: 0, chunk: 'C1', global: 'true' }] } : s)) })],
  ['pageTables without a base', (l) => ({ ...l, pageTables: { size: '16M' } })],
  ['volumes that are not an array', (l) => ({ ...l, volumes: { name: 'clone' } })],
  ['a volume without blocks', (l) => ({ ...l, volumes: [{ name: 'clone', blockSize: 4096 }] })],
];

for (const [what, make] of bad) {
  test(`a layout with ${what} is refused by the validator and by the schema`, () => {
    const spec = make(JSON.parse(JSON.stringify(base)));
    assert.equal(validateLayout(spec).ok, false, 'the validator refuses it');
    assert.equal(schemaOk(spec), false, 'the schema refuses it');
  });
}

test('the schema\'s number pattern accepts what parseNumber reads, and refuses what it refuses', () => {
  const re = new RegExp(LAYOUT_NUMBER_PATTERN);
  for (const s of ['0', '4096', '0x2000_0000', '0X1F', '0b1010', '512M', '3.25G', '4k', '16M']) {
    assert.ok(parseNumber(s) !== undefined, `parseNumber reads ${s}`);
    assert.ok(re.test(s), `the pattern takes ${s}`);
  }
  for (const s of ['', 'big', '-1', '0x', '12T', 'M', '0xg']) {
    assert.equal(parseNumber(s), undefined, `parseNumber refuses ${s}`);
    assert.ok(!re.test(s), `the pattern refuses ${s}`);
  }
});

test('the built dist/layout.schema.json is this schema', () => {
  ensureBuilt('layout.schema.json', ['emulator', 'scripts']);
  assert.deepEqual(JSON.parse(readFileSync(path.join(root, 'dist', 'layout.schema.json'), 'utf8')), JSON.parse(JSON.stringify(LAYOUT_SCHEMA)));
});
