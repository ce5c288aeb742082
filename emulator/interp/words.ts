// 64-bit values as the interpreter and the block compiler hold them (two 32-bit halves, lo and hi),
// and the size of each load and store: one home for both.

import { Op } from '../asm/isa';
import { PAGE_SIZE } from '../physical-memory';

/** Low 64 bits of a 64 x 64-bit product, from 32-bit halves. */
export function mul64(aLo: number, aHi: number, bLo: number, bHi: number, out: Int32Array): void {
  const a0 = aLo & 0xffff, a1 = aLo >>> 16, b0 = bLo & 0xffff, b1 = bLo >>> 16;
  const ll = a0 * b0, lh = a0 * b1, hl = a1 * b0, hh = a1 * b1;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const carryHi = hh + Math.floor(lh / 65536) + Math.floor(hl / 65536) + Math.floor(mid / 65536);
  out[0] = Math.imul(aLo, bLo);
  out[1] = (carryHi + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) | 0;
}

/** The unsigned 64-bit value of two 32-bit halves. */
export function u64(lo: number, hi: number): bigint {
  // Below 2^53 a number converts exactly, and far faster than shifting BigInts.
  return (hi >>> 0) < 0x20_0000 ? BigInt((hi >>> 0) * 0x1_0000_0000 + (lo >>> 0)) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Bytes each load and store moves (0 for every other opcode). */
export const ACCESS_SIZE = new Int32Array(Op.ASSERT + 1);
for (const [op, size] of [[Op.LD8, 1], [Op.LD16, 2], [Op.LD32, 4], [Op.LD64, 8], [Op.LDS8, 1], [Op.LDS16, 2], [Op.LDS32, 4], [Op.ST8, 1], [Op.ST16, 2], [Op.ST32, 4], [Op.ST64, 8], [Op.ST8_I, 1], [Op.ST16_I, 2], [Op.ST32_I, 4], [Op.ST64_I, 8]] as const) ACCESS_SIZE[op] = size;

/** The last page offset at which each load and store stays within its page. */
export const LAST_OFFSET = ACCESS_SIZE.map((size) => PAGE_SIZE - size);
