// What the Variables view shows: registers, control registers with decoded bits, the TLB, the page
// walk of the last access, and the program's typed objects (.object + .struct), all read without side
// effects. Each container is a handle the session hands out per stop.

import type { DebugProtocol } from '@vscode/debugprotocol';
import {
  CR0_PE, CR0_PG, CR0_WP, CR3_PDPT_MASK, CR4_PAE, CR4_PGE, CR4_PSE, PAGE_OFFSET_MASK, describeWalkFault, hex, hex64, listTlb, registerName, tlbFlagWords, translate,
  type Interpreter, type Program, type StructType, type Thread,
} from '../emulator/index';
import { formatRef, readRef } from './memory-ref';

export type Container =
  | { readonly kind: 'registers'; readonly thread: Thread }
  | { readonly kind: 'control'; readonly cpu: number }
  | { readonly kind: 'bits'; readonly cpu: number; readonly reg: 'cr0' | 'cr4' }
  | { readonly kind: 'tlb'; readonly cpu: number }
  | { readonly kind: 'tlb-entry'; readonly cpu: number; readonly index: number }
  | { readonly kind: 'walk'; readonly cpu: number }
  | { readonly kind: 'objects' }
  /** One VA in every space: a hover's children. */
  | { readonly kind: 'spaces'; readonly va: number }
  | { readonly kind: 'struct'; readonly space: string; readonly address: number; readonly type: string }
  | { readonly kind: 'array'; readonly space: string; readonly address: number; readonly elementType: string; readonly elementSize: number; readonly count: number; readonly start: number };

export interface VariableContext {
  readonly interp: Interpreter;
  readonly program: Program;
  /** Creates a handle for a child container. */
  readonly handle: (c: Container) => number;
  /** TLB change mark per processor at the previous stop. */
  readonly tlbMarks: readonly number[];
}

const ARRAY_PAGE = 100;

function bigHex(v: bigint): string {
  return hex64(Number(v & 0xffffffffn), Number(v >> 32n));
}

/** A memory reference for a value used as an address in a space (null when it cannot be one). */
export function addressRef(space: string, value: bigint): string | undefined {
  if (value >= 1n << 32n) return undefined;
  return formatRef({ space, address: Number(value) });
}

export function variables(c: Container, ctx: VariableContext): DebugProtocol.Variable[] {
  const { interp } = ctx;
  const m = interp.machine;
  switch (c.kind) {
    case 'registers': {
      const t = c.thread;
      const space = interp.spaceOf(t.cpu);
      const out: DebugProtocol.Variable[] = [];
      for (let r = 0; r < 16; r++) {
        const v = interp.register(t, r);
        const ref = addressRef(space, v);
        out.push({ name: registerName(r), value: bigHex(v), type: 'u64', variablesReference: 0, evaluateName: registerName(r), ...(ref ? { memoryReference: ref } : {}) });
      }
      out.push({ name: 'pc', value: `${hex(t.pc * 4)} (instruction ${t.pc})`, type: 'text address', variablesReference: 0, presentationHint: { attributes: ['readOnly'] } });
      return out;
    }
    case 'control': {
      const p = m.processors[c.cpu];
      const cr3Space = m.spaceOfCr3(p.cr3)?.name;
      const ro = { presentationHint: { attributes: ['readOnly'] as string[] } };
      return [
        { name: 'space', value: m.currentSpaceName(p), variablesReference: 0, ...ro },
        { name: 'CR0', value: `${hex(p.cr0 >>> 0, 8)}  ${[p.cr0 & CR0_PG ? 'PG' : '', p.cr0 & CR0_WP ? 'WP' : '', p.cr0 & CR0_PE ? 'PE' : ''].filter(Boolean).join(' ')}`, variablesReference: ctx.handle({ kind: 'bits', cpu: c.cpu, reg: 'cr0' }), ...ro },
        { name: 'CR2', value: `${hex(p.cr2, 8)}  (last page-fault address)`, variablesReference: 0, ...ro },
        { name: 'CR3', value: `${hex(p.cr3, 8)}${cr3Space ? `  (${cr3Space}'s PDPT)` : ''}`, variablesReference: 0, memoryReference: formatRef({ space: 'PA', address: (p.cr3 & CR3_PDPT_MASK) >>> 0 }), ...ro },
        { name: 'CR4', value: `${hex(p.cr4, 8)}  ${[p.cr4 & CR4_PGE ? 'PGE' : '', p.cr4 & CR4_PAE ? 'PAE' : '', p.cr4 & CR4_PSE ? 'PSE' : ''].filter(Boolean).join(' ')}`, variablesReference: ctx.handle({ kind: 'bits', cpu: c.cpu, reg: 'cr4' }), ...ro },
        { name: 'PDPTEs', value: Array.from({ length: 4 }, (_, i) => hex64(p.pdpteLo[i], p.pdpteHi[i])).join(' '), variablesReference: 0, ...ro },
        { name: 'preemption count', value: String(p.preemptCount), variablesReference: 0, ...ro },
        { name: 'CPL', value: String(p.cpl), variablesReference: 0, ...ro },
      ];
    }
    case 'bits': {
      const p = m.processors[c.cpu];
      const bits: [string, number, string][] = c.reg === 'cr0'
        ? [['PE', CR0_PE, 'protected mode'], ['WP', CR0_WP, 'supervisor writes honour R/W'], ['PG', CR0_PG, 'paging (off = VS0)']]
        : [['PSE', CR4_PSE, 'page size extensions'], ['PAE', CR4_PAE, 'physical address extension'], ['PGE', CR4_PGE, 'global pages']];
      const v = c.reg === 'cr0' ? p.cr0 : p.cr4;
      return bits.map(([name, bit, what]) => ({ name, value: `${(v & bit) !== 0 ? 1 : 0}  (${what})`, variablesReference: 0 }));
    }
    case 'tlb': {
      const view = listTlb(m, c.cpu, ctx.tlbMarks[c.cpu] ?? Infinity);
      const k = view.counters;
      const head: DebugProtocol.Variable[] = [
        { name: 'geometry', value: `${view.sets} sets x ${view.ways} ways, ${view.entries.length} valid`, variablesReference: 0 },
        { name: 'counters', value: `hits ${k.hits}, misses ${k.misses}, walks ${k.walks}, flushes ${k.flushes} (${k.invalidated} dropped), evictions ${k.evictions}`, variablesReference: 0 },
      ];
      return head.concat(view.entries.map((e) => {
        const flags = tlbFlagWords(e.flags).join(' ');
        return {
          name: `${hex(e.va, 8)}`, value: `-> ${hex(e.frame)}  ${flags}  set ${e.set} way ${e.way} lru ${e.lruRank}${e.stale ? '  STALE' : ''}${e.fresh ? '  (new)' : ''}`,
          variablesReference: ctx.handle({ kind: 'tlb-entry', cpu: c.cpu, index: e.index }), memoryReference: formatRef({ space: 'PA', address: e.frame }),
          ...(e.stale ? { presentationHint: { attributes: ['hasSideEffects'] } } : {}),
        };
      }));
    }
    case 'tlb-entry': {
      const view = listTlb(m, c.cpu);
      const e = view.entries.find((x) => x.index === c.index);
      if (!e) return [{ name: '(gone)', value: 'this entry was flushed or replaced', variablesReference: 0 }];
      return [
        { name: 'VPN', value: hex(e.vpn), variablesReference: 0 },
        { name: 'frame', value: hex(e.frame), variablesReference: 0, memoryReference: formatRef({ space: 'PA', address: e.frame }) },
        ...Object.entries(e.flags).map(([k, v]) => ({ name: k, value: String(v), variablesReference: 0 })),
        { name: 'LRU rank', value: `${e.lruRank} (0 = most recent in its set)`, variablesReference: 0 },
        { name: 'stale', value: e.stale ? `yes: ${e.staleReason}` : 'no', variablesReference: 0 },
      ];
    }
    case 'walk': {
      const last = interp.lastAccess(c.cpu);
      if (!last) return [{ name: '(none)', value: 'this processor has not accessed memory yet', variablesReference: 0 }];
      const t = translate(m, { cpu: c.cpu }, last.va);
      const out: DebugProtocol.Variable[] = [
        { name: 'VA', value: `${hex(t.va, 8)} (${last.write ? 'write' : 'read'}) in ${t.space}`, variablesReference: 0 },
      ];
      if (t.paging) out.push({ name: 'CR3', value: hex(t.cr3!), variablesReference: 0, memoryReference: formatRef({ space: 'PA', address: t.cr3! }) });
      else out.push({ name: 'paging', value: 'off: linear = physical', variablesReference: 0 });
      for (const l of t.levels) out.push({ name: `${l.level}[${l.index}]`, value: `${l.raw}  ${l.flags.join(' ')}  at ${hex(l.entryAddress)}`, variablesReference: 0, memoryReference: formatRef({ space: 'PA', address: l.entryAddress }) });
      out.push(t.ok
        ? { name: 'PA', value: `${hex(t.pa!)}${t.chunk ? `  (${t.chunk.name})` : ''}`, variablesReference: 0, memoryReference: formatRef({ space: 'PA', address: t.pa! }) }
        : { name: 'fault', value: describeWalkFault(t.fault!), variablesReference: 0 });
      for (const h of t.tlb) out.push({ name: `TLB cpu${h.cpu}`, value: h.held ? `held -> ${hex(h.frame!)}${h.stale ? ` STALE: ${h.staleReason}` : ''}` : 'not held', variablesReference: 0 });
      return out;
    }
    case 'spaces':
      return m.spaces.map((s) => spaceRow(s.name, c.va, ctx));
    case 'objects':
      return ctx.program.objects.map((o) => ({
        name: o.name, value: `${o.type} at ${o.space.toLowerCase()}:${hex(o.va)}`, type: o.type, evaluateName: o.name,
        variablesReference: ctx.handle({ kind: 'struct', space: o.space, address: o.va, type: o.type }), memoryReference: formatRef({ space: o.space, address: o.va }),
      }));
    case 'struct': {
      const st = ctx.program.structs.get(c.type);
      if (!st) return [];
      return structFields(st, c.space, c.address, ctx);
    }
    case 'array': {
      const out: DebugProtocol.Variable[] = [];
      const end = Math.min(c.count, c.start + ARRAY_PAGE);
      for (let i = c.start; i < end; i++) out.push(fieldVariable(`[${i}]`, c.elementType, c.elementSize, 1, c.space, c.address + i * c.elementSize, ctx));
      if (end < c.count) out.push({ name: `[${end}..${c.count - 1}]`, value: `${c.count - end} more`, variablesReference: ctx.handle({ ...c, start: end }) });
      return out;
    }
  }
}

/** The 32-bit little-endian word at a physical address, or null where nothing is readable. */
function wordAt(ctx: VariableContext, pa: number): number | null {
  const word = readRef(ctx.interp, { space: 'PA', address: pa }, 0, 4).data;
  return word.length === 4 ? new DataView(word.buffer, word.byteOffset, 4).getUint32(0, true) : null;
}

/**
 * Where a VA lands in one space: PA and chunk, the word there (read through the page tables, without
 * side effects), and what each processor running in that space with paging on holds in its TLB. A
 * stale entry shows what the processor will actually load through it, beside what the tables say.
 */
function spaceRow(space: string, va: number, ctx: VariableContext): DebugProtocol.Variable {
  const t = translate(ctx.interp.machine, { space }, va);
  if (!t.ok) return { name: space, value: `not mapped (${describeWalkFault(t.fault!, false)})`, variablesReference: 0 };
  const word = wordAt(ctx, t.pa!);
  const tlb = t.paging ? t.tlb.filter((h) => h.space === space).map((h) => {
    if (!h.held) return `cpu${h.cpu} TLB miss`;
    if (!h.stale) return `cpu${h.cpu} TLB hit`;
    const through = h.frame! + (va & PAGE_OFFSET_MASK);
    const loads = wordAt(ctx, through);
    return `cpu${h.cpu} TLB STALE: loads ${loads === null ? '?' : hex(loads)} from ${hex(through)}`;
  }).join(', ') : '';
  return {
    name: space, value: `${hex(t.pa!)}${t.chunk ? ` (${t.chunk.name})` : ''}${word === null ? '' : ` = ${hex(word)}`}${tlb ? `  [${tlb}]` : ''}`,
    variablesReference: 0, memoryReference: formatRef({ space, address: va }),
  };
}

function structFields(st: StructType, space: string, address: number, ctx: VariableContext): DebugProtocol.Variable[] {
  return st.fields.map((f) => {
    const typeName = f.type.kind === 'struct' ? f.type.name : f.type.kind === 'ptr' ? (f.type.target ? `${f.type.target}*` : 'ptr') : `${f.type.signed ? 'i' : 'u'}${f.type.bytes * 8}`;
    return fieldVariable(f.name, typeName, f.elementSize, f.count, space, address + f.offset, ctx);
  });
}

function fieldVariable(name: string, type: string, size: number, count: number, space: string, address: number, ctx: VariableContext): DebugProtocol.Variable {
  const ref = formatRef({ space, address });
  if (count > 1) {
    if (type === 'u8' || type === 'i8') {
      const { data } = readRef(ctx.interp, { space, address }, 0, count);
      const text = Array.from(data.subarray(0, data.indexOf(0) < 0 ? data.length : data.indexOf(0)), (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
      return { name, value: data.length < count ? '(unmapped)' : JSON.stringify(text), type: `${type}[${count}]`, memoryReference: ref, variablesReference: ctx.handle({ kind: 'array', space, address, elementType: type, elementSize: size, count, start: 0 }) };
    }
    return { name, value: `${type}[${count}]`, type: `${type}[${count}]`, memoryReference: ref, variablesReference: ctx.handle({ kind: 'array', space, address, elementType: type, elementSize: size, count, start: 0 }) };
  }
  if (ctx.program.structs.has(type)) {
    return { name, value: `${type} at ${ref}`, type, memoryReference: ref, variablesReference: ctx.handle({ kind: 'struct', space, address, type }) };
  }
  const { data } = readRef(ctx.interp, { space, address }, 0, size);
  if (data.length < size) return { name, value: '(unmapped)', type, variablesReference: 0 };
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(data[k]);
  const signed = type.startsWith('i') ? BigInt.asIntN(size * 8, v) : v;
  const isPtr = type === 'ptr' || type.endsWith('*');
  const value = isPtr ? (v === 0n ? 'null' : hex(Number(v))) : `${signed.toString()}  (${hex(Number(v))})`;
  const ptrRef = isPtr ? addressRef(space, v) : undefined;
  // A typed pointer opens into the struct it points at, in the same space.
  const target = type.endsWith('*') ? type.slice(0, -1) : undefined;
  const follow = target && v !== 0n && ctx.program.structs.has(target) ? ctx.handle({ kind: 'struct', space, address: Number(v), type: target }) : 0;
  return { name, value: target && v !== 0n ? `${value} → ${target}` : value, type, variablesReference: follow, memoryReference: ptrRef ?? ref };
}
