// Mover-script syntax: the lexer and the line parser. A program is lines; each line may define labels
// (`name:` global, `.name:` local to the last global label) and hold one directive or instruction,
// then a `;` comment. Nothing here throws: problems become diagnostics with positions.

import { CONTROL_REGISTERS, registerIndex } from './isa';

/** Zero-based position of a piece of text: file index, line, columns [col, endCol). */
export interface Span {
  readonly file: number;
  readonly line: number;
  readonly col: number;
  readonly endCol: number;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly span: Span;
  readonly message: string;
  readonly severity: Severity;
}

export type TokenKind = 'ident' | 'local' | 'number' | 'string' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** number: the value; string: the decoded text; else the text. */
  readonly value: bigint | string;
  readonly col: number;
  readonly endCol: number;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_.$]/;
const PUNCT2 = ['<<', '>>'];
const PUNCT1 = ',[]()+-*/%&|^~:=';

/** Splits one line into tokens (comments dropped). Reports bad characters, numbers and strings. */
export function lexLine(text: string, file: number, line: number, diags: Diagnostic[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const err = (col: number, endCol: number, message: string) => diags.push({ span: { file, line, col, endCol }, message, severity: 'error' });
  while (i < text.length) {
    const c = text[i];
    if (c === ';') break;
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    const start = i;
    if (IDENT_START.test(c) || (c === '.' && IDENT_START.test(text[i + 1] ?? ''))) {
      i++;
      while (i < text.length && IDENT_PART.test(text[i])) i++;
      const word = text.slice(start, i);
      tokens.push({ kind: c === '.' ? 'local' : 'ident', text: word, value: word, col: start, endCol: i });
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < text.length && /[0-9A-Za-z_]/.test(text[i])) i++;
      const word = text.slice(start, i);
      const v = parseIntegerLiteral(word);
      if (v === undefined) err(start, i, `${JSON.stringify(word)} is not a number: write decimal (4096), hex (0x1_0000_0000) or binary (0b1010); '_' may separate digits`);
      tokens.push({ kind: 'number', text: word, value: v ?? 0n, col: start, endCol: i });
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      let out = '';
      let closed = false;
      while (i < text.length) {
        const ch = text[i];
        if (ch === c) { closed = true; i++; break; }
        if (ch === '\\') {
          const e = text[i + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'" };
          if (e !== undefined && e in map) { out += map[e]; i += 2; continue; }
          if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) { out += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16)); i += 4; continue; }
          err(i, i + 2, `unknown escape ${JSON.stringify(text.slice(i, i + 2))}: use \\n \\t \\r \\0 \\\\ \\" \\' or \\xHH`);
          i += 2;
          continue;
        }
        out += ch;
        i++;
      }
      if (!closed) err(start, text.length, `this ${c === '"' ? 'string' : 'character'} is not closed: add ${c} before the end of the line`);
      if (c === "'") {
        if (closed && out.length !== 1) err(start, i, `a character literal holds exactly one character (got ${JSON.stringify(out)})`);
        tokens.push({ kind: 'number', text: text.slice(start, i), value: BigInt(out.charCodeAt(0) || 0), col: start, endCol: i });
      } else {
        tokens.push({ kind: 'string', text: text.slice(start, i), value: out, col: start, endCol: i });
      }
      continue;
    }
    const two = text.slice(i, i + 2);
    if (PUNCT2.includes(two)) { tokens.push({ kind: 'punct', text: two, value: two, col: i, endCol: i + 2 }); i += 2; continue; }
    if (PUNCT1.includes(c)) { tokens.push({ kind: 'punct', text: c, value: c, col: i, endCol: i + 1 }); i++; continue; }
    err(i, i + 1, `unexpected character ${JSON.stringify(c)}`);
    i++;
  }
  return tokens;
}

export function parseIntegerLiteral(word: string): bigint | undefined {
  const w = word.toLowerCase();
  if (w.endsWith('_') || w.includes('__')) return undefined;
  const clean = w.replace(/_/g, '');
  if (/^0x[0-9a-f]+$/.test(clean)) return BigInt(clean);
  if (/^0b[01]+$/.test(clean)) return BigInt(clean);
  if (/^[0-9]+$/.test(clean)) return BigInt(clean);
  return undefined;
}

// ---- expressions ---------------------------------------------------------------------------------

export type Expr =
  | { readonly k: 'num'; readonly v: bigint; readonly span: Span }
  | { readonly k: 'sym'; readonly name: string; readonly local: boolean; readonly span: Span }
  | { readonly k: 'reg'; readonly index: number; readonly span: Span }
  | { readonly k: 'bin'; readonly op: string; readonly a: Expr; readonly b: Expr; readonly span: Span }
  | { readonly k: 'un'; readonly op: string; readonly a: Expr; readonly span: Span }
  | { readonly k: 'sizeof'; readonly name: string; readonly nameSpan: Span; readonly span: Span };

export type Operand =
  | { readonly k: 'reg'; readonly index: number; readonly span: Span }
  | { readonly k: 'creg'; readonly index: number; readonly span: Span }
  | { readonly k: 'mem'; readonly expr: Expr; readonly span: Span }
  | { readonly k: 'str'; readonly value: string; readonly span: Span }
  | { readonly k: 'expr'; readonly expr: Expr; readonly span: Span }
  /** `vs1:0x2000_0000` or `pa:0x1_0000_0000`. */
  | { readonly k: 'spaced'; readonly space: string; readonly spaceSpan: Span; readonly expr: Expr; readonly span: Span }
  /** `cpu=1` in .thread. */
  | { readonly k: 'kv'; readonly key: string; readonly keySpan: Span; readonly value: Operand; readonly span: Span };

export interface LabelDef {
  readonly name: string;
  readonly local: boolean;
  readonly span: Span;
}

export interface Statement {
  /** Lowercased mnemonic or directive (with its dot). */
  readonly name: string;
  readonly nameSpan: Span;
  readonly directive: boolean;
  readonly operands: readonly Operand[];
  readonly span: Span;
  /** The operands did not parse (already reported): later passes skip their checks. */
  readonly broken: boolean;
}

export interface Line {
  readonly file: number;
  readonly line: number;
  readonly text: string;
  readonly labels: readonly LabelDef[];
  readonly statement: Statement | null;
  readonly tokens: readonly Token[];
}

/** Directives whose bodies hold `field type` lines that the parser leaves to the assembler. */
export const RAW_BODY_DIRECTIVES = new Set(['.struct']);

class TokenStream {
  i = 0;
  constructor(readonly toks: readonly Token[], readonly file: number, readonly line: number, readonly diags: Diagnostic[]) {}
  peek(o = 0): Token | undefined { return this.toks[this.i + o]; }
  next(): Token | undefined { return this.toks[this.i++]; }
  isPunct(p: string, o = 0): boolean { const t = this.peek(o); return t !== undefined && t.kind === 'punct' && t.text === p; }
  span(a: number, b: number): Span { return { file: this.file, line: this.line, col: a, endCol: b }; }
  endCol(): number { return this.toks.length ? this.toks[this.toks.length - 1].endCol : 0; }
  error(t: Token | undefined, message: string): void {
    const col = t ? t.col : this.endCol();
    this.diags.push({ span: this.span(col, t ? t.endCol : col + 1), message, severity: 'error' });
  }
}

const BINARY_PRECEDENCE: Record<string, number> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

/**
 * The deepest expression the parser accepts: operators on the way from the root to a leaf (a sum of
 * N terms is N - 1 deep), parentheses and unary signs counted alike. Every pass that walks an
 * expression (evaluation, references, the debugger's evaluator) recurses, so this bounds their stacks.
 */
export const MAX_EXPR_DEPTH = 256;
const TOO_DEEP = `this expression is too deep (more than ${MAX_EXPR_DEPTH} nested operators or parentheses): split it with .equ`;

/** An expression and its depth (1 for a leaf). */
interface Parsed {
  readonly e: Expr;
  readonly depth: number;
}

function parseExpr(ts: TokenStream, allowRegs: boolean): Expr | null {
  return parseBinary(ts, allowRegs, 1, 0)?.e ?? null;
}

/** `nesting`: parentheses and unary signs around this point, so the parser's own recursion is bounded too. */
function parseBinary(ts: TokenStream, allowRegs: boolean, minPrec: number, nesting: number): Parsed | null {
  let left = parsePrimary(ts, allowRegs, nesting);
  if (!left) return null;
  for (;;) {
    const t = ts.peek();
    if (!t || t.kind !== 'punct') break;
    const prec = BINARY_PRECEDENCE[t.text];
    if (prec === undefined || prec < minPrec) break;
    ts.next();
    const right = parseBinary(ts, allowRegs, prec + 1, nesting);
    if (!right) return null;
    const depth: number = Math.max(left.depth, right.depth) + 1;
    if (depth + nesting > MAX_EXPR_DEPTH) { ts.error(t, TOO_DEEP); return null; }
    left = { e: { k: 'bin', op: t.text, a: left.e, b: right.e, span: ts.span(left.e.span.col, right.e.span.endCol) }, depth };
  }
  return left;
}

function parsePrimary(ts: TokenStream, allowRegs: boolean, nesting: number): Parsed | null {
  const t = ts.next();
  if (!t) { ts.error(undefined, 'an expression is missing here'); return null; }
  const span = ts.span(t.col, t.endCol);
  const leaf = (e: Expr): Parsed => ({ e, depth: 1 });
  if (t.kind === 'number') return leaf({ k: 'num', v: t.value as bigint, span });
  const opens = t.kind === 'punct' && (t.text === '-' || t.text === '~' || t.text === '+' || t.text === '(');
  if (opens && nesting + 1 >= MAX_EXPR_DEPTH) { ts.error(t, TOO_DEEP); return null; }
  if (t.kind === 'punct' && (t.text === '-' || t.text === '~' || t.text === '+')) {
    const a = parsePrimary(ts, allowRegs, nesting + 1);
    if (!a) return null;
    return t.text === '+' ? a : { e: { k: 'un', op: t.text, a: a.e, span: ts.span(t.col, a.e.span.endCol) }, depth: a.depth + 1 };
  }
  if (t.kind === 'punct' && t.text === '(') {
    const e = parseBinary(ts, allowRegs, 1, nesting + 1);
    if (!e) return null;
    const close = ts.next();
    if (!close || close.text !== ')') { ts.error(close, 'expected ) to close the parenthesis'); return null; }
    return e;
  }
  if (t.kind === 'ident' && t.text.toLowerCase() === 'sizeof' && ts.isPunct('(')) {
    ts.next();
    const n = ts.next();
    if (!n || n.kind !== 'ident') { ts.error(n, 'sizeof takes a struct name: sizeof(dnlc_entry)'); return null; }
    const close = ts.next();
    if (!close || close.text !== ')') { ts.error(close, 'expected ) after the struct name'); return null; }
    return leaf({ k: 'sizeof', name: n.text, nameSpan: ts.span(n.col, n.endCol), span: ts.span(t.col, close.endCol) });
  }
  if (t.kind === 'ident') {
    const r = registerIndex(t.text);
    if (r !== undefined) {
      if (!allowRegs) { ts.error(t, `register ${t.text} cannot be used in a constant expression`); return null; }
      return leaf({ k: 'reg', index: r, span });
    }
    if (t.text.toLowerCase() in CONTROL_REGISTERS) { ts.error(t, `control register ${t.text} can only be read or written with mov`); return null; }
    return leaf({ k: 'sym', name: t.text, local: false, span });
  }
  if (t.kind === 'local') return leaf({ k: 'sym', name: t.text, local: true, span });
  if (t.kind === 'string') { ts.error(t, 'a string cannot be used as a number here'); return null; }
  ts.error(t, `unexpected ${JSON.stringify(t.text)} in an expression`);
  return null;
}

function parseOperand(ts: TokenStream): Operand | null {
  const t = ts.peek();
  if (!t) { ts.error(undefined, 'an operand is missing'); return null; }
  if (t.kind === 'string') { ts.next(); return { k: 'str', value: t.value as string, span: ts.span(t.col, t.endCol) }; }
  if (t.kind === 'punct' && t.text === '[') {
    ts.next();
    const e = parseExpr(ts, true);
    if (!e) { skipTo(ts, ']'); return null; }
    const close = ts.next();
    if (!close || close.text !== ']') { ts.error(close, 'expected ] to close the memory operand'); return null; }
    return { k: 'mem', expr: e, span: ts.span(t.col, close.endCol) };
  }
  if (t.kind === 'ident') {
    const lower = t.text.toLowerCase();
    if (lower in CONTROL_REGISTERS) { ts.next(); return { k: 'creg', index: CONTROL_REGISTERS[lower], span: ts.span(t.col, t.endCol) }; }
    const r = registerIndex(t.text);
    // A register alone (not the start of `r1 + 4`): what follows must be a comma, which the caller checks.
    const after = ts.peek(1);
    if (r !== undefined && (after === undefined || !(after.kind === 'punct' && after.text in BINARY_PRECEDENCE))) { ts.next(); return { k: 'reg', index: r, span: ts.span(t.col, t.endCol) }; }
    if (ts.isPunct(':', 1)) {
      ts.next(); ts.next();
      const e = parseExpr(ts, false);
      if (!e) return null;
      return { k: 'spaced', space: t.text, spaceSpan: ts.span(t.col, t.endCol), expr: e, span: ts.span(t.col, e.span.endCol) };
    }
    if (ts.isPunct('=', 1)) {
      ts.next(); ts.next();
      const v = parseOperand(ts);
      if (!v) return null;
      return { k: 'kv', key: lower, keySpan: ts.span(t.col, t.endCol), value: v, span: ts.span(t.col, v.span.endCol) };
    }
  }
  const e = parseExpr(ts, false);
  if (!e) return null;
  return { k: 'expr', expr: e, span: e.span };
}

function skipTo(ts: TokenStream, p: string): void {
  while (ts.peek() && !ts.isPunct(p)) ts.next();
  ts.next();
}

/** Parses one line. `raw` lines (inside .struct) keep only labels-free tokens for the assembler. */
export function parseLine(text: string, file: number, line: number, diags: Diagnostic[], raw = false): Line {
  const before = diags.length;
  const tokens = lexLine(text, file, line, diags);
  // A line the lexer already complained about is not parsed further: its operands would only add
  // errors that follow from the first one.
  const lexFailed = diags.length > before;
  const ts = new TokenStream(tokens, file, line, diags);
  const labels: LabelDef[] = [];
  if (raw) return { file, line, text, labels, statement: null, tokens };
  while ((ts.peek()?.kind === 'ident' || ts.peek()?.kind === 'local') && ts.isPunct(':', 1)) {
    const t = ts.next()!;
    ts.next();
    labels.push({ name: t.text, local: t.kind === 'local', span: ts.span(t.col, t.endCol) });
  }
  const head = ts.next();
  if (!head) return { file, line, text, labels, statement: null, tokens };
  if (head.kind !== 'ident' && head.kind !== 'local') {
    ts.error(head, `a line starts with a label, an instruction or a directive, not ${JSON.stringify(head.text)}`);
    return { file, line, text, labels, statement: null, tokens };
  }
  const operands: Operand[] = [];
  let ok = !lexFailed;
  if (ok && ts.peek()) {
    for (;;) {
      const before = diags.length;
      const op = parseOperand(ts);
      if (!op || diags.length > before) { ok = false; break; }
      operands.push(op);
      if (!ts.peek()) break;
      if (!ts.isPunct(',')) { ts.error(ts.peek(), `expected , between operands, found ${JSON.stringify(ts.peek()!.text)}`); ok = false; break; }
      ts.next();
      if (!ts.peek()) { ts.error(undefined, 'an operand is missing after the comma'); ok = false; break; }
    }
  }
  const statement: Statement = {
    name: head.text.toLowerCase(), nameSpan: ts.span(head.col, head.endCol), directive: head.kind === 'local', operands,
    span: ts.span(head.col, ts.endCol()), broken: !ok,
  };
  return { file, line, text, labels, statement, tokens };
}

/**
 * Parses a free-standing expression that may use registers (for the debugger's console, watches and
 * conditions): the same grammar as the assembler's operands. Returns null with diagnostics on errors.
 */
export function parseExpression(text: string, diags: Diagnostic[]): Expr | null {
  const tokens = lexLine(text, 0, 0, diags);
  if (diags.length) return null;
  const ts = new TokenStream(tokens, 0, 0, diags);
  if (!ts.peek()) { ts.error(undefined, 'an expression is missing'); return null; }
  const e = parseExpr(ts, true);
  if (e && ts.peek()) { ts.error(ts.peek(), `unexpected ${JSON.stringify(ts.peek()!.text)} after the expression`); return null; }
  return diags.length ? null : e;
}
