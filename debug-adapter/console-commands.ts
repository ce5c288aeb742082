// The debug console's commands, in the spirit of WinDbg, gdb, Bochs and QEMU's monitor: translate,
// whereis, x/16x, tlb, layout, mappings, pte2va, walk over a range, pdpte. Anything that is not a
// command is an expression (evaluator.ts).

import {
  CR3_PDPT_MASK, ENTRY_SIZE, FOUR_GIB, PDPT_ENTRIES, PHYS_LIMIT, PTE_P, decodeFlags, entryFrameBase, formatLayout, formatSize, formatTlb, formatTranslation, hex, hex64,
  entryUses, listTlb, mappedRanges, mappedRangesAt, parseNumber, registerIndex, translate, whereIs, MAX_COMPARE_BYTES, compareSpaces, formatComparison, formatMachineDiff,
  type Interpreter, type MappedRange,
} from '../emulator/index';
import { formatRef, parseRef, readRef } from './memory-ref';
import { evaluateExpression, type EvalContext } from './evaluator';
import { machineDiff } from './diff';
import { runtimeOf } from './runtime';

export const COMMANDS: readonly { readonly name: string; readonly usage: string; readonly summary: string }[] = [
  { name: 'translate', usage: 'translate SPACE|cpuN VA', summary: 'the whole walk: each level\'s entry address, raw value and flags, the PA, the chunk, the TLB on each processor' },
  { name: 'whereis', usage: 'whereis PA', summary: 'every (space, VA) whose translation reaches a physical address' },
  { name: 'x', usage: 'x/NF REF', summary: 'dump N units of memory (F: b bytes, h 16-bit, w or x 32-bit, g 64-bit) at pa:ADDR or SPACE:ADDR' },
  { name: 'tlb', usage: 'tlb [cpuN]', summary: 'the TLB of a processor, stale entries marked' },
  { name: 'layout', usage: 'layout', summary: 'the chunk map and which space maps which chunk' },
  { name: 'mappings', usage: 'mappings SPACE', summary: 'every mapped range of a space, walked from its page tables (as QEMU\'s info mem)' },
  { name: 'pte2va', usage: 'pte2va pa:ADDR', summary: 'PTE address -> VA: which VA range of which space the PDPTE, PDE or PTE at a physical address maps' },
  { name: 'walk', usage: 'walk [SPACE|cpuN|cr3=X] START END|L LEN', summary: 'every mapping in a VA range (as WinDbg !pte with a range), also under a raw CR3; walk VS1:0x400000 L 0x100000' },
  { name: 'compare', usage: 'compare VA [LEN]', summary: 'one VA in every space side by side: its PA and chunk, common or separate, and LEN bytes (16) with the differences marked' },
  { name: 'pdpte', usage: 'pdpte [cpuN]', summary: 'the four PDPTE registers of a processor as loaded at the last MOV CR3, and whether memory now differs' },
  { name: 'diff', usage: 'diff [N]', summary: 'what changed in the whole machine since the last stop (or N stops back): memory, page-table entries, TLB fills and evictions, registers, volume blocks, objects' },
  { name: 'help', usage: 'help', summary: 'this list' },
];

/**
 * Runs a console command if the text is one; returns undefined when it is not a command. A command that
 * cannot be carried out throws a ConsoleError saying why (the console shows it as an error).
 */
export function runCommand(text: string, ctx: EvalContext): string | undefined {
  const trimmed = text.trim();
  const [word, ...rest] = trimmed.split(/\s+/);
  const { interp } = ctx;
  const m = interp.machine;
  const cmd = word.toLowerCase();
  if (cmd === 'help' || cmd === '?') return COMMANDS.map((c) => `${c.usage.padEnd(26)} ${c.summary}`).join('\n') + '\nAnything else is an expression: registers, cr0..cr4, labels, constants, struct.field, object.field, memory [r3], vs1:[0x2000_0000], pa:[0x1000]:64, + - * / % << >> & | ^ ~, == != < <= > >= && ||; and REG = VALUE or [ADDR] = VALUE assigns';
  if (cmd === 'layout') return formatLayout(m);
  if (cmd === 'tlb') {
    const which = rest[0] ? parseCpu(rest[0], interp) : undefined;
    if (typeof which === 'string') throw new ConsoleError(which);
    const cpus = which === undefined ? m.processors.map((p) => p.id) : [which];
    return cpus.map((c) => formatTlb(listTlb(m, c))).join('\n\n');
  }
  if (cmd === 'translate') {
    if (rest.length < 1 || rest.length > 2) throw new ConsoleError('usage: translate SPACE|cpuN VA   (e.g. translate VS1 0x2000_1000)');
    let target: { space: string } | { cpu: number };
    let vaText: string;
    if (rest.length === 1) {
      target = { cpu: ctx.thread?.cpu ?? 0 };
      vaText = rest[0];
    } else {
      const cpu = /^cpu\d+$/i.test(rest[0]) ? parseCpu(rest[0], interp) : undefined;
      if (typeof cpu === 'string') throw new ConsoleError(cpu);
      if (cpu !== undefined) target = { cpu };
      else {
        const s = m.space(rest[0]);
        if (!s) throw new ConsoleError(`no space named ${rest[0]} (spaces: ${m.spaces.map((x) => x.name).join(', ')}; or cpu0, cpu1, ...)`);
        target = { space: s.name };
      }
      vaText = rest[1];
    }
    const va = valueOf(vaText, ctx);
    if (va >= FOUR_GIB) throw new ConsoleError(`${hex(va)} is not a virtual address: a space is 32 bits`);
    return formatTranslation(translate(m, target, va));
  }
  if (cmd === 'whereis') {
    if (rest.length !== 1) throw new ConsoleError('usage: whereis PA   (e.g. whereis 0x1_0000_1000 or whereis pa:0x1_0000_1000)');
    const pa = valueOf(rest[0].replace(/^pa:/i, ''), ctx);
    if (pa >= PHYS_LIMIT) throw new ConsoleError(`${hex(pa)} is beyond the 36-bit physical space`);
    const found = whereIs(m, pa);
    const c = m.chunkAt(pa);
    const head = `PA ${hex(pa)}${c ? ` (${c.name} + ${hex(pa - c.base)})` : ' (in no chunk)'}`;
    if (found.length === 0) return `${head} is mapped by no space`;
    return [head + ' is mapped at:', ...found.map((f) => `  ${f.space.padEnd(5)} ${hex(f.va, 8)}${f.entryAddress >= 0 ? `   (${f.level} at ${hex(f.entryAddress)})` : '   (paging off: linear = physical)'}`)].join('\n');
  }
  if (cmd === 'mappings') {
    if (rest.length !== 1) throw new ConsoleError('usage: mappings SPACE   (e.g. mappings vs1)');
    const s = m.space(rest[0]);
    if (!s) throw new ConsoleError(`no space named ${rest[0]} (spaces: ${m.spaces.map((x) => x.name).join(', ')})`);
    if (s.pdpt === null) return `${s.name} runs with paging off: linear = physical over ${m.layout.chunks.filter((c) => c.base < FOUR_GIB).map((c) => c.name).join(', ')}`;
    const ranges = mappedRanges(m, s.name);
    const head = `${s.name} (CR3 ${hex(s.pdpt)}): ${ranges.length} mapped range${ranges.length === 1 ? '' : 's'}`;
    return [head, ...ranges.map((r) => mappingRow(m, r))].join('\n');
  }
  if (cmd === 'walk') return rangeWalk(rest, ctx);
  if (cmd === 'diff') {
    if (rest.length > 1 || (rest[0] !== undefined && !/^\d+$/.test(rest[0]))) throw new ConsoleError('usage: diff [N]   (e.g. diff, diff 3: since the stop N back)');
    const rt = runtimeOf(interp);
    if (!rt) throw new ConsoleError('no machine history to compare with');
    try { return formatMachineDiff(machineDiff(rt, ctx.program, rest[0] === undefined ? 1 : Number(rest[0]))); } catch (e) { throw new ConsoleError((e as Error).message); }
  }
  if (cmd === 'compare') {
    if (rest.length < 1 || rest.length > 2) throw new ConsoleError('usage: compare VA [LEN]   (e.g. compare 0x2000_0000 32)');
    const va = valueOf(rest[0], ctx);
    const len = rest[1] === undefined ? 16 : valueOf(rest[1], ctx);
    if (va >= FOUR_GIB) throw new ConsoleError(`${hex(va)} is not a virtual address: a space is 32 bits`);
    if (len < 1 || len > MAX_COMPARE_BYTES) throw new ConsoleError(`compare 1 to ${MAX_COMPARE_BYTES} bytes`);
    try { return formatComparison(compareSpaces(m, va, len)); } catch (e) { throw new ConsoleError((e as Error).message); }
  }
  if (cmd === 'pte2va') {
    if (rest.length !== 1) throw new ConsoleError('usage: pte2va pa:ADDR   (e.g. pte2va pa:0xef00_2000)');
    const pa = valueOf(rest[0].replace(/^pa:/i, ''), ctx);
    if (pa >= PHYS_LIMIT) throw new ConsoleError(`${hex(pa)} is beyond the 36-bit physical space`);
    const uses = entryUses(m, pa);
    const head = `PA ${hex(pa - (pa % ENTRY_SIZE))}`;
    if (uses.length === 0) return `${head} is no paging-structure entry of any space`;
    return [`${head} is the entry that maps:`, ...uses.map((u) => `  ${u.space.padEnd(5)} ${u.level.padEnd(5)} ${hex(u.va, 8)}-${hex(u.va + u.size - 1, 8)}  ${formatSize(u.size)}`)].join('\n');
  }
  if (cmd === 'pdpte') {
    const which = rest[0] ? parseCpu(rest[0], interp) : (ctx.thread?.cpu ?? 0);
    if (typeof which === 'string') throw new ConsoleError(which);
    const p = m.processors[which];
    const lines = [`cpu${which} PDPTE registers, as loaded at the last MOV CR3 (CR3 ${hex(p.cr3)}${p.paging ? '' : ', paging off'}):`];
    const base = (p.cr3 & CR3_PDPT_MASK) >>> 0;
    for (let i = 0; i < PDPT_ENTRIES; i++) {
      const lo = p.pdpteLo[i] >>> 0, hi = p.pdpteHi[i] >>> 0;
      const memLo = m.memory.read32(base + i * ENTRY_SIZE) >>> 0, memHi = m.memory.read32(base + i * ENTRY_SIZE + 4) >>> 0;
      const now = memLo === lo && memHi === hi ? '' : `   (memory now holds ${hex64(memLo, memHi)}: loaded at the next MOV CR3)`;
      lines.push(`  PDPTE[${i}] = ${hex64(lo, hi)}  ${decodeFlags('PDPTE', lo, hi).join(' ').padEnd(6)}${lo & PTE_P ? ` -> page directory at ${hex(entryFrameBase(lo, hi))}` : ''}${now}`);
    }
    return lines.join('\n');
  }
  const x = /^x\/(\d*)([bhwxgd]?)$/i.exec(word);
  if (x) {
    if (rest.length !== 1) throw new ConsoleError('usage: x/NF REF   (e.g. x/16x vs2:0x2000_0000, x/8g pa:0x1_0000_0000)');
    const count = Math.min(x[1] ? Number(x[1]) : 8, 4096);
    const unit = ({ b: 1, h: 2, w: 4, x: 4, d: 4, g: 8 } as Record<string, number>)[(x[2] || 'x').toLowerCase()];
    const ref = parseRef(rest[0], interp);
    if (typeof ref === 'string') throw new ConsoleError(ref);
    const { data, unreadable } = readRef(interp, ref, 0, count * unit);
    const lines: string[] = [];
    const perLine = Math.max(1, 16 / unit);
    const end = ref.space === 'PA' ? PHYS_LIMIT : FOUR_GIB;
    for (let i = 0; i < count; i += perLine) {
      // A space ends at 4 GiB (physical memory at 64 GiB): no row is labelled past it.
      if (ref.address + i * unit >= end) { lines.push(`(the end of ${ref.space === 'PA' ? 'physical memory' : `${ref.space}'s 32-bit space`})`); break; }
      const cells: string[] = [];
      for (let j = i; j < Math.min(count, i + perLine); j++) {
        const at = j * unit;
        if (at + unit > data.length) { cells.push('?'.repeat(unit * 2)); continue; }
        let v = 0n;
        for (let k = unit - 1; k >= 0; k--) v = (v << 8n) | BigInt(data[at + k]);
        cells.push(x[2]?.toLowerCase() === 'd' ? v.toString() : v.toString(16).padStart(unit * 2, '0'));
      }
      lines.push(`${formatRef({ space: ref.space, address: ref.address + i * unit })}: ${cells.join(' ')}`);
    }
    if (unreadable > 0 || data.length < count * unit) lines.push(`(${count * unit - data.length} bytes unreadable: the page is not mapped in ${ref.space})`);
    return lines.join('\n');
  }
  return undefined;
}

/** One row of `mappings` and `walk`: VA range, size, PA, rights, chunk. */
function mappingRow(m: Interpreter['machine'], r: MappedRange): string {
  const c = m.chunkAt(r.pa);
  const rights = `${r.writable ? 'RW' : 'RO'} ${r.user ? 'U' : 'S'}${r.global ? ' G' : ''}${r.large ? ' 2M' : ''}`;
  return `  ${hex(r.va, 8)}-${hex(r.va + r.size - 1, 8)}  ${formatSize(r.size).padStart(8)}  -> ${hex(r.pa).padEnd(14)} ${rights.padEnd(10)} ${c ? c.name : 'no chunk'}`;
}

const WALK_USAGE = 'usage: walk [SPACE|cpuN|cr3=X] START END   or   walk [SPACE:]START L LEN   (e.g. walk vs1 0x400000 0x800000, walk VS1:0x400000 L 0x100000, walk cr3=0x7000 0 L 0x1000000)';

/**
 * `walk`: the mappings of a VA range [START, END) under a space, a processor's CR3 or a raw CR3 value
 * (which need not be any space's), clipped to the range, as `mappings` words them.
 */
function rangeWalk(args: readonly string[], ctx: EvalContext): string {
  const m = ctx.interp.machine;
  let words = [...args];
  let cr3: number | undefined;
  let name: string | undefined;
  const pick = (text: string): boolean => {
    const raw = /^cr3=(.+)$/i.exec(text);
    if (raw) { cr3 = valueOf(raw[1], ctx); name = m.spaceNameFor(true, cr3); return true; }
    if (/^cpu\d+$/i.test(text)) {
      const cpu = parseCpu(text, ctx.interp);
      if (typeof cpu === 'string') throw new ConsoleError(cpu);
      const p = m.processors[cpu];
      if (!p.paging) throw new ConsoleError(`cpu${cpu} runs with paging off: linear = physical, no tables to walk`);
      cr3 = p.cr3; name = `cpu${cpu}, ${m.currentSpaceName(p)}`; return true;
    }
    const s = m.space(text);
    if (!s) return false;
    if (s.pdpt === null) throw new ConsoleError(`${s.name} runs with paging off: linear = physical, no tables to walk`);
    cr3 = s.pdpt; name = s.name; return true;
  };
  const prefixed = /^([^:\s]+):(.+)$/.exec(words[0] ?? '');
  if (prefixed && !/^cr3=/i.test(words[0]) && pick(prefixed[1])) words[0] = prefixed[2];
  else if (words.length === 3 || words.length === 4) { if (!pick(words[0])) throw new ConsoleError(`no space named ${words[0]} (spaces: ${m.spaces.map((x) => x.name).join(', ')}; or cpu0, cpu1, ..., or cr3=0x...)`); words = words.slice(1); }
  if (cr3 === undefined) pick(`cpu${ctx.thread?.cpu ?? 0}`);
  if (words.length === 3 && words[1].toLowerCase() === 'l') words = [words[0], `${valueOf(words[0], ctx) + valueOf(words[2], ctx)}`];
  if (words.length !== 2) throw new ConsoleError(WALK_USAGE);
  const start = valueOf(words[0], ctx), end = Math.min(valueOf(words[1], ctx), FOUR_GIB);
  if (start >= FOUR_GIB) throw new ConsoleError(`${hex(start)} is not a virtual address: a space is 32 bits`);
  if (end <= start) throw new ConsoleError(`the range ${hex(start)}..${hex(end)} is empty: END must be above START`);
  const rows = mappedRangesAt(m, cr3!).filter((r) => r.va < end && r.va + r.size > start).map((r) => {
    const lo = Math.max(r.va, start), hi = Math.min(r.va + r.size, end);
    return { ...r, va: lo, pa: r.pa + (lo - r.va), size: hi - lo };
  });
  const head = `${name} (CR3 ${hex((cr3! & CR3_PDPT_MASK) >>> 0)}) ${hex(start, 8)}-${hex(end - 1, 8)}: ${rows.length} mapped range${rows.length === 1 ? '' : 's'}`;
  return rows.length ? [head, ...rows.map((r) => mappingRow(m, r))].join('\n') : head;
}

function parseCpu(text: string, interp: Interpreter): number | string {
  const m = /^cpu(\d+)$/i.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!m || n >= interp.machine.processors.length) return `no processor ${text} (cpu0..cpu${interp.machine.processors.length - 1})`;
  return n;
}

/** A number, register or symbol given as one word of a command. */
function valueOf(text: string, ctx: EvalContext): number {
  const direct = parseNumber(text);
  if (direct !== undefined) return direct;
  if (registerIndex(text) !== undefined || /^[A-Za-z_.[]/.test(text)) {
    const r = evaluateExpression(text, ctx);
    if (!r.ok) throw new ConsoleError(r.message);
    return Number(r.value);
  }
  throw new ConsoleError(`not an address: ${JSON.stringify(text)}`);
}

/** Why a console command could not be carried out. */
export class ConsoleError extends Error {}

/** Console completions: commands, registers, symbols. */
export function completions(text: string, ctx: EvalContext): string[] {
  const word = /[\w.$]*$/.exec(text)?.[0] ?? '';
  const pool = new Set<string>([...COMMANDS.map((c) => c.name), ...Array.from({ length: 16 }, (_, i) => `r${i}`), 'sp', 'fp']);
  for (const [name, d] of ctx.program.symbols.defs) if (d.kind !== 'thread' && d.kind !== 'test') pool.add(name);
  return [...pool].filter((p) => p.toLowerCase().startsWith(word.toLowerCase()) && p !== word).sort().slice(0, 200);
}
