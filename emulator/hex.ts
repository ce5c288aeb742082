// Numbers as people write them for this machine: hex with `_` separators, sizes with K/M/G suffixes.
// Everything is a JS number: physical addresses are 36 bits, far inside the 2^53 that doubles hold exactly.

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
/** 2^32: one virtual space. */
export const FOUR_GIB = 4 * GiB;

/** Formats an address as hex with `_` every four digits: 0x1_0000_0000, 0x2000_0000. */
export function hex(value: number, minDigits = 1): string {
  if (!Number.isFinite(value) || value < 0) return String(value);
  let digits = Math.floor(value).toString(16);
  if (digits.length < minDigits) digits = '0'.repeat(minDigits - digits.length) + digits;
  let out = '';
  for (let i = digits.length; i > 0; i -= 4) out = digits.slice(Math.max(0, i - 4), i) + (out ? '_' + out : '');
  return '0x' + out;
}

/** Plain hex without separators, zero-padded: for JSON that other tools read. */
export function hexPlain(value: number, minDigits = 1): string {
  return '0x' + Math.floor(value).toString(16).padStart(minDigits, '0');
}

/** A 64-bit value held as two 32-bit halves, printed as 16 hex digits with separators. */
export function hex64(lo: number, hi: number): string {
  const h = (hi >>> 0).toString(16).padStart(8, '0');
  const l = (lo >>> 0).toString(16).padStart(8, '0');
  return `0x${h.slice(0, 4)}_${h.slice(4)}_${l.slice(0, 4)}_${l.slice(4)}`;
}

export function hex64Plain(lo: number, hi: number): string {
  return '0x' + (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** Human size: 512M, 3.25G, 4K, 100 (bytes). */
export function formatSize(bytes: number): string {
  if (bytes >= GiB && bytes % (GiB / 4) === 0) return `${bytes / GiB}G`;
  if (bytes >= MiB && bytes % (MiB / 4) === 0) return `${bytes / MiB}M`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(2)}M`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB}K`;
  return String(bytes);
}

const NUMBER_RE = /^(?:0x([0-9a-f][0-9a-f_]*)|0b([01][01_]*)|([0-9][0-9_]*(?:\.[0-9]+)?))([kmg])?$/i;

/**
 * Parses 0x1_0000_0000, 4096, 512M, 3.25G, 0b1010. Returns undefined when the text is not a number
 * or is not a whole number of bytes. Accepts numbers as they are (JSON layouts may use either form).
 */
export function parseNumber(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) ? text : undefined;
  const m = NUMBER_RE.exec(text.trim());
  if (!m) return undefined;
  if ((m[1] ?? m[2] ?? m[3] ?? '').endsWith('_')) return undefined;
  let value: number;
  if (m[1] !== undefined) value = parseInt(m[1].replace(/_/g, ''), 16);
  else if (m[2] !== undefined) value = parseInt(m[2].replace(/_/g, ''), 2);
  else value = Number(m[3].replace(/_/g, ''));
  const suffix = m[4]?.toLowerCase();
  if (suffix === 'k') value *= KiB;
  else if (suffix === 'm') value *= MiB;
  else if (suffix === 'g') value *= GiB;
  return Number.isSafeInteger(value) ? value : undefined;
}
