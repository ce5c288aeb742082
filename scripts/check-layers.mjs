// Enforces the one-way dependencies of SPEC.md: emulator <- debug-adapter <- extension.
// Fails when a folder imports something its layer may not see.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);

/** For each layer: module specifiers (or repo folders reached by relative paths) it must not import. */
const rules = {
  emulator: { packages: [/^vscode$/, /^@vscode\//, /^vscode-/], folders: ['debug-adapter', 'extension', 'language-server', 'cli'] },
  'debug-adapter': { packages: [/^vscode$/, /^vscode-language/], folders: ['extension', 'language-server', 'cli'] },
  'language-server': { packages: [/^vscode$/, /^@vscode\/debug/], folders: ['extension', 'debug-adapter', 'cli'] },
  cli: { packages: [/^vscode$/, /^@vscode\//, /^vscode-/], folders: ['extension', 'debug-adapter', 'language-server'] },
};

const importRe = /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[^\w.])require\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(name)) yield p;
  }
}

const problems = [];
for (const [layer, rule] of Object.entries(rules)) {
  const dir = join(root, layer);
  try { statSync(dir); } catch { continue; }
  for (const file of files(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
      if (!spec) continue;
      const rel = relative(root, file);
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(join(file, '..'), spec)).split(sep)[0];
        if (rule.folders.includes(target)) problems.push(`${rel}: imports '${spec}' from ${target}/, which ${layer}/ may not depend on`);
      } else if (rule.packages.some((re) => re.test(spec))) {
        problems.push(`${rel}: imports '${spec}', which ${layer}/ may not depend on`);
      }
    }
  }
}

if (problems.length) {
  console.error('Layer check failed (SPEC.md: emulator <- debug-adapter <- extension):');
  for (const p of problems) console.error('  ' + p);
  process.exit(1);
}
console.log('layer check: ok');
