// Memory references that name the space: "pa:0x1_0000_0000" (physical), "vs1:0x2000_0000" (a VA in
// a space, followed through that space's live page tables). Reads never touch the TLB, A/D bits or
// watchpoints; unmapped pages come back as unreadable bytes, never as an error.

import { FOUR_GIB, INSTRUCTION_SIZE, PHYS_LIMIT, hex, parseNumber, type Interpreter } from '../emulator/index';

export interface MemoryRef {
  /** "PA" or a space name as the layout spells it. */
  readonly space: string;
  readonly address: number;
}

export const MAX_READ = 1 << 20;

/**
 * A number as DAP address fields carry it (readMemory's address, disassembled instructions, instruction
 * pointer references): plain hex, no grouping, which clients parse with BigInt.
 */
export function dapAddress(n: number): string {
  return `0x${n.toString(16)}`;
}

/** The text address of instruction `pc` (instruction N is at 4*N), as DAP address fields carry it. */
export function textAddress(pc: number): string {
  return dapAddress(pc * INSTRUCTION_SIZE);
}

/** A memory reference as display text and as the memoryReference of variables: "vs1:0x2000_0000". */
export function formatRef(r: MemoryRef): string {
  return `${r.space === 'PA' ? 'pa' : r.space.toLowerCase()}:${hex(r.address)}`;
}

/**
 * The syntax alone: "pa:ADDR", "SPACE:ADDR" or a bare address (physical), with the space as written
 * ("PA" for physical). Returns an error message on failure. The extension parses with this too.
 */
export function parseRefText(text: string): { readonly space: string; readonly address: number } | string {
  const m = /^\s*(?:([A-Za-z_][\w]*)\s*:\s*)?(\S+)\s*$/.exec(text);
  if (!m) return `not a memory reference: ${JSON.stringify(text)} (write pa:0x1_0000_0000 or vs1:0x2000_0000)`;
  const address = parseNumber(m[2]);
  if (address === undefined) return `not an address: ${JSON.stringify(m[2])}`;
  return { space: !m[1] || m[1].toLowerCase() === 'pa' ? 'PA' : m[1], address };
}

/** Parses a memory reference and checks it against the machine's spaces and sizes. Returns an error message on failure. */
export function parseRef(text: string, interp: Interpreter): MemoryRef | string {
  const r = parseRefText(text);
  if (typeof r === 'string') return r;
  const { address } = r;
  const spaceText = r.space;
  if (spaceText === 'PA') {
    if (address >= PHYS_LIMIT) return `${hex(address)} is beyond the 36-bit physical space`;
    return { space: 'PA', address };
  }
  const s = interp.machine.space(spaceText);
  if (!s) return `no space named ${spaceText} (spaces: ${interp.machine.spaces.map((x) => x.name).join(', ')}, or pa)`;
  if (address >= FOUR_GIB) return `${hex(address)} is not a virtual address: a space is 32 bits`;
  return { space: s.name, address };
}

/** Physical address of a byte, or null when the page is not mapped. */
export function physical(interp: Interpreter, r: MemoryRef, offset: number): number | null {
  const a = r.address + offset;
  if (r.space === 'PA') return a >= 0 && a < PHYS_LIMIT ? a : null;
  if (a < 0 || a >= FOUR_GIB) return null;
  return interp.peekTranslate(r.space, a);
}

/**
 * Reads up to `count` bytes (capped at MAX_READ) from ref+offset. Returns the readable prefix and how
 * many bytes after it are unreadable (the rest of an unmapped run), as DAP's readMemory wants.
 */
export function readRef(interp: Interpreter, r: MemoryRef, offset: number, count: number): { address: number; data: Uint8Array; unreadable: number } {
  const n = Math.max(0, Math.min(count, MAX_READ));
  const mem = interp.machine.memory;
  const out = new Uint8Array(n);
  let done = 0;
  while (done < n) {
    const pa = physical(interp, r, offset + done);
    const inPage = Math.min(n - done, 4096 - ((r.address + offset + done) % 4096));
    if (pa === null) {
      // Count the unreadable run up to the next readable byte or the end of the request.
      let bad = 0;
      while (done + bad < n && physical(interp, r, offset + done + bad) === null) bad += Math.min(n - done - bad, 4096 - ((r.address + offset + done + bad) % 4096));
      return { address: r.address + offset, data: out.subarray(0, done), unreadable: bad };
    }
    mem.readBytes(pa, inPage, out.subarray(done, done + inPage));
    done += inPage;
  }
  return { address: r.address + offset, data: out, unreadable: 0 };
}

/** Writes bytes at ref+offset; stops at the first unmapped page and returns how many were written. */
export function writeRef(interp: Interpreter, r: MemoryRef, offset: number, bytes: Uint8Array): number {
  let done = 0;
  while (done < bytes.length) {
    const pa = physical(interp, r, offset + done);
    if (pa === null) break;
    const inPage = Math.min(bytes.length - done, 4096 - ((r.address + offset + done) % 4096));
    interp.machine.memory.writeBytes(pa, bytes.subarray(done, done + inPage));
    done += inPage;
  }
  return done;
}
