// Reading the files a user names: only regular files of at most 16 MiB, never blocking, and a layout
// file's errors say where the text goes wrong without quoting it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { withWorkspace } from '../support/workspace';
import { describeLayoutFileFailure, loadLayoutFile, parseLayoutText, readSourceFile } from '../../emulator/index';
import { specialFiles } from '../support/special-files';

test('readSourceFile refuses /dev/zero, a FIFO, a directory and a 17 MiB file, with the reason', () => {
  const s = specialFiles('.mover');
  try {
    for (const c of [...s.cases, { name: 'the device itself', file: '/dev/zero', reason: /character device/ }]) {
      const r = readSourceFile(c.file);
      assert.equal(r.ok, false, c.name);
      if (!r.ok) {
        assert.equal(r.missing, false, c.name);
        assert.match(r.reason, c.reason, c.name);
      }
    }
    const missing = readSourceFile(path.join(s.dir, 'nothing.mover'));
    assert.deepEqual(missing, { ok: false, missing: true, reason: 'no such file' });
    const ok = path.join(s.dir, 'ok.mover');
    writeFileSync(ok, 'start:\n    halt\n');
    assert.deepEqual(readSourceFile(ok), { ok: true, text: 'start:\n    halt\n' });
  } finally {
    s.dispose();
  }
});

test('loadLayoutFile: the same refusals, as one sentence naming the file', () => {
  const s = specialFiles('.json');
  try {
    for (const c of [...s.cases, { name: '/dev/zero', file: '/dev/zero', reason: /character device/ }]) {
      const r = loadLayoutFile(c.file);
      assert.equal(r.ok, false, c.name);
      if (!r.ok) {
        assert.match(r.message, new RegExp(`^cannot read the layout file ${c.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `), c.name);
        assert.match(r.message, c.reason, c.name);
      }
    }
  } finally {
    s.dispose();
  }
});

test('a layout file that is not JSON: the line and column, never its text', () => {
  withWorkspace({}, ({ dir }) => {
    const secret = path.join(dir, 'shadow');
    writeFileSync(secret, 'root:$y$j9T$SECRETHASH:19000:0:99999:7:::\nalice:$6$OTHERSECRET:19000::::::\n');
    const r = loadLayoutFile(secret);
    assert.equal(r.ok, false);
    if (r.ok) return;
    const text = describeLayoutFileFailure(r);
    assert.equal(text, `the layout file ${secret} is not valid:\n  (file): not valid JSON at line 1 column 1`);
    assert.doesNotMatch(text, /root|SECRET|alice/);
  });
});

test('JSON errors are placed where the text stops being JSON', () => {
  const at = (text: string) => {
    const r = parseLayoutText(text);
    assert.equal(r.ok, false);
    return r.ok ? '' : r.problems[0].message;
  };
  assert.equal(at('{ "chunks": [1, 2,, 3] }'), 'not valid JSON at line 1 column 19');
  assert.equal(at('{\n  "a": 1\n  "b": 2\n}'), 'not valid JSON at line 3 column 3');
  assert.equal(at('{ "a": tru }'), 'not valid JSON at line 1 column 8');
  assert.equal(at('{ "a": "x\\q" }'), 'not valid JSON at line 1 column 11');
  assert.equal(at('{ "a": [1, 2'), 'not valid JSON at line 1 column 13');
  assert.equal(at('[01]'), 'not valid JSON at line 1 column 3');
  assert.equal(at('{} x'), 'not valid JSON at line 1 column 4');
  assert.equal(at(''), 'not valid JSON at line 1 column 1');
  // Deep nesting is scanned without recursion.
  assert.equal(at('['.repeat(200_000)), 'not valid JSON at line 1 column 200001');
});
