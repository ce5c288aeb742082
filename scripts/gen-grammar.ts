// Generates syntaxes/mover.tmLanguage.json from the instruction and directive tables, so the grammar
// knows every instruction the assembler knows. Run: npx tsx scripts/gen-grammar.ts
// (test/grammar/grammar.test.ts fails when the committed grammar is out of date).
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DIRECTIVES, INSTRUCTIONS } from '../emulator/asm/isa';

const esc = (s: string) => s.replace(/[.]/g, '\\.');
const control = INSTRUCTIONS.filter((i) => i.group === 'branches' || i.group === 'calls and stack' || i.mnemonic === 'halt' || i.mnemonic === 'iret').map((i) => i.mnemonic);
const privileged = INSTRUCTIONS.filter((i) => i.group === 'paging and TLB' || i.group === 'threads' || i.group === 'block I/O').map((i) => i.mnemonic).filter((m) => !control.includes(m));
const other = INSTRUCTIONS.map((i) => i.mnemonic).filter((m) => !control.includes(m) && !privileged.includes(m));
const alt = (words: string[]) => words.sort((a, b) => b.length - a.length).map(esc).join('|');

export function grammar(): unknown {
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'Mover script',
    scopeName: 'source.mover',
    fileTypes: ['mover'],
    patterns: [
      { include: '#comment' },
      { include: '#label' },
      { include: '#directive' },
      { include: '#instruction' },
      { include: '#operands' },
    ],
    repository: {
      comment: { name: 'comment.line.semicolon.mover', match: ';.*$' },
      label: {
        patterns: [
          { match: '^\\s*(\\.[A-Za-z_][\\w$]*)\\s*(:)', captures: { 1: { name: 'entity.name.function.label.local.mover' }, 2: { name: 'punctuation.separator.label.mover' } } },
          { match: '^\\s*([A-Za-z_][\\w.$]*)\\s*(:)(?![\\w])', captures: { 1: { name: 'entity.name.function.label.mover' }, 2: { name: 'punctuation.separator.label.mover' } } },
        ],
      },
      directive: {
        patterns: [
          { match: `(?i)(?<![\\w.])(\\.struct)\\s+([A-Za-z_][\\w$]*)`, captures: { 1: { name: 'keyword.control.directive.mover' }, 2: { name: 'entity.name.type.struct.mover' } } },
          { match: `(?i)(?<![\\w.])(\\.equ)\\s+([A-Za-z_][\\w.$]*)`, captures: { 1: { name: 'keyword.control.directive.mover' }, 2: { name: 'variable.other.constant.mover' } } },
          { name: 'keyword.control.directive.mover', match: `(?i)(?<![\\w.])(?:${alt([...DIRECTIVES.map((d) => d.name), '.endstruct'])})\\b` },
        ],
      },
      instruction: {
        patterns: [
          { name: 'keyword.control.flow.mover', match: `(?i)(?<![\\w.])(?:${alt(control)})(?![\\w.])` },
          { name: 'keyword.other.privileged.mover', match: `(?i)(?<![\\w.])(?:${alt(privileged)})(?![\\w.])` },
          { name: 'keyword.other.instruction.mover', match: `(?i)(?<![\\w.])(?:${alt(other)})(?![\\w.])` },
        ],
      },
      operands: {
        patterns: [
          { include: '#comment' },
          { name: 'string.quoted.double.mover', begin: '"', end: '"|$', patterns: [
            { name: 'constant.character.escape.mover', match: '\\\\(?:[ntr0\\\\"\']|x[0-9A-Fa-f]{2})' },
            { name: 'variable.other.interpolation.mover', match: '\\{(?:r(?:1[0-5]|[0-9])|sp|fp)(?::[xds])?\\}|\\{(?:cpu|tid|thread|space)\\}' },
          ] },
          { name: 'constant.character.mover', match: "'(?:[^'\\\\]|\\\\.)'" },
          { match: '(?i)\\b(vs\\d+|pa)(:)', captures: { 1: { name: 'storage.modifier.space.mover' }, 2: { name: 'punctuation.separator.space.mover' } } },
          { name: 'variable.language.register.control.mover', match: '(?i)\\bcr[0234]\\b' },
          { name: 'variable.language.register.mover', match: '(?i)\\b(?:r(?:1[0-5]|[0-9])|sp|fp)\\b' },
          { name: 'constant.numeric.hex.mover', match: '\\b0[xX][0-9A-Fa-f](?:_?[0-9A-Fa-f])*\\b' },
          { name: 'constant.numeric.binary.mover', match: '\\b0[bB][01](?:_?[01])*\\b' },
          { name: 'constant.numeric.decimal.mover', match: '\\b[0-9](?:_?[0-9])*\\b' },
          { name: 'support.constant.builtin.mover', match: '\\b(?:CR[04]_[A-Z]+|PTE_[A-Z]+|PAGE_SIZE|VS\\d+_CR3|C\\d+_(?:BASE|SIZE|END))\\b' },
          { name: 'support.function.sizeof.mover', match: '\\bsizeof\\b' },
          { name: 'support.type.primitive.mover', match: '\\b(?:u8|u16|u32|u64|i8|i16|i32|i64|ptr)\\b' },
          { name: 'entity.name.function.label.local.mover', match: '(?<![\\w.])\\.[A-Za-z_][\\w$]*' },
          { name: 'variable.other.symbol.mover', match: '\\b[A-Za-z_][\\w$]*(?:\\.[A-Za-z_][\\w$]*)*' },
          { name: 'keyword.operator.mover', match: '<<|>>|[-+*/%&|^~=]' },
          { name: 'punctuation.definition.memory.mover', match: '[\\[\\]]' },
          { name: 'punctuation.separator.comma.mover', match: ',' },
        ],
      },
    },
  };
}

if (require.main === module) {
  const out = path.resolve(__dirname, '..', 'syntaxes', 'mover.tmLanguage.json');
  writeFileSync(out, JSON.stringify(grammar(), null, 2) + '\n');
  console.log(`wrote ${out}`);
}
