// The TextMate grammar, run by a real TextMate engine (vscode-textmate with the Oniguruma regex
// library VS Code uses) on fixture lines; and kept in step with the instruction table.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vsctm from 'vscode-textmate';
import * as oniguruma from 'vscode-oniguruma';
import { grammar as generated } from '../../scripts/gen-grammar';
import { INSTRUCTIONS, DIRECTIVES } from '../../emulator/asm/isa';

const root = path.resolve(__dirname, '..', '..');
const grammarPath = path.join(root, 'syntaxes', 'mover.tmLanguage.json');
let grammar: vsctm.IGrammar;

before(async () => {
  const wasm = readFileSync(path.join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope: string) => (scope === 'source.mover' ? vsctm.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath) : null),
  });
  const g = await registry.loadGrammar('source.mover');
  if (!g) throw new Error('grammar did not load');
  grammar = g;
});

/** Scopes of each token of one line, as [text, innermost scope]. */
function tokens(line: string): [string, string][] {
  const r = grammar.tokenizeLine(line, vsctm.INITIAL);
  return r.tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]]);
}

function scopeOf(line: string, text: string): string {
  const t = tokens(line).find(([s]) => s === text);
  assert.ok(t, `no token ${JSON.stringify(text)} in ${JSON.stringify(line)}: ${JSON.stringify(tokens(line))}`);
  return t[1];
}

test('the committed grammar is the one generated from the instruction table', () => {
  assert.deepEqual(JSON.parse(readFileSync(grammarPath, 'utf8')), JSON.parse(JSON.stringify(generated())), 'run: npx tsx scripts/gen-grammar.ts');
});

test('labels, instructions, registers, numbers with separators, comments', () => {
  const line = 'start:  mov r1, 0x1_0000_0000   ; PA above 4 GiB';
  assert.equal(scopeOf(line, 'start'), 'entity.name.function.label.mover');
  assert.equal(scopeOf(line, 'mov'), 'keyword.other.instruction.mover');
  assert.equal(scopeOf(line, 'r1'), 'variable.language.register.mover');
  assert.equal(scopeOf(line, '0x1_0000_0000'), 'constant.numeric.hex.mover');
  assert.equal(scopeOf(line, '; PA above 4 GiB'), 'comment.line.semicolon.mover');
});

test('local labels, memory operands, struct fields', () => {
  const line = '.loop:  ld32 r4, [r3 + dnlc_entry.inode]';
  assert.equal(scopeOf(line, '.loop'), 'entity.name.function.label.local.mover');
  assert.equal(scopeOf(line, 'ld32'), 'keyword.other.instruction.mover');
  assert.equal(scopeOf(line, '['), 'punctuation.definition.memory.mover');
  assert.equal(scopeOf(line, 'dnlc_entry.inode'), 'variable.other.symbol.mover');
  assert.equal(scopeOf('    bne r2, 0, .loop', '.loop'), 'entity.name.function.label.local.mover');
});

test('directives, space-qualified addresses, struct and constant names', () => {
  const org = '.org vs1:0x2000_0000';
  assert.equal(scopeOf(org, '.org'), 'keyword.control.directive.mover');
  assert.equal(scopeOf(org, 'vs1'), 'storage.modifier.space.mover');
  assert.equal(scopeOf(org, '0x2000_0000'), 'constant.numeric.hex.mover');
  assert.equal(scopeOf('.struct dnlc_entry', 'dnlc_entry'), 'entity.name.type.struct.mover');
  assert.equal(scopeOf(".equ NAME_LEN, 'z'", 'NAME_LEN'), 'variable.other.constant.mover');
  assert.equal(scopeOf(".equ NAME_LEN, 'z'", "'z'"), 'constant.character.mover');
  assert.equal(scopeOf('    .org pa:0x1_0000_0000', 'pa'), 'storage.modifier.space.mover');
});

test('strings with escapes and print interpolations', () => {
  const line = '    print "inode {r0:d} in {space}\\n"';
  assert.equal(scopeOf(line, 'print'), 'keyword.other.instruction.mover');
  assert.equal(scopeOf(line, '{r0:d}'), 'variable.other.interpolation.mover');
  assert.equal(scopeOf(line, '{space}'), 'variable.other.interpolation.mover');
  assert.equal(scopeOf(line, '\\n'), 'constant.character.escape.mover');
});

test('control registers, control flow, privileged instructions, builtins', () => {
  assert.equal(scopeOf('    mov cr3, r1', 'cr3'), 'variable.language.register.control.mover');
  assert.equal(scopeOf('    call vs_call', 'call'), 'keyword.control.flow.mover');
  assert.equal(scopeOf('    flush.range 0x2000_0000, 0xF000_0000', 'flush.range'), 'keyword.other.privileged.mover');
  assert.equal(scopeOf('    or r2, r2, CR0_PG', 'CR0_PG'), 'support.constant.builtin.mover');
  assert.equal(scopeOf('    mov r1, VS1_CR3', 'VS1_CR3'), 'support.constant.builtin.mover');
  assert.equal(scopeOf('    mov r1, 0b1010_0101', '0b1010_0101'), 'constant.numeric.binary.mover');
});

test('every instruction and every directive of the assembler is coloured', () => {
  for (const ins of INSTRUCTIONS) {
    const scope = scopeOf(`    ${ins.mnemonic} r1`, ins.mnemonic);
    assert.match(scope, /^keyword\.(other|control)\./, ins.mnemonic);
  }
  for (const d of DIRECTIVES) assert.equal(scopeOf(`${d.name} x`, d.name), 'keyword.control.directive.mover', d.name);
});

test('a word that merely contains a mnemonic is not an instruction', () => {
  assert.equal(scopeOf('    call movement', 'movement'), 'variable.other.symbol.mover');
  assert.equal(scopeOf('    jmp add_entry', 'add_entry'), 'variable.other.symbol.mover');
});
