// Semantic tokens: what the TextMate grammar cannot know. A word's role comes from the assembler's
// symbol table (code label, local label, data, constant, builtin, struct, field, volume, thread,
// object), plus instructions, directives, registers, spaces in `vs1:` and field types.

import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensLegend } from 'vscode-languageserver';
import { CONTROL_REGISTERS, DIRECTIVE_BY_NAME, INSTRUCTION_BY_MNEMONIC, registerIndex, type SymbolDef } from '../emulator/index';
import { allOccurrences } from './occurrences';
import type { Analysis } from './project';
import { statementHead, tokens } from './text';

export const TOKEN_TYPES = ['keyword', 'macro', 'parameter', 'function', 'label', 'variable', 'enumMember', 'struct', 'property', 'namespace', 'type', 'event'] as const;
export const TOKEN_MODIFIERS = ['declaration', 'readonly', 'defaultLibrary'] as const;
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

type TokenType = (typeof TOKEN_TYPES)[number];

const BY_KIND: Record<SymbolDef['kind'], TokenType> = {
  label: 'function', 'local-label': 'label', 'data-label': 'variable', constant: 'enumMember', struct: 'struct', field: 'property',
  volume: 'enumMember', thread: 'event', test: 'event', object: 'variable', builtin: 'enumMember',
};

const PRIMITIVE = /^(u8|u16|u32|u64|i8|i16|i32|i64|ptr)$/i;

interface Tok { line: number; col: number; len: number; type: number; mods: number }

const mod = (m: (typeof TOKEN_MODIFIERS)[number]) => 1 << TOKEN_MODIFIERS.indexOf(m);
const type = (t: TokenType) => TOKEN_TYPES.indexOf(t);

export function semanticTokens(a: Analysis, file: number): SemanticTokens {
  const lines = a.lines(file);
  const toks: Tok[] = [];
  const symbolCols = new Set<string>();
  for (const o of allOccurrences(a)) {
    if (o.span.file !== file) continue;
    let mods = o.isDefinition ? mod('declaration') : 0;
    if (o.def.kind === 'constant' || o.def.kind === 'builtin') mods |= mod('readonly');
    if (o.def.kind === 'builtin') mods |= mod('defaultLibrary');
    // A local label is coloured with its dot (`.loop`); rename and references work on the name after it.
    const col = o.def.kind === 'local-label' && lines[o.span.line]?.[o.span.col - 1] === '.' ? o.span.col - 1 : o.span.col;
    toks.push({ line: o.span.line, col, len: o.span.endCol - col, type: type(BY_KIND[o.def.kind]), mods });
    symbolCols.add(`${o.span.line}:${o.span.col}`);
  }
  let inStruct = false;
  for (let line = 0; line < lines.length; line++) {
    const lt = tokens(lines[line]);
    const { head } = statementHead(lt);
    if (inStruct) {
      if (head?.text.toLowerCase() === '.endstruct') { inStruct = false; toks.push({ line, col: head.col, len: head.endCol - head.col, type: type('macro'), mods: 0 }); continue; }
      // `name type[count]`: primitive types (struct types are symbol references, coloured above).
      const t = lt[1];
      if (t && t.kind === 'ident' && PRIMITIVE.test(t.text)) toks.push({ line, col: t.col, len: t.endCol - t.col, type: type('type'), mods: mod('defaultLibrary') });
      continue;
    }
    if (head) {
      const lower = head.text.toLowerCase();
      if (head.kind === 'local' && DIRECTIVE_BY_NAME.has(lower)) {
        toks.push({ line, col: head.col, len: head.endCol - head.col, type: type('macro'), mods: 0 });
        if (lower === '.struct') inStruct = true;
      } else if (head.kind === 'ident' && INSTRUCTION_BY_MNEMONIC.has(lower)) {
        toks.push({ line, col: head.col, len: head.endCol - head.col, type: type('keyword'), mods: 0 });
      }
    }
    for (let i = 0; i < lt.length; i++) {
      const t = lt[i];
      if (t === head || t.kind !== 'ident' || symbolCols.has(`${line}:${t.col}`)) continue;
      const lower = t.text.toLowerCase();
      if (registerIndex(t.text) !== undefined || lower in CONTROL_REGISTERS) toks.push({ line, col: t.col, len: t.endCol - t.col, type: type('parameter'), mods: 0 });
      else if (lt[i + 1]?.text === ':' && i > 0 && (/^vs\d+$/i.test(t.text) || lower === 'pa')) toks.push({ line, col: t.col, len: t.endCol - t.col, type: type('namespace'), mods: 0 });
    }
  }
  toks.sort((x, y) => x.line - y.line || x.col - y.col);
  const b = new SemanticTokensBuilder();
  let last: Tok | undefined;
  for (const t of toks) {
    if (last && last.line === t.line && t.col < last.col + last.len) continue; // overlapping: keep the first
    b.push(t.line, t.col, t.len, t.type, t.mods);
    last = t;
  }
  return b.build();
}
