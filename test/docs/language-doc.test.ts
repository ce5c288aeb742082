// docs/language.md stays true: its generated parts match the instruction table (regenerate with
// `npx tsx scripts/gen-language-doc.ts`), every assembler error message is listed, its complete
// examples run and print what it says, its fragments are valid syntax, its exit codes are the CLI's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { DOC_PATH, render } from '../../scripts/gen-language-doc';
import { DIRECTIVES, INSTRUCTIONS } from '../../emulator/asm/isa';
import { RAW_BODY_DIRECTIVES, parseLine, type Diagnostic } from '../../emulator/index';
import { EXIT_ASSEMBLY, EXIT_FAULT, EXIT_OK, EXIT_STEP_LIMIT, EXIT_TLB_FINDINGS } from '../../cli/run';
import { EXIT_DATA, EXIT_USAGE } from '../../cli/main';
import { ROOT, run } from '../interp/helpers';

const doc = readFileSync(DOC_PATH, 'utf8');

/** Fenced code blocks: info string and body. */
function blocks(): { info: string; body: string; end: number }[] {
  const out: { info: string; body: string; end: number }[] = [];
  const re = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(doc))) out.push({ info: m[1].trim(), body: m[2], end: m.index + m[0].length });
  return out;
}

test('the generated parts are up to date with emulator/asm/isa.ts (run: npx tsx scripts/gen-language-doc.ts)', () => {
  const fresh = render(doc);
  if (fresh !== doc) {
    const a = doc.split('\n'), b = fresh.split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    assert.fail(`docs/language.md is out of date at line ${i + 1}:\n  doc:   ${a[i]}\n  fresh: ${b[i]}\nRegenerate it: npx tsx scripts/gen-language-doc.ts`);
  }
});

test('every instruction and directive has a row in the reference', () => {
  for (const d of INSTRUCTIONS) assert.ok(doc.includes(`| **${d.mnemonic}**`), d.mnemonic);
  for (const d of DIRECTIVES) assert.ok(doc.includes(`| **${d.name}** |`), d.name);
});

/**
 * The fixed text of every diagnostic message the assembler can produce, found in its source with the
 * TypeScript parser: the last argument of error(...)/err(...) calls and `message:` properties. A
 * template literal gives its literal parts (the text between `${...}`).
 */
function assemblerMessages(): { file: string; line: number; parts: string[] }[] {
  const out: { file: string; line: number; parts: string[] }[] = [];
  for (const rel of ['emulator/asm/syntax.ts', 'emulator/asm/assembler.ts']) {
    const file = path.join(ROOT, rel);
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const literalParts = (n: ts.Node): string[] | null => {
      if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return [n.text];
      if (ts.isTemplateExpression(n)) return [n.head.text, ...n.templateSpans.map((s) => s.literal.text)];
      return null;
    };
    const add = (n: ts.Node, at: ts.Node) => {
      const parts = literalParts(n);
      if (parts) out.push({ file: rel, line: sf.getLineAndCharacterOfPosition(at.getStart()).line + 1, parts });
    };
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && n.arguments.length >= 2) {
        const callee = n.expression;
        const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
        if (name === 'error' || name === 'err') add(n.arguments[n.arguments.length - 1], n);
      }
      if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === 'message') add(n.initializer, n);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

test('every assembler error message is listed under "Assembler errors"', () => {
  const errors = doc.slice(doc.indexOf('## Assembler errors'), doc.indexOf('## Running programs'));
  const messages = assemblerMessages();
  assert.ok(messages.length >= 80, `found ${messages.length} messages`);
  const missing: string[] = [];
  for (const m of messages) {
    // The longest fixed piece identifies the message; it must appear as written.
    const key = m.parts.map((p) => p.trim()).sort((a, b) => b.length - a.length)[0];
    if (key.length >= 4 && !errors.includes(key)) missing.push(`${m.file}:${m.line}: ${JSON.stringify(key)}`);
  }
  assert.deepEqual(missing, [], 'add these to docs/language.md with what to do about them');
});

test('the complete examples assemble, run to the end and print what the doc shows', () => {
  const all = blocks();
  const runnable = all.filter((b) => b.info === 'mover runnable');
  assert.ok(runnable.length >= 1);
  for (const b of runnable) {
    const s = run(b.body, { cpus: 2 });
    assert.deepEqual(s.stop, { kind: 'halted' }, b.body.split('\n')[0]);
    const next = all.find((x) => x.end > b.end);
    if (next?.info === 'console') assert.equal(s.interp.output.map((l) => l.text).join('\n') + '\n', next.body);
  }
});

test('every mover fragment in the doc is valid syntax', () => {
  for (const b of blocks().filter((x) => x.info.startsWith('mover'))) {
    const diags: Diagnostic[] = [];
    let raw = false;
    b.body.split('\n').forEach((text, i) => {
      const line = parseLine(text, 0, i, diags, raw);
      const st = line.statement;
      if (raw && /^\s*\.endstruct\b/i.test(text)) raw = false;
      else if (st?.directive && RAW_BODY_DIRECTIVES.has(st.name)) raw = true;
      if (st && !st.directive) assert.ok(INSTRUCTIONS.some((d) => d.mnemonic === st.name), `unknown instruction in the doc: ${text}`);
    });
    assert.deepEqual(diags.map((d) => `${d.span.line + 1}: ${d.message}`), [], b.body.split('\n')[0]);
  }
});

test('the exit codes are those of the CLI', () => {
  const table = doc.slice(doc.indexOf('| exit code | meaning |'));
  const codes = [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
  assert.deepEqual(codes, [EXIT_OK, EXIT_ASSEMBLY, EXIT_FAULT, EXIT_STEP_LIMIT, EXIT_TLB_FINDINGS, EXIT_USAGE, EXIT_DATA]);
});

test('links inside the doc point at its headings', () => {
  const anchors = new Set([...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^\w\s-]/g, '').trim().replace(/\s/g, '-')));
  const links = [...doc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length > 10);
  assert.deepEqual(links.filter((l) => !anchors.has(l)), []);
});
