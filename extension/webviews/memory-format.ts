// Formatting shared by the memory view's webview and its extension side (no DOM, no vscode): words of
// a grouping, little-endian, and addresses with `_` between groups of four digits.

import type { WordSize } from './messages';

/** Bytes as words of `size` bytes, little-endian, in hex; a word with an unreadable byte is "??" per byte. */
export function groupWords(bytes: readonly number[], size: WordSize): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    const word = bytes.slice(i, i + size);
    out.push(word.some((b) => b < 0) ? '??'.repeat(size) : word.reverse().map((b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return out;
}

/** An address as the views write it: 0x, at least eight digits, `_` every four (0x1_0000_0000). */
export function groupedAddress(n: number, digits = 8): string {
  const h = n.toString(16).padStart(digits, '0');
  return '0x' + h.replace(/(?=(?:[0-9a-f]{4})+$)(?!^)/g, '_');
}

/** Little-endian bytes of a value typed in hex (at most `size` bytes; null when it is not hex). */
export function wordBytes(hexText: string, size: WordSize): number[] | null {
  if (!/^[0-9a-fA-F]{1,16}$/.test(hexText) || hexText.length > size * 2) return null;
  let v = BigInt(`0x${hexText}`);
  const out: number[] = [];
  for (let i = 0; i < size; i++) { out.push(Number(v & 0xffn)); v >>= 8n; }
  return out;
}
