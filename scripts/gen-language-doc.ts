// Generates the reference parts of docs/language.md from the tables the assembler itself uses: every
// instruction (emulator/asm/isa.ts INSTRUCTIONS, grouped) with the encoding of each form and the slot
// map of each operand shape (emulator/asm/encoding.ts), every directive (DIRECTIVES) and the builtin
// constants (from the assembler with the default layout). Each part replaces the text between
//   <!-- BEGIN GENERATED: name -->  and  <!-- END GENERATED: name -->
// in the document; everything outside the markers is written by hand.
// Run: npx tsx scripts/gen-language-doc.ts   (test/docs/language-doc.test.ts fails when the doc is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DIRECTIVES, INSTRUCTIONS, type InstructionDoc, type InstructionForm, type InstructionGroup } from '../emulator/asm/isa';
import { FIELDS, OPCODE_SLOT, SHAPE_OF, isAuxShape, type Field, type Shape } from '../emulator/asm/encoding';
import { STRIDE } from '../emulator/asm/program';
import { groupedHex } from '../emulator/asm/disassemble';
import { assemble } from '../emulator/asm/assembler';

export const DOC_PATH = path.resolve(__dirname, '..', 'docs', 'language.md');

/** Instruction groups in the order the reference presents them. */
export const GROUP_ORDER: readonly InstructionGroup[] = [
  'data movement', 'memory', 'arithmetic', 'logic', 'branches', 'calls and stack', 'paging and TLB', 'threads', 'processor', 'block I/O', 'console and debugging',
];

/** Text in a table cell: pipes escaped, lines joined. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Code in a table cell, one code span per line. */
const codeCell = (s: string) => s.split('\n').map((l) => `\`${l.replace(/\|/g, '\\|')}\``).join('<br>');

function instructions(): string {
  const out: string[] = [];
  const known = new Set<string>(GROUP_ORDER);
  const stray = INSTRUCTIONS.filter((d) => !known.has(d.group));
  if (stray.length) throw new Error(`instruction groups missing from GROUP_ORDER: ${[...new Set(stray.map((d) => d.group))].join(', ')}`);
  out.push(`${INSTRUCTIONS.length} instructions in ${GROUP_ORDER.length} groups. P marks the privileged ones (all mover code runs at`);
  out.push('privilege level 0, [00037], so they always run; the mark says which touch the paging machinery).');
  out.push('');
  out.push('| group | instructions |');
  out.push('|---|---|');
  for (const g of GROUP_ORDER) out.push(`| ${g} | ${INSTRUCTIONS.filter((d) => d.group === g).map((d) => `\`${d.mnemonic}\``).join(' ')} |`);
  for (const g of GROUP_ORDER) {
    out.push('', `### ${g[0].toUpperCase()}${g.slice(1)}`, '', '| instruction | syntax | what it does | example | encoding |', '|---|---|---|---|---|');
    for (const d of INSTRUCTIONS.filter((x) => x.group === g)) {
      out.push(`| **${d.mnemonic}**${d.privileged ? ' P' : ''} | ${d.syntax.map((s) => codeCell(s)).join('<br>')} | ${cell(d.summary)} | ${codeCell(d.example)} | ${d.forms.map((f) => formEncoding(d, f)).join('<br>')} |`);
    }
  }
  return out.join('\n');
}

/** The shapes a form encodes as (one per opcode it selects), after its operand kinds: `R, RI: RR / RI`. */
function formEncoding(d: InstructionDoc, f: InstructionForm): string {
  const ops = typeof f.op === 'number' ? [f.op] : Object.values(f.op);
  const shapes = [...new Set(ops.map((op) => SHAPE_OF[op]))];
  const short = shapes.some((s) => !isAuxShape(s) && FIELDS[s].length > f.operands.length) ? ' (the first operand twice)' : '';
  return `${f.operands.length ? f.operands.join(', ') : d.mnemonic}: ${shapes.map((s) => `\`${s}\``).join(' / ')}${short}`;
}

/** What the docs call a field's words: `rd`, `imm.lo`, `imm.hi`, `base`, ... */
function fieldWords(f: Field): [number, string][] {
  switch (f.kind) {
    case 'reg': case 'creg': case 'target': return [[f.slot, f.kind === 'target' && f.none !== undefined ? `${f.name} (${f.none}: none)` : f.name]];
    case 'imm': return [[f.lo, `${f.name}.lo`], [f.hi, `${f.name}.hi`]];
    case 'mem': return [[f.base, 'base'], [f.index, 'index'], [f.shift, 'shift'], [f.disp, 'disp']];
    default: return [];
  }
}

function encoding(): string {
  const shapes = Object.keys(FIELDS) as Shape[];
  const usedBy = (s: Shape) => INSTRUCTIONS.filter((d) => d.forms.some((f) => (typeof f.op === 'number' ? [f.op] : Object.values(f.op)).some((op) => SHAPE_OF[op] === s))).map((d) => `\`${d.mnemonic}\``);
  const words = Array.from({ length: STRIDE - 1 }, (_, k) => k + 1);
  const out = [
    `Each instruction is ${STRIDE} 32-bit words of the program's code (not in emulated memory; its text address is`,
    `4 x its index). Word ${OPCODE_SLOT} is the opcode; the opcode's operand shape says which word holds which operand.`,
    'A register word is 0..15 (16: no register, in an address); a constant is two words, low and high; a label is',
    'an instruction index; an address is base + (index << shift) + disp. Unused words are 0. The shapes marked aux',
    'keep their operands decoded beside the code (registers or constants, strings, the event name) instead.',
    '',
    `| shape | ${words.map((k) => `word ${k}`).join(' | ')} | instructions |`,
    `|---|${words.map(() => '---|').join('')}---|`,
  ];
  for (const s of shapes) {
    const at = new Map(FIELDS[s].flatMap(fieldWords));
    const cells = isAuxShape(s)
      ? [`aux: ${FIELDS[s].map((f) => f.name).join(', ')}`, ...words.slice(1).map(() => '')]
      : words.map((k) => (at.has(k) ? `\`${at.get(k)}\`` : ''));
    out.push(`| \`${s}\` | ${cells.join(' | ')} | ${usedBy(s).join(' ') || '(the debugger\'s breakpoint)'} |`);
  }
  return out.join('\n');
}

function directives(): string {
  const out = ['| directive | syntax | what it does | example |', '|---|---|---|---|'];
  for (const d of DIRECTIVES) out.push(`| **${d.name}** | ${codeCell(d.syntax)} | ${cell(d.summary)} | ${codeCell(d.example)} |`);
  return out.join('\n');
}

function builtins(): string {
  const r = assemble('/builtins.mover', '', { host: { readFile: () => undefined } });
  const all = [...r.symbols.defs.values()].filter((d) => d.kind === 'builtin');
  const out = ['| name | value | meaning |', '|---|---|---|'];
  for (const d of all) out.push(`| \`${d.name}\` | \`${groupedHex(d.value ?? 0n)}\` | ${cell(d.detail)} |`);
  return out.join('\n');
}

/** The generated parts by marker name. */
export function sections(): Record<string, string> {
  return { instructions: instructions(), encoding: encoding(), directives: directives(), builtins: builtins() };
}

const MARKER = /<!-- BEGIN GENERATED: ([\w-]+) -->\n[\s\S]*?<!-- END GENERATED: \1 -->/g;

/** The document with every generated part brought up to date. Throws when a part's markers are missing. */
export function render(doc: string): string {
  const parts = sections();
  const seen = new Set<string>();
  const out = doc.replace(MARKER, (_m, name: string) => {
    const body = parts[name];
    if (body === undefined) throw new Error(`docs/language.md has markers for an unknown generated part "${name}"`);
    seen.add(name);
    return `<!-- BEGIN GENERATED: ${name} -->\n<!-- Generated by scripts/gen-language-doc.ts: do not edit by hand. -->\n\n${body}\n\n<!-- END GENERATED: ${name} -->`;
  });
  const missing = Object.keys(parts).filter((n) => !seen.has(n));
  if (missing.length) throw new Error(`docs/language.md lacks the markers <!-- BEGIN GENERATED: ${missing[0]} --> ... <!-- END GENERATED: ${missing[0]} -->`);
  return out;
}

if (require.main === module) {
  const before = readFileSync(DOC_PATH, 'utf8');
  const after = render(before);
  if (after === before) console.log(`${DOC_PATH} is up to date`);
  else {
    writeFileSync(DOC_PATH, after);
    console.log(`wrote ${DOC_PATH}`);
  }
}
