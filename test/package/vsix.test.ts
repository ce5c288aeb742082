// The .vsix holds only what the extension needs at run time (.vscodeignore is an allowlist), and every
// file package.json points at is one the build produces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const ALLOWED = [/^dist\/[\w.-]+\.js$/, /^dist\/icon\.png$/, /^dist\/layout\.schema\.json$/, /^CHANGELOG\.md$/, /^syntaxes\//, /^lib\/[\w.-]+\.mover$/, /^examples\//, /^docs\//, /^package\.json$/, /^README\.md$/, /^LICENSE$/];

test('vsce packages only dist bundles (and the generated icon and layout schema), syntaxes, lib, examples, docs, package.json, README, CHANGELOG and LICENSE', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  assert.ok(files.includes('dist/extension.js') && files.includes('package.json'), files.join(', '));
  const outside = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
  assert.deepEqual(outside, [], `files outside the allowlist: ${outside.join(', ')}`);
  assert.ok(!files.some((f) => f.endsWith('.map') || f.endsWith('.ts') || f.startsWith('node_modules/')), 'no sources, maps or node_modules');
});

test('package.json points only at files the build or the repository provides', () => {
  const c = pkg.contributes;
  const referenced = [pkg.main, pkg.icon, ...c.languages.map((l: { configuration: string }) => l.configuration), ...c.grammars.map((g: { path: string }) => g.path), ...c.snippets.map((s: { path: string }) => s.path),
    ...c.jsonValidation.map((j: { url: string }) => j.url)];
  for (const ref of referenced) {
    const rel = ref.replace(/^\.\//, '');
    if (rel.startsWith('dist/')) {
      // Built files: the build must have an entry that writes them (a bundle) or write them by name (generated files).
      const build = readFileSync(path.join(root, 'scripts', 'build.mjs'), 'utf8');
      if (rel.endsWith('.js')) assert.match(build, new RegExp(`out: '${path.basename(rel, '.js')}'`), `${rel} is not produced by scripts/build.mjs`);
      else assert.ok(build.includes(`'${rel}'`), `${rel} is not written by scripts/build.mjs`);
    } else {
      assert.ok(existsSync(path.join(root, rel)), `${rel} does not exist`);
    }
  }
});

test('untrusted workspaces: limited support, and a workspace may not set mover.layout (it names a file to read)', () => {
  const u = pkg.capabilities.untrustedWorkspaces;
  assert.equal(u.supported, 'limited');
  assert.deepEqual(u.restrictedConfigurations, ['mover.layout']);
  assert.ok(pkg.contributes.configuration.properties['mover.layout'], 'the restricted setting is one the extension contributes');
  // The extension honours it where the setting is read, and re-reads it when trust is granted.
  const reader = readFileSync(path.join(root, 'extension', 'layout-setting.ts'), 'utf8');
  assert.match(reader, /vscode\.workspace\.isTrusted/);
  assert.match(reader, /inspect<string>\('layout'\)\?\.globalValue/);
  const client = readFileSync(path.join(root, 'extension', 'language-client.ts'), 'utf8');
  assert.match(client, /onDidGrantWorkspaceTrust/);
  assert.doesNotMatch(client, /configurationSection/, 'the layout is not synchronised behind the check');
  const readers = ['extension/debug.ts', 'extension/language-client.ts'].filter((f) => /getConfiguration\('mover'[^)]*\)\.get<string>\('layout'\)|\.get<string>\('layout'\)/.test(readFileSync(path.join(root, f), 'utf8')));
  assert.deepEqual(readers, [], 'nothing reads mover.layout around layoutSetting');
});
