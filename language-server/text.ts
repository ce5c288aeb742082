// Small facts about a line of mover script that several features need: where its comment starts, which
// token is under a column, what the statement's head is, and the doc comment above a definition.

import { lexLine, type Token } from '../emulator/index';

/** A document's lines as LSP counts them: \r\n, \n and a lone \r each end a line. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** The column where the line's `;` comment starts (outside strings), or -1. */
export function commentStart(text: string): number {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ';') {
      return i;
    }
  }
  return -1;
}

/** The tokens of a line (comments dropped; lexing problems ignored: the assembler reports them). */
export function tokens(text: string): Token[] {
  return lexLine(text, 0, 0, []);
}

/** The token under a column (a column at a token's end counts, so a cursor after a word finds it). */
export function tokenAt(text: string, character: number): Token | undefined {
  return tokens(text).find((t) => character >= t.col && character <= t.endCol && t.kind !== 'punct') ?? tokens(text).find((t) => character >= t.col && character < t.endCol);
}

/** The statement's head (mnemonic or directive) after any `label:` prefixes, and the tokens after it. */
export function statementHead(toks: readonly Token[]): { head: Token | undefined; rest: Token[]; labels: Token[] } {
  let i = 0;
  const labels: Token[] = [];
  while (i + 1 < toks.length && (toks[i].kind === 'ident' || toks[i].kind === 'local') && toks[i + 1].text === ':') {
    labels.push(toks[i]);
    i += 2;
  }
  return { head: toks[i], rest: toks.slice(i + 1), labels };
}

/** The comment lines right above a line (a definition's documentation), without their `;`. */
export function docCommentAbove(lines: readonly string[], line: number): string {
  const out: string[] = [];
  for (let i = line - 1; i >= 0; i--) {
    const m = /^\s*;\s?(.*)$/.exec(lines[i]);
    if (!m) break;
    out.unshift(m[1]);
  }
  // A file's header comment is not the first label's documentation if a blank comment line ends it.
  return out.join('\n').trim();
}

/** A trailing comment on the definition's own line, without its `;`. */
export function trailingComment(text: string): string {
  const c = commentStart(text);
  return c >= 0 && text.slice(0, c).trim() ? text.slice(c + 1).trim() : '';
}
