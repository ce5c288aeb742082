// Hover: an instruction's or directive's documentation; a register's role; for a number, label or
// constant its value and where it lands in every space of the active layout (PA, chunk, or not
// mapped), and for a physical address which chunk holds it and which spaces map it. The layout is the
// static one: while debugging, the extension's live hover adds the page tables and TLBs as they are.

import { MarkupKind, type Hover } from 'vscode-languageserver';
import {
  CONTROL_REGISTERS, DIRECTIVE_BY_NAME, FOUR_GIB, INSTRUCTION_BY_MNEMONIC, chunkAt, formatSize, hex, layoutTranslate, registerIndex,
  type InstructionDoc, type Layout, type SymbolDef,
} from '../emulator/index';
import { occurrenceAt } from './occurrences';
import type { Analysis } from './project';
import { docCommentAbove, statementHead, tokenAt, tokens, trailingComment } from './text';
import * as path from 'node:path';

const PHYS_LIMIT = 2 ** 36;

export function instructionMarkdown(d: InstructionDoc): string {
  const out = ['```mover', ...d.syntax, '```', d.summary];
  if (d.privileged) out.push('', '*Privileged: runs at privilege level 0 ([00037]).*');
  out.push('', `Example (${d.group}):`, '```mover', d.example, '```');
  return out.join('\n');
}

const CONTROL_DOCS: Record<string, string> = {
  cr0: 'CR0: PE (bit 0, protected mode), WP (bit 16), PG (bit 31, paging). Clearing PG flushes the TLB; VS0 runs with paging off ([00040]).',
  cr2: 'CR2: the linear address of the last page fault.',
  cr3: 'CR3: the physical address of the current space\'s PDPT (32-byte aligned, below 4 GiB). Loading it switches spaces and flushes non-global TLB entries.',
  cr4: 'CR4: PAE (bit 5, 36-bit physical addresses, 3-level walk) and PGE (bit 7, global pages survive CR3 loads).',
};

/** `| space | PA | chunk |` rows for a virtual address in each space of the layout. */
export function translationTable(layout: Layout, va: number): string {
  const rows = ['| space | physical address | chunk |', '|---|---|---|'];
  for (const s of layout.spaces) {
    const t = layoutTranslate(layout, s, va);
    const chunk = t?.chunk ? `${t.chunk.name}${t.chunk.purpose ? ` (${t.chunk.purpose})` : ''}` : t ? 'no chunk' : '';
    rows.push(`| ${s.name}${s.paging ? '' : ' (paging off)'} | ${t ? `\`${hex(t.pa)}\`` : 'not mapped'} | ${chunk} |`);
  }
  return rows.join('\n');
}

/** Which chunk holds a physical address and where each space maps it. */
export function physicalDescription(layout: Layout, pa: number): string {
  const c = chunkAt(layout, pa);
  const out = [`physical \`${hex(pa)}\`: ${c ? `chunk **${c.name}** (${hex(c.base)}..${hex(c.base + c.size)}, ${formatSize(c.size)}${c.purpose ? `, ${c.purpose}` : ''}), offset ${hex(pa - c.base)}` : 'in no chunk of the layout'}`];
  const maps: string[] = [];
  for (const s of layout.spaces) {
    if (!s.paging) { if (pa < FOUR_GIB) maps.push(`${s.name}:\`${hex(pa)}\``); continue; }
    for (const m of s.mappings) if (pa >= m.pa && pa < m.pa + m.size) maps.push(`${s.name}:\`${hex(m.va + (pa - m.pa))}\``);
  }
  out.push(maps.length ? `mapped at ${maps.join(', ')}` : 'mapped in no space');
  return out.join('  \n');
}

/** Builtins that hold physical addresses: CR3 values and chunk bounds. */
function isPhysicalBuiltin(d: SymbolDef): boolean {
  return d.kind === 'builtin' && /_CR3$|^C\w*_(BASE|END)$/.test(d.name);
}

function valueMarkdown(layout: Layout, value: bigint, opts: { physical?: boolean; space?: string }): string {
  const n = Number(value);
  const head = `\`${value <= BigInt(Number.MAX_SAFE_INTEGER) ? hex(n) : '0x' + value.toString(16)}\` = ${value}`;
  if (value >= BigInt(PHYS_LIMIT)) return head;
  if (opts.physical || value >= BigInt(FOUR_GIB)) return `${head}\n\n${physicalDescription(layout, n)}`;
  return `${head}\n\n${opts.space ? `A ${opts.space.toUpperCase()} address; in` : 'As a virtual address, in'} every space of the layout ${layout.name}:\n\n${translationTable(layout, n)}`;
}

function where(a: Analysis, d: SymbolDef, file: number): string {
  if (!d.span) return 'builtin (architecture and layout)';
  const f = a.result.files[d.span.file];
  return d.span.file === file ? `line ${d.span.line + 1}` : `${path.basename(f)}:${d.span.line + 1}`;
}

function symbolMarkdown(a: Analysis, d: SymbolDef, file: number, layout: Layout): string {
  const out: string[] = [];
  const shown = d.kind === 'thread' ? d.name : d.name;
  out.push(`**${shown}**: ${d.kind.replace('-', ' ')} (${where(a, d, file)})  \n${d.detail}`);
  if (d.span) {
    const lines = a.lines(d.span.file);
    const doc = docCommentAbove(lines, d.span.line) || trailingComment(lines[d.span.line] ?? '');
    if (doc) out.push('', doc);
  }
  if (d.kind === 'struct') {
    const s = a.result.structs.get(d.name);
    if (s) {
      out.push('', '| offset | field | type |', '|---|---|---|');
      for (const f of s.fields) {
        const fd = a.result.symbols.defs.get(`${s.name}.${f.name}`);
        out.push(`| ${f.offset} | ${f.name} | ${fd?.detail.replace(/ at offset \d+$/, '') ?? ''} |`);
      }
    }
    return out.join('\n');
  }
  if (d.value === undefined || d.kind === 'field' || d.kind === 'volume') return out.join('\n');
  if (d.kind === 'label' || d.kind === 'local-label') {
    out.push('', `text address \`${hex(Number(d.value))}\` (instruction ${Number(d.value) / 4}): code lives in the program text, not in emulated memory`);
    return out.join('\n');
  }
  const space = /^data at (\w+):/.exec(d.detail)?.[1] ?? (d.kind === 'object' ? a.result.program?.objects.find((o) => o.name === d.name)?.space : undefined);
  out.push('', valueMarkdown(layout, d.value, { physical: isPhysicalBuiltin(d) || space?.toLowerCase() === 'pa' }));
  if (space && space.toLowerCase() !== 'pa') out.push('', `(placed in ${space.toUpperCase()} by \`.org\`)`);
  return out.join('\n');
}

export function hover(a: Analysis, file: number, lineText: string, line: number, character: number, layout: Layout): Hover | null {
  const occ = occurrenceAt(a, file, line, character);
  if (occ) {
    return {
      contents: { kind: MarkupKind.Markdown, value: symbolMarkdown(a, occ.def, file, layout) },
      range: { start: { line, character: occ.span.col }, end: { line, character: occ.span.endCol } },
    };
  }
  const tok = tokenAt(lineText, character);
  if (!tok) return null;
  const range = { start: { line, character: tok.col }, end: { line, character: tok.endCol } };
  const md = (value: string): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range });
  const { head } = statementHead(tokens(lineText));
  if (head && head.col === tok.col) {
    const lower = tok.text.toLowerCase();
    const ins = INSTRUCTION_BY_MNEMONIC.get(lower);
    if (ins) return md(instructionMarkdown(ins));
    const dir = DIRECTIVE_BY_NAME.get(lower);
    if (dir) return md(['```mover', dir.syntax, '```', dir.summary, '', 'Example:', '```mover', dir.example, '```'].join('\n'));
  }
  if (tok.kind === 'ident') {
    const lower = tok.text.toLowerCase();
    const r = registerIndex(tok.text);
    if (r !== undefined) return md(`**${tok.text}**: 64-bit general register r${r}${r === 15 ? ' (sp: the stack pointer; push/pop/call/ret use it)' : r === 14 ? ' (fp: frame pointer by convention)' : ''}`);
    if (lower in CONTROL_REGISTERS) return md(CONTROL_DOCS[lower]);
    const space = a.result && /^(vs\d+|pa)$/i.test(tok.text) ? layout.spaces.find((s) => s.name.toLowerCase() === lower) : undefined;
    if (space) return md(`**${space.name}**: ${space.paging ? `virtual space, ${space.mappings.length} mapping(s)` : 'paging off: linear = physical below 4 GiB'}${space.purpose ? ` (${space.purpose})` : ''}`);
    if (lower === 'pa') return md('**pa**: physical addresses (36 bits, up to 64 GiB)');
  }
  if (tok.kind === 'number' && typeof tok.value === 'bigint') {
    // `vs1:0x2000_0000` or `pa:0x1_0000_0000`: the prefix says which kind of address.
    const before = lineText.slice(0, tok.col);
    const prefix = /(\w+)\s*:\s*$/.exec(before)?.[1]?.toLowerCase();
    if (prefix === 'pa') return md(valueMarkdown(layout, tok.value, { physical: true }));
    if (prefix && layout.spaces.some((s) => s.name.toLowerCase() === prefix)) return md(valueMarkdown(layout, tok.value, { space: prefix }));
    return md(valueMarkdown(layout, tok.value, {}));
  }
  return null;
}
