// Where JSON text first stops being JSON, as a line and column. JSON.parse's own messages quote the
// text around the error, and a layout path may name any file (/etc/shadow): messages say where, not what.
// Iterative (an explicit stack of open brackets), so deeply nested input cannot overflow the call stack.

const WHITESPACE = ' \t\n\r';
const SIMPLE_ESCAPES = '"\\/bfnrt';
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

/** The offset of the first character that is not valid JSON (the text's length when it ends too soon); -1 for valid JSON. */
export function jsonErrorOffset(text: string): number {
  const n = text.length;
  let i = 0;
  const open: string[] = [];
  const skip = (): void => { while (i < n && WHITESPACE.includes(text[i])) i++; };
  /** At a quote: past the closing quote (true), or at the offending character (false). */
  const string = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return true; }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { i += 6; continue; }
        if (e === undefined || e === 'u' || !SIMPLE_ESCAPES.includes(e)) { i++; return false; }
        i += 2;
        continue;
      }
      i++;
    }
    return false;
  };
  /** A member's `"key":`; false at the offending character. */
  const key = (): boolean => {
    skip();
    if (!string()) return false;
    skip();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };
  let wantValue = true;
  for (;;) {
    skip();
    if (wantValue) {
      if (i >= n) return i;
      const c = text[i];
      if (c === '{' || c === '[') {
        i++;
        skip();
        if (text[i] === (c === '{' ? '}' : ']')) { i++; wantValue = false; continue; }
        open.push(c);
        if (c === '{' && !key()) return i;
        continue;
      }
      if (c === '"') { if (!string()) return i; wantValue = false; continue; }
      NUMBER.lastIndex = i;
      LITERAL.lastIndex = i;
      const m = NUMBER.exec(text) ?? LITERAL.exec(text);
      if (!m) return i;
      i += m[0].length;
      wantValue = false;
      continue;
    }
    const top = open.at(-1);
    if (top === undefined) return i < n ? i : -1;
    const c = text[i];
    if (c === ',') {
      i++;
      if (top === '{' && !key()) return i;
      wantValue = true;
      continue;
    }
    if (c === (top === '{' ? '}' : ']')) { open.pop(); i++; continue; }
    return i;
  }
}

/** 1-based line and column of an offset. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) { line++; start = i + 1; }
  return { line, column: offset - start + 1 };
}
