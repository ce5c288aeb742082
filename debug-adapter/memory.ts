// The memory requests: readMemory and writeMemory on references that name the space (pa:..., vs1:...),
// and disassemble over the program's text addresses (instruction N is at text address 4*N).

import type { DebugProtocol } from '@vscode/debugprotocol';
import { parseNumber, type Program } from '../emulator/index';
import type { ClientLines } from './breakpoints';
import { MAX_READ, dapAddress, formatRef, parseRef, readRef, textAddress, writeRef } from './memory-ref';
import { ErrorCode } from './protocol';
import { RequestError, bad } from './request';
import type { MoverRuntime } from './runtime';

/** The address of a disassembled row that is no instruction at all. */
const NO_ADDRESS = '-1';
/** Padded base64 (RFC 4648), the only encoding of writeMemory's data. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The most instructions one disassemble request returns. */
const MAX_DISASSEMBLE = 10_000;

export function readMemory(rt: MoverRuntime, a: DebugProtocol.ReadMemoryArguments): NonNullable<DebugProtocol.ReadMemoryResponse['body']> {
  if (typeof a.memoryReference !== 'string') throw new RequestError(ErrorCode.BadMemoryReference, 'readMemory needs a memoryReference such as pa:0x1_0000_0000 or vs1:0x2000_0000');
  if (typeof a.count !== 'number' || a.count < 0 || !Number.isFinite(a.count)) throw bad('readMemory needs a count of bytes');
  const ref = parseRef(a.memoryReference, rt.interp);
  if (typeof ref === 'string') throw new RequestError(ErrorCode.BadMemoryReference, ref);
  const offset = a.offset ?? 0;
  if (ref.address + offset < 0) throw new RequestError(ErrorCode.BadMemoryReference, `offset ${offset} moves ${formatRef(ref)} before address 0`);
  const r = readRef(rt.interp, ref, offset, Math.min(a.count, MAX_READ));
  return { address: dapAddress(ref.address + offset), data: Buffer.from(r.data).toString('base64'), ...(r.unreadable ? { unreadableBytes: r.unreadable } : {}) };
}

/** Writes the bytes; returns the response body and the range written (for the memory event). */
export function writeMemory(rt: MoverRuntime, a: DebugProtocol.WriteMemoryArguments): { body: NonNullable<DebugProtocol.WriteMemoryResponse['body']>; reference: string; offset: number; count: number } {
  if (typeof a.memoryReference !== 'string' || typeof a.data !== 'string') throw new RequestError(ErrorCode.BadMemoryReference, 'writeMemory needs a memoryReference and base64 data');
  const ref = parseRef(a.memoryReference, rt.interp);
  if (typeof ref === 'string') throw new RequestError(ErrorCode.BadMemoryReference, ref);
  // Buffer.from skips what is not base64: garbage would be written as whatever bytes it decodes to.
  if (!BASE64.test(a.data)) throw bad('writeMemory needs its data in base64 (padded, as RFC 4648 writes it)');
  const bytes = new Uint8Array(Buffer.from(a.data, 'base64'));
  if (bytes.length > MAX_READ) throw bad(`writes are limited to ${MAX_READ} bytes`);
  const offset = a.offset ?? 0;
  if (ref.address + offset < 0) throw new RequestError(ErrorCode.BadMemoryReference, `offset ${offset} moves ${formatRef(ref)} before address 0`);
  const n = writeRef(rt.interp, ref, offset, bytes);
  if (n === 0 && bytes.length > 0) throw new RequestError(ErrorCode.BadMemoryReference, `${formatRef({ space: ref.space, address: ref.address + offset })} is not mapped in ${ref.space}`);
  return { body: { bytesWritten: n }, reference: formatRef(ref), offset, count: n };
}

export function disassemble(program: Program | null, lines: ClientLines, a: DebugProtocol.DisassembleArguments): NonNullable<DebugProtocol.DisassembleResponse['body']> {
  if (!program) throw new RequestError(ErrorCode.NotLaunched, 'no program is loaded');
  const base = parseNumber(String(a.memoryReference ?? '').replace(/^text:/i, ''));
  if (base === undefined) throw new RequestError(ErrorCode.BadMemoryReference, `disassemble needs a text address (got ${JSON.stringify(a.memoryReference)})`);
  if (typeof a.instructionCount !== 'number' || a.instructionCount < 0) throw bad('disassemble needs an instructionCount');
  const count = Math.min(a.instructionCount, MAX_DISASSEMBLE);
  const first = Math.floor((base + (a.offset ?? 0)) / 4) + (a.instructionOffset ?? 0);
  const out: DebugProtocol.DisassembledInstruction[] = [];
  for (let i = 0; i < count; i++) {
    const pc = first + i;
    // Before text address 0 there is no address: -1 is DAP's "no instruction" (VS Code's view skips it).
    // Past the end, rows keep their own increasing addresses, marked invalid.
    if (pc < 0) { out.push({ address: NO_ADDRESS, instruction: '', presentationHint: 'invalid' }); continue; }
    if (pc >= program.length) { out.push({ address: textAddress(pc), instruction: '(end of program)', presentationHint: 'invalid' }); continue; }
    const loc = lines.location(pc);
    out.push({ address: textAddress(pc), instruction: program.text[pc], symbol: [...program.labels].find(([, v]) => v === pc)?.[0], location: loc.source, line: loc.line, column: loc.column });
  }
  return { instructions: out };
}
