// The breakpoint book: every kind of breakpoint as the user set it (source lines, labels, instruction
// addresses, data breakpoints, exception filters, the "Break on VS Switch" command), resolved against
// the loaded program and armed in the runtime; conditions, hit counts and log messages are checked when
// one is reached, and hit counts follow the timeline when it is rewound.
//
// Breakpoints may come before the program is loaded (DAP sends them after the initialized event, which
// does not wait for the launch's build): they are kept and answered as pending, each with an id it
// keeps while it stays set, and `attach` says which answers the loaded program changed, for the
// session's `breakpoint` events.

import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'node:path';
import { hex, parseNumber, type Program, type StopReason } from '../emulator/index';
import { evaluateExpression, type EvalContext } from './evaluator';
import { formatRef, parseRef, textAddress } from './memory-ref';
import { FILTER_COFW, FILTER_PAGE_FAULT, FILTER_TLB_MISS, FILTER_TLB_STALE, FILTER_VS_SWITCH } from './protocol';
import { bad, entries } from './request';
import type { MoverRuntime } from './runtime';

export interface Armed {
  readonly id: number;
  readonly pc: number;
  readonly condition?: string;
  readonly hitCondition?: string;
  readonly logMessage?: string;
  /** The machine's clock (instructions retired) at each counted hit: hit counts follow the timeline when it is rewound. */
  hitAt: number[];
  readonly kind: 'source' | 'function' | 'instruction';
}

/** What a breakpoint that needs the program is answered with before the program is loaded. */
const NOT_LOADED = 'the program is not loaded yet';
const pending = (id: number): DebugProtocol.Breakpoint => ({ id, verified: false, message: NOT_LOADED, reason: 'pending' });
/**
 * A response's form of an answer the client tracks no breakpoint by (an exception filter's, a data
 * breakpoint's that failed): no id, unless it is pending, when the event that settles it names that id.
 */
function untracked(b: DebugProtocol.Breakpoint): DebugProtocol.Breakpoint {
  if (b.reason === 'pending') return b;
  const out = { ...b };
  delete out.id;
  return out;
}

/** Instruction indexes of each line that holds an instruction, per file. */
export function lineTable(program: Program): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (let pc = 0; pc < program.length; pc++) {
    const file = path.normalize(program.files[program.srcFile[pc]]);
    let m = out.get(file);
    if (!m) out.set(file, (m = new Map()));
    const line = program.srcLine[pc];
    if (!m.has(line)) m.set(line, pc);
  }
  return out;
}

/** The most bytes one data breakpoint watches. */
const MAX_WATCH_BYTES = 4096;
/** The access kinds a data breakpoint may watch (DAP's DataBreakpointAccessType). */
const ACCESS_TYPES: readonly string[] = ['read', 'write', 'readWrite'];

/** How many lines past a breakpoint's line it may move down to reach code. */
const LINE_LOOKAHEAD = 20;

/** The instruction a breakpoint on a (zero-based) line lands on: that line, or the next with code (within 20 lines). */
export function resolveLine(table: Map<string, Map<number, number>>, file: string, line: number): { pc: number; line: number } | undefined {
  const m = table.get(path.normalize(file));
  // Past 2^53 `l++` no longer moves: such a line (or a fractional one) has no code, and must not spin.
  if (!m || !Number.isSafeInteger(line + LINE_LOOKAHEAD)) return undefined;
  for (let l = Math.max(0, line); l <= line + LINE_LOOKAHEAD; l++) {
    const pc = m.get(l);
    if (pc !== undefined) return { pc, line: l };
  }
  return undefined;
}

/** Does the hit count satisfy the hit condition ("5", "== 5", ">= 3", "> 2", "% 4")? */
export function hitConditionMet(condition: string, hits: number): boolean | string {
  const m = /^\s*(==|>=|>|<=|<|%)?\s*(\d+)\s*$/.exec(condition);
  if (!m) return `hit condition ${JSON.stringify(condition)}: use N, == N, >= N, > N, < N, <= N or % N`;
  const n = Number(m[2]);
  switch (m[1]) {
    case undefined: case '==': return hits === n;
    case '>=': return hits >= n;
    case '>': return hits > n;
    case '<': return hits < n;
    case '<=': return hits <= n;
    case '%': return n > 0 && hits % n === 0;
  }
  return false;
}

export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: FILTER_VS_SWITCH, label: 'VS switch', description: 'Stop when a CR3 load or a paging on/off changes the space a processor runs in. Condition: the target space(s), e.g. VS1 or VS1, VS2.', default: false, supportsCondition: true, conditionDescription: 'target space, e.g. VS1' },
  { filter: FILTER_PAGE_FAULT, label: 'Page fault', description: 'Stop on every page fault, including those a handler takes (unhandled ones always stop).', default: false },
  { filter: FILTER_TLB_MISS, label: 'TLB miss', description: 'Stop after an access that missed the TLB and walked the page tables.', default: false },
  { filter: FILTER_TLB_STALE, label: 'Stale TLB use', description: 'Run the TLB-coherence sanitizer and stop after an access that used a TLB entry the page tables no longer agree with (a missing INVLPG or shootdown), saying which write made it stale and which flush would fix it. Uses marked .expect_stale do not stop.', default: false },
  { filter: FILTER_COFW, label: 'Copy-on-first-write', description: 'Stop when the snapshot module copies a block to a save volume (FIG. 10, step 514).', default: false },
];

/**
 * A function breakpoint named "VS switch" (any switch) or "VS switch → VS1" (also "-> VS1", ": VS1")
 * is a VS-switch break, not a label: the target space ('' for any), or undefined for other names.
 */
export function vsSwitchTarget(name: string): string | undefined {
  const m = /^\s*vs switch\s*(?:(?:→|->|:|into|to)\s*([A-Za-z_]\w*))?\s*$/i.exec(name);
  return m ? (m[1] ?? '') : undefined;
}

/** What a function breakpoint `watch [read|write|access] REF [+ BYTES]` watches. */
export interface WatchSpec {
  readonly ref: string;
  readonly bytes: number;
  readonly access: DebugProtocol.DataBreakpointAccessType;
}

const WATCH_ACCESS: Readonly<Record<string, DebugProtocol.DataBreakpointAccessType>> = { read: 'read', write: 'write', access: 'readWrite', readwrite: 'readWrite' };
const DEFAULT_WATCH_BYTES = 4;

/**
 * A function breakpoint named `watch pa:0x1_0000_0000 + 8` (or `watch read vs1:0x2000_0000`, `watch
 * access ...`) is a data breakpoint on that address, as gdb's `watch *ADDR`: the Breakpoints view lists,
 * ticks and removes it, and it takes any memory reference, which VS Code's own "Add Data Breakpoint at
 * Address" box does not (it accepts plain numbers only). undefined for other names; a string says what is
 * wrong with a name that starts with `watch`.
 */
export function watchSpec(name: string): WatchSpec | string | undefined {
  if (!/^\s*watch\b/i.test(name)) return undefined;
  const m = /^\s*watch(?:\s+(read|write|access|readwrite))?\s+(\S+?)\s*(?:\+\s*(\S+))?\s*$/i.exec(name);
  if (!m) return 'write watch [read|write|access] REFERENCE [+ BYTES], e.g. watch pa:0x1_0000_0000 + 8';
  const bytes = m[3] === undefined ? DEFAULT_WATCH_BYTES : parseNumber(m[3]);
  if (bytes === undefined) return `${m[3]} is not a byte count`;
  return { ref: m[2], bytes, access: WATCH_ACCESS[(m[1] ?? 'write').toLowerCase()] };
}

/** Data breakpoint ids are numbered apart from the others, so the two never collide in hitBreakpointIds. */
const DATA_BREAKPOINT_ID_BASE = 100_000;

/** How the session shows lines and locations to the client (its line base, its Source objects). */
export interface ClientLines {
  toDebuggerLine(clientLine: number): number;
  toClientLine(debuggerLine: number): number;
  location(pc: number): { source: DebugProtocol.Source; line: number; column: number };
}

/** The instruction index an instruction reference ("0x10", "text:0x10") plus an offset names, or null. */
export function instructionIndex(program: Program | null, ref: string, offset: number): number | null {
  const v = parseNumber(String(ref).replace(/^text:/i, ''));
  if (v === undefined || !program) return null;
  const addr = v + offset;
  if (addr % 4 !== 0 || addr < 0 || addr / 4 >= program.length) return null;
  return addr / 4;
}

export class BreakpointBook {
  private readonly sourceBps = new Map<string, { id: number; line: number; req: DebugProtocol.SourceBreakpoint }[]>();
  private functionBps: DebugProtocol.FunctionBreakpoint[] = [];
  /** The id of each function breakpoint (a `watch ...` name answers with its watch's id instead). */
  private functionIds: number[] = [];
  private instructionBps: DebugProtocol.InstructionBreakpoint[] = [];
  private instructionIds: number[] = [];
  private armed = new Map<number, Armed[]>();
  private nextBpId = 1;
  private exceptionFilters: DebugProtocol.ExceptionFilterOptions[] = [];
  /** The id of each exception filter option; only a VS-switch condition (it names spaces) answers with it. */
  private exceptionIds: number[] = [];
  /** The last answer the client has for each breakpoint id (JSON), to tell it only what changed. */
  private told = new Map<number, string>();
  /** Target spaces of the "Break on VS Switch" command (empty: any switch), or null when off. */
  private commandVsTargets: string[] | null = null;
  private dataBps: DebugProtocol.DataBreakpoint[] = [];
  /** Per function breakpoint, what its `watch ...` name became (undefined for other names). */
  private functionWatches: (DebugProtocol.Breakpoint | undefined)[] = [];
  /** The id each watch is known by to the client, kept while the same breakpoint stays set (re-arming renumbers the interpreter's watches). */
  private readonly watchIds = new Map<string, number>();
  private nextWatchBpId = DATA_BREAKPOINT_ID_BASE + 1;
  /** Interpreter watch id -> the id the client knows. */
  private byWatch = new Map<number, number>();
  /** The answers for the data breakpoints, as last armed. */
  private dataAnswers: DebugProtocol.Breakpoint[] = [];
  private runtime: MoverRuntime | null = null;
  private program: Program | null = null;

  constructor(private readonly lines: ClientLines) {}

  /**
   * A new program (launch or restart): every breakpoint is resolved and armed again, hit counts from
   * zero. Returns the answers that differ from what the client was last told (same ids), for
   * `breakpoint` 'changed' events: breakpoints set before the launch become verified, an edited program
   * may move them.
   */
  attach(runtime: MoverRuntime, program: Program): DebugProtocol.Breakpoint[] {
    this.runtime = runtime;
    this.program = program;
    this.armed = new Map();
    this.rearm();
    this.applyExceptionFilters();
    this.applyDataBreakpoints();
    const all = [...[...this.sourceBps.keys()].flatMap((k) => this.sourceAnswers(k)), ...this.functionAnswers(), ...this.instructionAnswers(), ...this.exceptionAnswers(), ...this.dataAnswers];
    const told = new Map<number, string>();
    const changed: DebugProtocol.Breakpoint[] = [];
    for (const b of all) {
      if (b.id === undefined || told.has(b.id)) continue;
      const json = JSON.stringify(b);
      if (this.told.get(b.id) !== json) changed.push(b);
      told.set(b.id, json);
    }
    this.told = told;
    return changed;
  }

  /** Notes the answers a response gives the client (what `attach` compares with). */
  private answered(answers: DebugProtocol.Breakpoint[]): DebugProtocol.Breakpoint[] {
    for (const b of answers) if (b.id !== undefined) this.told.set(b.id, JSON.stringify(b));
    return answers;
  }

  setSource(a: DebugProtocol.SetBreakpointsArguments): DebugProtocol.Breakpoint[] {
    if (!a.source || typeof a.source !== 'object') throw bad('setBreakpoints needs a source');
    const file = a.source.path ? path.resolve(a.source.path) : this.program?.files[(a.source.sourceReference ?? 0) - 1];
    if (!file) throw bad('setBreakpoints needs a source with a path');
    const reqs = a.breakpoints !== undefined ? entries<DebugProtocol.SourceBreakpoint>(a.breakpoints, 'setBreakpoints', 'line', 'number')
      : entries<DebugProtocol.SourceBreakpoint>((Array.isArray(a.lines) ? a.lines : []).map((line) => ({ line })), 'setBreakpoints', 'line', 'number');
    const key = path.normalize(file);
    this.sourceBps.set(key, reqs.map((req) => ({ id: this.nextBpId++, line: this.lines.toDebuggerLine(req.line) - 1, req })));
    this.rearm();
    return this.answered(this.sourceAnswers(key));
  }

  private sourceAnswers(key: string): DebugProtocol.Breakpoint[] {
    const table = this.program ? lineTable(this.program) : null;
    return (this.sourceBps.get(key) ?? []).map((b) => {
      if (!table) return { ...pending(b.id), line: b.req.line };
      const r = resolveLine(table, key, b.line);
      if (!r) return { id: b.id, verified: false, line: b.req.line, message: 'no instruction on or after this line', reason: 'failed' as const };
      return { id: b.id, verified: true, line: this.lines.toClientLine(r.line + 1), source: { path: key, name: path.basename(key) } };
    });
  }

  setFunction(a: DebugProtocol.SetFunctionBreakpointsArguments): DebugProtocol.Breakpoint[] {
    this.functionBps = entries(a.breakpoints, 'setFunctionBreakpoints', 'name', 'string');
    this.functionIds = this.functionBps.map(() => this.nextBpId++);
    this.rearm();
    this.applyExceptionFilters();
    this.applyDataBreakpoints();
    return this.answered(this.functionAnswers());
  }

  private functionAnswers(): DebugProtocol.Breakpoint[] {
    const spaces = this.runtime?.machine.spaces.map((x) => x.name);
    return this.functionBps.map((b, i) => {
      const watch = this.functionWatches[i];
      if (watch) return watch;
      const id = this.functionIds[i];
      const vs = vsSwitchTarget(b.name);
      if (vs !== undefined) {
        if (vs && !spaces) return pending(id);
        const unknown = vs && spaces && !spaces.some((x) => x.toUpperCase() === vs.toUpperCase());
        return unknown ? { id, verified: false, message: `no space named ${vs} (spaces: ${spaces.join(', ')})` } : { id, verified: true, message: vs ? `stops when a processor enters ${vs}` : 'stops on every VS switch' };
      }
      if (!this.program) return pending(id);
      const pc = this.program.labels.get(b.name);
      if (pc === undefined) return { id, verified: false, message: `no code label named ${b.name}` };
      return { id, verified: true, ...this.lines.location(pc) };
    });
  }

  setInstruction(a: DebugProtocol.SetInstructionBreakpointsArguments): DebugProtocol.Breakpoint[] {
    this.instructionBps = entries(a.breakpoints, 'setInstructionBreakpoints', 'instructionReference', 'string');
    this.instructionIds = this.instructionBps.map(() => this.nextBpId++);
    this.rearm();
    return this.answered(this.instructionAnswers());
  }

  private instructionAnswers(): DebugProtocol.Breakpoint[] {
    return this.instructionBps.map((b, i) => {
      const id = this.instructionIds[i];
      if (!this.program) return pending(id);
      const pc = instructionIndex(this.program, b.instructionReference, b.offset ?? 0);
      if (pc === null) return { id, verified: false, message: `${b.instructionReference} is not an instruction of this program` };
      return { id, verified: true, instructionReference: textAddress(pc), ...this.lines.location(pc) };
    });
  }

  /** Resolves every kind of breakpoint to instruction indexes and patches them in, keeping hit counts. */
  private rearm(): void {
    const p = this.program;
    const old = this.armed;
    this.armed = new Map();
    if (!p || !this.runtime) return;
    const keepHits = (pc: number, kind: Armed['kind']) => [...(old.get(pc)?.find((x) => x.kind === kind)?.hitAt ?? [])];
    const add = (pc: number, kind: Armed['kind'], id: number, req: { condition?: string; hitCondition?: string; logMessage?: string }) => {
      const list = this.armed.get(pc) ?? [];
      list.push({ id, pc, kind, hitAt: keepHits(pc, kind), ...(req.condition ? { condition: req.condition } : {}), ...(req.hitCondition ? { hitCondition: req.hitCondition } : {}), ...(req.logMessage ? { logMessage: req.logMessage } : {}) });
      this.armed.set(pc, list);
    };
    const table = lineTable(p);
    for (const [file, bps] of this.sourceBps) for (const b of bps) {
      const r = resolveLine(table, file, b.line);
      if (r) add(r.pc, 'source', b.id, b.req);
    }
    this.functionBps.forEach((b, i) => { const pc = vsSwitchTarget(b.name) === undefined ? p.labels.get(b.name) : undefined; if (pc !== undefined) add(pc, 'function', this.functionIds[i], b); });
    this.instructionBps.forEach((b, i) => { const pc = instructionIndex(p, b.instructionReference, b.offset ?? 0); if (pc !== null) add(pc, 'instruction', this.instructionIds[i], b); });
    this.runtime.setBreakpoints(this.armed.keys());
  }

  setExceptionFilters(a: DebugProtocol.SetExceptionBreakpointsArguments): DebugProtocol.Breakpoint[] {
    const known = new Set(EXCEPTION_FILTERS.map((f) => f.filter));
    if ((a.filters !== undefined && !Array.isArray(a.filters)) || (a.filterOptions !== undefined && !Array.isArray(a.filterOptions))) throw bad('setExceptionBreakpoints needs filters (and filterOptions) as arrays');
    const opts: DebugProtocol.ExceptionFilterOptions[] = [...(a.filters ?? []).map((filterId) => ({ filterId })), ...(a.filterOptions ?? [])];
    for (const o of opts) if (!known.has(o.filterId)) throw bad(`unknown exception filter ${JSON.stringify(o.filterId)} (filters: ${[...known].join(', ')})`);
    this.exceptionFilters = opts;
    this.exceptionIds = opts.map(() => this.nextBpId++);
    this.applyExceptionFilters();
    return this.answered(this.exceptionAnswers()).map(untracked);
  }

  /** A filter is verified; a VS-switch condition names spaces, so it is checked against the program's (pending until it is loaded). */
  private exceptionAnswers(): DebugProtocol.Breakpoint[] {
    const spaces = this.runtime?.machine.spaces.map((x) => x.name);
    return this.exceptionFilters.map((o, i) => {
      const targets = o.filterId === FILTER_VS_SWITCH ? (o.condition ?? '').split(/[\s,]+/).filter(Boolean) : [];
      if (!targets.length) return { verified: true };
      const id = this.exceptionIds[i];
      if (!spaces) return pending(id);
      // A VS-switch condition naming no space would never fire: say so on that filter.
      const unknown = targets.filter((x) => !spaces.some((s) => s.toUpperCase() === x.toUpperCase()));
      return unknown.length ? { id, verified: false, message: `no space named ${unknown.join(', ')} (spaces: ${spaces.join(', ')})` } : { id, verified: true };
    });
  }

  /** The "Break on VS Switch" command: these target spaces (empty: any), or null to turn it off. */
  setVsSwitchCommand(targets: readonly string[] | null): void {
    if (targets !== null && (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string'))) throw bad('targets must be a list of space names (empty for any) or null');
    const m = this.runtime?.machine;
    for (const t of targets ?? []) if (m && !m.space(t)) throw bad(`no space named ${t}`);
    this.commandVsTargets = targets === null ? null : [...targets];
    this.applyExceptionFilters();
  }

  private applyExceptionFilters(): void {
    if (!this.runtime) return;
    const on = (id: string) => this.exceptionFilters.find((o) => o.filterId === id);
    const vs = on(FILTER_VS_SWITCH);
    // The command's targets and the "VS switch" function breakpoints (what the command adds, so the
    // Breakpoints view shows and toggles it) count together.
    const fromBreakpoints = this.functionBps.map((b) => vsSwitchTarget(b.name)).filter((t) => t !== undefined);
    const commandOn = this.commandVsTargets !== null || fromBreakpoints.length > 0;
    const commandTargets = [...(this.commandVsTargets ?? []), ...fromBreakpoints.filter((t) => t !== '')];
    const anyFromCommand = (this.commandVsTargets !== null && this.commandVsTargets.length === 0) || fromBreakpoints.includes('');
    const fromFilter = (vs?.condition ?? '').split(/[\s,]+/).filter(Boolean).map((s) => s.toUpperCase());
    // Either source asking for any switch means any switch; otherwise the union of their targets.
    const any = (vs && fromFilter.length === 0) || anyFromCommand;
    this.runtime.setStopHooks({
      vsSwitch: !vs && !commandOn ? null : new Set(any ? [] : [...fromFilter, ...commandTargets.map((s) => s.toUpperCase())]),
      handledFault: !!on(FILTER_PAGE_FAULT),
      tlbMiss: !!on(FILTER_TLB_MISS),
      events: new Set(on(FILTER_COFW) ? ['cofw'] : []),
      staleTlb: !!on(FILTER_TLB_STALE),
    });
  }

  /** What a data breakpoint on `name` (a memory reference, or an expression giving an address) would watch. */
  dataInfo(a: DebugProtocol.DataBreakpointInfoArguments, ctx: EvalContext): DebugProtocol.DataBreakpointInfoResponse['body'] {
    if (typeof a.name !== 'string') throw bad('dataBreakpointInfo needs a name');
    const size = a.bytes ?? 4;
    let ref = parseRef(a.name, ctx.interp);
    if (typeof ref === 'string' && /^\s*[A-Za-z_]\w*\s*:/.test(a.name)) return { dataId: null, description: ref };
    if (typeof ref === 'string' && ctx.program.labels.has(a.name.trim())) return { dataId: null, description: `${a.name.trim()} is a code label, not data: watch a data symbol or an address such as vs1:0x2000_0000` };
    if (typeof ref === 'string') {
      // A register or symbol whose value is an address in the current thread's space.
      const v = evaluateExpression(a.name, ctx);
      if (!v.ok || v.value >= 1n << 32n) return { dataId: null, description: `${a.name} is not an address: write pa:0x1000_0000 or vs1:0x2000_0000` };
      ref = { space: ctx.thread ? ctx.interp.spaceOf(ctx.thread.cpu) : 'PA', address: Number(v.value) };
    }
    if (!Number.isInteger(size) || size < 1 || size > MAX_WATCH_BYTES) return { dataId: null, description: `watch 1 to ${MAX_WATCH_BYTES} bytes` };
    const ids = `${formatRef(ref)}/${size}`;
    return { dataId: ids, description: `${size} byte${size === 1 ? '' : 's'} at ${formatRef(ref)}${ref.space === 'PA' ? ' (physical: any space)' : ` (${ref.space}: follows the page tables)`}`, accessTypes: ['read', 'write', 'readWrite'], canPersist: true };
  }

  setData(a: DebugProtocol.SetDataBreakpointsArguments): DebugProtocol.Breakpoint[] {
    this.dataBps = entries(a.breakpoints, 'setDataBreakpoints', 'dataId', 'string');
    this.applyDataBreakpoints();
    return this.answered(this.dataAnswers).map((b) => (b.verified ? b : untracked(b)));
  }

  /**
   * Arms the data breakpoints and the `watch ...` function breakpoints together; sets the answers of
   * both (`dataAnswers`, `functionWatches`). Each keeps its id while it stays set, verified or not.
   */
  private applyDataBreakpoints(): void {
    const rt = this.runtime;
    const specs = this.functionBps.map((b) => watchSpec(b.name));
    const keys = [...this.dataBps.map((b) => `data ${b.dataId} ${b.accessType ?? 'write'}`), ...this.functionBps.map((b) => `name ${b.name}`)];
    const live = new Set(keys.filter((_, i) => i < this.dataBps.length || specs[i - this.dataBps.length] !== undefined));
    for (const key of this.watchIds.keys()) if (!live.has(key)) this.watchIds.delete(key);
    const idOf = (key: string): number => {
      let id = this.watchIds.get(key);
      if (id === undefined) this.watchIds.set(key, (id = this.nextWatchBpId++));
      return id;
    };
    if (!rt) {
      this.functionWatches = specs.map((w, i) => (w === undefined ? undefined : typeof w === 'string' ? { id: idOf(keys[this.dataBps.length + i]), verified: false, message: w } : pending(idOf(keys[this.dataBps.length + i]))));
      this.dataAnswers = this.dataBps.map((_, i) => pending(idOf(keys[i])));
      return;
    }
    // Each is checked as dataBreakpointInfo would have made it: a reference, a size it offers, an access type.
    const check = (refText: string, size: number, access: string, what: string) => {
      const ref = parseRef(refText, rt.interp);
      if (typeof ref === 'string') return ref;
      if (!Number.isInteger(size) || size < 1 || size > MAX_WATCH_BYTES) return `${what}: watch 1 to ${MAX_WATCH_BYTES} bytes`;
      if (!ACCESS_TYPES.includes(access)) return `${what}: access type ${JSON.stringify(access)} is not one of ${ACCESS_TYPES.join(', ')}`;
      return { space: ref.space, address: ref.address, size, read: access !== 'write', write: access !== 'read' };
    };
    const data = this.dataBps.map((b) => {
      const m = /^(.*)\/(\d+)$/.exec(b.dataId);
      return m ? check(m[1], Number(m[2]), b.accessType ?? 'write', `data breakpoint ${b.dataId}`) : `bad data id ${b.dataId}: write REFERENCE/SIZE, e.g. vs1:0x2000_0000/4`;
    });
    const fromNames = specs.map((w) => (w === undefined || typeof w === 'string' ? w : check(w.ref, w.bytes, w.access, w.ref)));
    const all = [...data, ...fromNames];
    const watches = rt.setWatches(all.filter((w) => w !== undefined && typeof w !== 'string'));
    this.byWatch = new Map();
    let k = 0;
    const answer = (w: (typeof all)[number], key: string, said: boolean): DebugProtocol.Breakpoint | undefined => {
      if (w === undefined) return undefined;
      const id = idOf(key);
      if (typeof w === 'string') return { id, verified: false, message: w };
      this.byWatch.set(watches[k++].id, id);
      if (!said) return { verified: true, id };
      const ref = formatRef({ space: w.space, address: w.address });
      const on = w.read && w.write ? 'read or write' : w.read ? 'read' : 'write';
      return { verified: true, id, message: `${w.size} byte${w.size === 1 ? '' : 's'} at ${ref}, on ${on}${w.space === 'PA' ? ' (physical: any space)' : ` (${w.space}: follows the page tables)`}` };
    };
    this.dataAnswers = data.map((w, i) => answer(w, keys[i], false)!);
    this.functionWatches = fromNames.map((w, i) => answer(w, keys[data.length + i], true));
  }

  /**
   * Decides whether a breakpoint stop is reported. Going forward it counts the hit and prints log
   * messages (through `say`); replaying history (reverse continue) it only asks, with the hit count as
   * it was then.
   */
  shouldStop(stop: Extract<StopReason, { kind: 'breakpoint' }>, ctx: EvalContext, say: (text: string, category: 'stderr' | 'console') => void, replaying = false): boolean {
    const list = this.armed.get(stop.pc) ?? [];
    const clock = ctx.interp.retired;
    const tell = (text: string, category: 'stderr' | 'console') => { if (!replaying) say(text, category); };
    let report = false;
    for (const b of list) {
      if (b.condition) {
        const c = evaluateExpression(b.condition, ctx);
        if (!c.ok) { tell(`breakpoint condition ${JSON.stringify(b.condition)}: ${c.message} (stopping)\n`, 'stderr'); report = true; continue; }
        if (c.value === 0n) continue;
      }
      if (!replaying) b.hitAt.push(clock);
      const hits = replaying ? b.hitAt.filter((at) => at <= clock).length : b.hitAt.length;
      if (b.hitCondition) {
        const h = hitConditionMet(b.hitCondition, hits);
        if (typeof h === 'string') { tell(h + '\n', 'stderr'); report = true; continue; }
        if (!h) continue;
      }
      if (b.logMessage) {
        tell(interpolate(b.logMessage, ctx) + '\n', 'console');
        continue;
      }
      report = true;
    }
    return report;
  }

  /** After going back to clock `now`: hits after it have not happened yet; a breakpoint stop landed on keeps its own. */
  rewoundTo(now: number, landedOnBreakpoint: boolean): void {
    for (const list of this.armed.values()) for (const b of list) b.hitAt = b.hitAt.filter((at) => (landedOnBreakpoint ? at <= now : at < now));
  }

  /** The ids a stop at this breakpoint pc reports, and the kind of breakpoint it is. */
  hitAt(pc: number): { ids: number[]; reason: 'breakpoint' | 'function breakpoint' | 'instruction breakpoint' } {
    const list = this.armed.get(pc) ?? [];
    const kinds = list.map((b) => b.kind);
    const reason = kinds.includes('function') && !kinds.includes('source') ? 'function breakpoint' : kinds.includes('instruction') && !kinds.includes('source') ? 'instruction breakpoint' : 'breakpoint';
    return { ids: list.map((b) => b.id), reason };
  }

  /** The id a watchpoint hit reports. */
  dataBreakpointId(watchId: number): number | undefined {
    return this.byWatch.get(watchId);
  }
}

/** A log message with each {expression} replaced by its value. */
function interpolate(message: string, ctx: EvalContext): string {
  return message.replace(/\{([^{}]+)\}/g, (_, expr: string) => {
    const r = evaluateExpression(expr, ctx);
    return r.ok ? hex(Number(r.value > BigInt(Number.MAX_SAFE_INTEGER) ? 0n : r.value)) : `<${r.message}>`;
  });
}
