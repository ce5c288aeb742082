// The Mover debug adapter: a DAP session over the emulator. Every request goes through one funnel
// (`dispatchRequest`): the handler is awaited, its result becomes the response, and anything thrown
// becomes a numbered, user-facing error response, so a failure never turns into a missing response.
// Responses go out before the events they cause (a continue's response before its stopped event).

import { DebugSession, Handles, InitializedEvent, InvalidatedEvent, MemoryEvent, OutputEvent, Source, StoppedEvent, TerminatedEvent, Event } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  Machine, MachineError, LayoutError, LoadError, assemble, defaultLayout, describeFault, describeStop, hex, layoutJson, libraryDir, listTlb,
  nodeSourceHost, parseLayoutText, translate, validateLayout, whereIs, formatTranslation, parseNumber, type Layout, type Program, type StopReason,
  type Translation,
} from '../emulator/index';
import { validateLaunchArguments, type MoverLaunchArguments } from './launch-args';
import { MoverRuntime, type RuntimeStop } from './runtime';
import { completions, enclosingLabel, evaluateExpression, runCommand, type EvalContext } from './evaluator';
import { dnlcView, snapshotQueueView } from './library-views';
import { formatRef, parseRef, readRef, writeRef, MAX_READ } from './memory-ref';
import { addressRef, variables, type Container } from './variables';
import { hitConditionMet, lineTable, resolveLine, type Armed } from './breakpoints';
import {
  FILTER_COFW, FILTER_PAGE_FAULT, FILTER_TLB_MISS, FILTER_VS_SWITCH, STATE_CHANGED_EVENT, type ControlRegistersView, type LayoutView,
  type MoverRequests, type StateChangedBody, type TlbProcessorView, type WalkView,
} from './protocol';

/** Numbered errors, as the user sees them. */
export const enum ErrorCode {
  BadArguments = 1001,
  NotLaunched = 1002,
  UnknownCommand = 1003,
  Running = 1004,
  BadMemoryReference = 1005,
  LaunchFailed = 1006,
  SessionEnded = 1007,
  Internal = 1099,
}

class RequestError extends Error {
  constructor(readonly code: ErrorCode, message: string) { super(message); }
}

const bad = (message: string) => new RequestError(ErrorCode.BadArguments, message);

/** The entries of a breakpoints array, each checked before any is kept (a bad one must not poison later requests). */
function entries<T>(list: unknown, request: string, field: string, type: 'string' | 'number'): T[] {
  if (!Array.isArray(list)) throw bad(`${request} needs a breakpoints array`);
  for (const b of list) {
    if (typeof b !== 'object' || b === null || typeof (b as Record<string, unknown>)[field] !== type) throw bad(`${request}: every breakpoint needs a ${type} "${field}" (got ${JSON.stringify(b)})`);
  }
  return list as T[];
}

type Handler = (args: Record<string, unknown>, request: DebugProtocol.Request) => Promise<unknown> | unknown;

/** A response body plus work to do once the response is on its way. */
class After {
  constructor(readonly body: unknown, readonly afterResponse: () => void) {}
}

const THREAD_ID_BASE = 1;
const FRAME_STRIDE = 10_000;

export class MoverDebugSession extends DebugSession {
  private runtime: MoverRuntime | null = null;
  private program: Program | null = null;
  private launchArgs: MoverLaunchArguments | null = null;
  private handles = new Handles<Container>();
  private tlbMarks: number[] = [];
  private configurationDone: () => void = () => {};
  private configured = new Promise<void>((resolve) => { this.configurationDone = resolve; });
  private disposed = false;
  /** After terminate no stop is reported (the run it ended would report a pause) until a restart. */
  private terminated = false;
  private lastStop: RuntimeStop | null = null;
  private readonly sourceBps = new Map<string, { line: number; req: DebugProtocol.SourceBreakpoint }[]>();
  private functionBps: DebugProtocol.FunctionBreakpoint[] = [];
  private instructionBps: DebugProtocol.InstructionBreakpoint[] = [];
  private armed = new Map<number, Armed[]>();
  private nextBpId = 1;
  private exceptionFilters: DebugProtocol.ExceptionFilterOptions[] = [];
  /** Target spaces of the "Break on VS Switch" command (empty: any switch), or null when off. */
  private commandVsTargets: string[] | null = null;
  private dataBps: DebugProtocol.DataBreakpoint[] = [];
  private readonly handlers: Record<string, Handler>;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    // The base class shuts down on every 'error', including a message that is not JSON: report that one
    // and keep serving; a broken stream still ends the session.
    this.removeAllListeners('error');
    this.on('error', (e: DebugProtocol.Event) => {
      if (typeof e.body === 'string' && e.body.startsWith('Error handling data')) this.sendEvent(new OutputEvent(`ignored a malformed DAP message (${e.body})\n`, 'stderr'));
      else this.shutdown();
    });
    this.handlers = {
      initialize: (a) => this.initialize(a as unknown as DebugProtocol.InitializeRequestArguments),
      launch: (a) => this.launch(a),
      configurationDone: () => { this.configurationDone(); return {}; },
      disconnect: () => this.disconnect(),
      terminate: () => this.terminate(),
      restart: () => this.restart(),
      setBreakpoints: (a) => this.setBreakpoints(a as unknown as DebugProtocol.SetBreakpointsArguments),
      setFunctionBreakpoints: (a) => this.setFunctionBreakpoints(a as unknown as DebugProtocol.SetFunctionBreakpointsArguments),
      setInstructionBreakpoints: (a) => this.setInstructionBreakpoints(a as unknown as DebugProtocol.SetInstructionBreakpointsArguments),
      setExceptionBreakpoints: (a) => this.setExceptionBreakpoints(a as unknown as DebugProtocol.SetExceptionBreakpointsArguments),
      breakpointLocations: (a) => this.breakpointLocations(a as unknown as DebugProtocol.BreakpointLocationsArguments),
      dataBreakpointInfo: (a) => this.dataBreakpointInfo(a as unknown as DebugProtocol.DataBreakpointInfoArguments),
      setDataBreakpoints: (a) => this.setDataBreakpoints(a as unknown as DebugProtocol.SetDataBreakpointsArguments),
      threads: () => this.threads(),
      stackTrace: (a) => this.stackTrace(a as unknown as DebugProtocol.StackTraceArguments),
      scopes: (a) => this.scopes(a as unknown as DebugProtocol.ScopesArguments),
      variables: (a) => this.variables(a as unknown as DebugProtocol.VariablesArguments),
      setVariable: (a) => this.setVariable(a as unknown as DebugProtocol.SetVariableArguments),
      setExpression: (a) => this.setExpression(a as unknown as DebugProtocol.SetExpressionArguments),
      continue: (a) => this.resume('continue', a as unknown as DebugProtocol.ContinueArguments),
      next: (a) => this.resume('over', a as unknown as DebugProtocol.NextArguments),
      stepIn: (a) => this.resume('in', a as unknown as DebugProtocol.StepInArguments),
      stepOut: (a) => this.resume('out', a as unknown as DebugProtocol.StepOutArguments),
      stepBack: (a) => this.back('step', a as unknown as DebugProtocol.StepBackArguments),
      reverseContinue: (a) => this.back('continue', a as unknown as DebugProtocol.ReverseContinueArguments),
      pause: () => this.pause(),
      gotoTargets: (a) => this.gotoTargets(a as unknown as DebugProtocol.GotoTargetsArguments),
      goto: (a) => this.goto(a as unknown as DebugProtocol.GotoArguments),
      source: (a) => this.source(a as unknown as DebugProtocol.SourceArguments),
      evaluate: (a) => this.evaluate(a as unknown as DebugProtocol.EvaluateArguments),
      completions: (a) => this.completions(a as unknown as DebugProtocol.CompletionsArguments),
      exceptionInfo: () => this.exceptionInfo(),
      readMemory: (a) => this.readMemory(a as unknown as DebugProtocol.ReadMemoryArguments),
      writeMemory: (a) => this.writeMemory(a as unknown as DebugProtocol.WriteMemoryArguments),
      disassemble: (a) => this.disassemble(a as unknown as DebugProtocol.DisassembleArguments),
      loadedSources: () => ({ sources: (this.program?.files ?? []).map((f, i) => this.sourceOf(i, f)) }),
      'mover/layout': () => this.layoutView(),
      'mover/walk': (a) => this.walkView(a as MoverRequests['mover/walk'][0]),
      'mover/lastWalk': (a) => this.lastWalkView(a as MoverRequests['mover/lastWalk'][0]),
      'mover/tlb': (a) => this.tlbView(a as MoverRequests['mover/tlb'][0]),
      'mover/controlRegisters': () => this.controlRegistersView(),
      'mover/objects': () => ({ objects: (this.program?.objects ?? []).map((o) => ({ name: o.name, type: o.type, space: o.space, address: hex(o.va), memoryReference: formatRef({ space: o.space, address: o.va }) })) }),
      'mover/whereis': (a) => this.whereisView(a as MoverRequests['mover/whereis'][0]),
      'mover/snapshots': () => { const rt = this.stopped(); return snapshotQueueView(rt.interp, rt.program); },
      'mover/dnlc': () => { const rt = this.stopped(); return dnlcView(rt.interp, rt.program); },
      'mover/breakOnVsSwitch': (a) => this.breakOnVsSwitch(a as MoverRequests['mover/breakOnVsSwitch'][0]),
    };
  }

  // ---- the funnel ------------------------------------------------------------------------------------

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const response: DebugProtocol.Response = { seq: 0, type: 'response', request_seq: request.seq, command: request.command, success: true };
    void (async () => {
      try {
        // Own properties only: "toString" or "__proto__" are not requests.
        if (this.disposed && request.command !== 'disconnect') throw new RequestError(ErrorCode.SessionEnded, `the debug session has ended (disconnected): "${request.command}" cannot be served`);
        const handler = typeof request.command === 'string' && Object.hasOwn(this.handlers, request.command) ? this.handlers[request.command] : undefined;
        if (!handler) throw new RequestError(ErrorCode.UnknownCommand, `the Mover debugger does not support the request "${request.command}"`);
        const args = request.arguments ?? {};
        if (typeof args !== 'object' || Array.isArray(args)) throw bad(`the arguments of "${request.command}" must be an object`);
        const result = await handler(args as Record<string, unknown>, request);
        const after = result instanceof After ? result : null;
        const body = after ? after.body : result;
        if (body !== undefined && body !== null && Object.keys(body as object).length) response.body = body;
        this.sendResponse(response);
        after?.afterResponse();
      } catch (e) {
        const code = e instanceof RequestError ? e.code : ErrorCode.Internal;
        const message = e instanceof RequestError ? e.message : `internal error in ${request.command}: ${(e as Error).message}`;
        response.success = false;
        response.message = message;
        response.body = { error: { id: code, format: message.replace(/[{}]/g, ''), showUser: code !== ErrorCode.Running } };
        this.sendResponse(response);
        if (code === ErrorCode.Internal) this.sendEvent(new OutputEvent(`${(e as Error).stack ?? e}\n`, 'stderr'));
      }
    })();
  }

  private rt(): MoverRuntime {
    if (!this.runtime) throw new RequestError(ErrorCode.NotLaunched, 'no program is loaded: launch one first');
    return this.runtime;
  }

  private stopped(): MoverRuntime {
    const rt = this.rt();
    if (rt.isRunning) throw new RequestError(ErrorCode.Running, 'the program is running: pause it first');
    return rt;
  }

  // ---- session -----------------------------------------------------------------------------------

  private initialize(args: DebugProtocol.InitializeRequestArguments): DebugProtocol.Capabilities {
    // The base class reads these in its own dispatch, which this session replaces.
    const base = this as unknown as { _clientLinesStartAt1: boolean; _clientColumnsStartAt1: boolean };
    base._clientLinesStartAt1 = args.linesStartAt1 !== false;
    base._clientColumnsStartAt1 = args.columnsStartAt1 !== false;
    return {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsFunctionBreakpoints: true,
      supportsInstructionBreakpoints: true,
      supportsBreakpointLocationsRequest: true,
      supportsDataBreakpoints: true,
      supportsDataBreakpointBytes: true,
      supportsExceptionInfoRequest: true,
      supportsExceptionFilterOptions: true,
      exceptionBreakpointFilters: [
        { filter: FILTER_VS_SWITCH, label: 'VS switch', description: 'Stop when a CR3 load or a paging on/off changes the space a processor runs in. Condition: the target space(s), e.g. VS1 or VS1, VS2.', default: false, supportsCondition: true, conditionDescription: 'target space, e.g. VS1' },
        { filter: FILTER_PAGE_FAULT, label: 'Page fault', description: 'Stop on every page fault, including those a handler takes (unhandled ones always stop).', default: false },
        { filter: FILTER_TLB_MISS, label: 'TLB miss', description: 'Stop after an access that missed the TLB and walked the page tables.', default: false },
        { filter: FILTER_COFW, label: 'Copy-on-first-write', description: 'Stop when the snapshot module copies a block to a save volume (FIG. 10, step 514).', default: false },
      ],
      supportsStepBack: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsGotoTargetsRequest: true,
      supportsSetVariable: true,
      supportsSetExpression: true,
      supportsEvaluateForHovers: true,
      supportsCompletionsRequest: true,
      completionTriggerCharacters: ['.', ' '],
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsDisassembleRequest: true,
      supportsSteppingGranularity: false,
      supportsLoadedSourcesRequest: true,
      supportsClipboardContext: true,
      supportsValueFormattingOptions: false,
    };
  }

  private loadLayout(layout: MoverLaunchArguments['layout'], programDir: string): Layout {
    if (layout === undefined) return defaultLayout();
    if (typeof layout === 'string') {
      const file = path.resolve(programDir, layout);
      let text: string;
      try { text = readFileSync(file, 'utf8'); } catch { throw new RequestError(ErrorCode.LaunchFailed, `cannot read the layout file ${file}`); }
      const r = parseLayoutText(text);
      if (!r.ok) throw new RequestError(ErrorCode.LaunchFailed, `the layout ${file} is not valid:\n${r.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
      return r.layout;
    }
    const r = validateLayout(layout);
    if (!r.ok) throw new RequestError(ErrorCode.LaunchFailed, `the inline layout is not valid:\n${r.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    return r.layout;
  }

  private build(args: MoverLaunchArguments): void {
    const programPath = path.resolve(args.program);
    const layout = this.loadLayout(args.layout, path.dirname(programPath));
    const result = assemble(programPath, undefined, { host: nodeSourceHost, includePath: [libraryDir(__dirname)], layout });
    if (!result.program) {
      const lines = result.diagnostics.map((d) => `${result.files[d.span.file] ?? programPath}:${d.span.line + 1}:${d.span.col + 1}: ${d.severity}: ${d.message}`);
      for (const l of lines) this.sendEvent(new OutputEvent(l + '\n', 'stderr'));
      throw new RequestError(ErrorCode.LaunchFailed, `${path.basename(programPath)} has ${lines.length} error${lines.length === 1 ? '' : 's'}:\n${lines.join('\n')}`);
    }
    let machine: Machine;
    try {
      machine = new Machine({ layout, cpus: args.cpus ?? 2, tlb: args.tlb ?? { entries: 64, ways: 4 } });
    } catch (e) {
      if (e instanceof MachineError || e instanceof LayoutError) throw new RequestError(ErrorCode.LaunchFailed, e.message);
      throw e;
    }
    let runtime: MoverRuntime;
    try {
      runtime = new MoverRuntime(machine, result.program, { maxSteps: args.maxSteps ?? 100_000_000, ...(args.timerQuantum !== undefined ? { timerQuantum: args.timerQuantum } : {}) });
    } catch (e) {
      if (e instanceof LoadError) throw new RequestError(ErrorCode.LaunchFailed, `cannot load ${path.basename(programPath)}: ${e.message}`);
      throw e;
    }
    runtime.interp.onOutput = (l) => {
      const who = runtime.interp.threads.length > 1 ? `[cpu${l.cpu} ${runtime.interp.threads[l.thread].name}] ` : '';
      this.sendEvent(new OutputEvent(`${who}${l.text}\n`, 'stdout'));
    };
    this.program = result.program;
    this.runtime = runtime;
    this.tlbMarks = machine.processors.map((p) => p.tlb.markChanges());
    this.rearm();
    this.applyExceptionFilters();
    this.applyDataBreakpoints();
  }

  private async launch(raw: Record<string, unknown>): Promise<After> {
    if (this.runtime) throw bad('a program is already launched in this session: restart it, or start a new session');
    const problems = validateLaunchArguments(raw);
    if (problems.length) throw bad(`bad launch configuration: ${problems.join('; ')}`);
    const args = raw as unknown as MoverLaunchArguments;
    this.launchArgs = args;
    this.build(args);
    this.sendEvent(new InitializedEvent());
    // Breakpoints and filters come between the initialized event and configurationDone.
    await Promise.race([this.configured, new Promise((r) => setTimeout(r, 2000).unref())]);
    return new After({}, () => this.begin());
  }

  private begin(): void {
    if (this.launchArgs?.stopOnEntry) {
      this.lastStop = { kind: 'entry' };
      this.reportStop({ kind: 'entry' });
    } else {
      this.go('continue', undefined);
    }
  }

  private disconnect(): After {
    this.runtime?.requestPause();
    this.disposed = true;
    return new After({}, () => { this.runtime = null; this.shutdown(); });
  }

  private terminate(): After {
    this.terminated = true;
    this.runtime?.requestPause();
    return new After({}, () => this.sendEvent(new TerminatedEvent()));
  }

  private restart(): After {
    const args = this.launchArgs;
    if (!args) throw new RequestError(ErrorCode.NotLaunched, 'nothing to restart: launch a program first');
    this.runtime?.requestPause();
    // A fresh run: hit counts start again from zero (rearm would otherwise carry them over).
    this.armed = new Map();
    this.terminated = false;
    // Assemble again, so edits to the program take effect.
    this.build(args);
    this.sendStateChanged('restart');
    return new After({}, () => this.begin());
  }

  // ---- breakpoints --------------------------------------------------------------------------------

  private setBreakpoints(a: DebugProtocol.SetBreakpointsArguments): { breakpoints: DebugProtocol.Breakpoint[] } {
    if (!a.source || typeof a.source !== 'object') throw bad('setBreakpoints needs a source');
    const file = a.source.path ? path.resolve(a.source.path) : this.program?.files[(a.source.sourceReference ?? 0) - 1];
    if (!file) throw bad('setBreakpoints needs a source with a path');
    const reqs = a.breakpoints !== undefined ? entries<DebugProtocol.SourceBreakpoint>(a.breakpoints, 'setBreakpoints', 'line', 'number')
      : entries<DebugProtocol.SourceBreakpoint>((Array.isArray(a.lines) ? a.lines : []).map((line) => ({ line })), 'setBreakpoints', 'line', 'number');
    this.sourceBps.set(path.normalize(file), reqs.map((req) => ({ line: this.convertClientLineToDebugger(req.line) - 1, req })));
    this.rearm();
    return { breakpoints: this.sourceBpResults(path.normalize(file)) };
  }

  private sourceBpResults(file: string): DebugProtocol.Breakpoint[] {
    const table = this.program ? lineTable(this.program) : null;
    return (this.sourceBps.get(file) ?? []).map((b) => {
      const r = table ? resolveLine(table, file, b.line) : undefined;
      const armed = r ? (this.armed.get(r.pc) ?? []).find((x) => x.kind === 'source') : undefined;
      if (!r) return { verified: false, line: b.req.line, message: this.program ? 'no instruction on or after this line' : 'the program is not loaded yet', reason: 'failed' as const };
      return { id: armed?.id, verified: true, line: this.convertDebuggerLineToClient(r.line + 1), source: { path: file, name: path.basename(file) } };
    });
  }

  private setFunctionBreakpoints(a: DebugProtocol.SetFunctionBreakpointsArguments): { breakpoints: DebugProtocol.Breakpoint[] } {
    this.functionBps = entries(a.breakpoints, 'setFunctionBreakpoints', 'name', 'string');
    this.rearm();
    return {
      breakpoints: a.breakpoints.map((b) => {
        const pc = this.program?.labels.get(b.name);
        if (pc === undefined) return { verified: false, message: `no code label named ${b.name}` };
        return { verified: true, ...this.location(pc) };
      }),
    };
  }

  private setInstructionBreakpoints(a: DebugProtocol.SetInstructionBreakpointsArguments): { breakpoints: DebugProtocol.Breakpoint[] } {
    this.instructionBps = entries(a.breakpoints, 'setInstructionBreakpoints', 'instructionReference', 'string');
    this.rearm();
    return {
      breakpoints: a.breakpoints.map((b) => {
        const pc = this.instructionIndex(b.instructionReference, b.offset ?? 0);
        if (pc === null) return { verified: false, message: `${b.instructionReference} is not an instruction of this program` };
        return { verified: true, instructionReference: hex(pc * 4), ...this.location(pc) };
      }),
    };
  }

  private instructionIndex(ref: string, offset: number): number | null {
    const v = parseNumber(String(ref).replace(/^text:/i, ''));
    if (v === undefined || !this.program) return null;
    const addr = v + offset;
    if (addr % 4 !== 0 || addr < 0 || addr / 4 >= this.program.length) return null;
    return addr / 4;
  }

  private location(pc: number): { source: DebugProtocol.Source; line: number; column: number } {
    const p = this.program!;
    const fileIndex = p.srcFile[pc];
    return { source: this.sourceOf(fileIndex, p.files[fileIndex]), line: this.convertDebuggerLineToClient(p.srcLine[pc] + 1), column: this.convertDebuggerColumnToClient(p.srcCol[pc] + 1) };
  }

  private sourceOf(index: number, file: string): Source {
    const s = new Source(path.basename(file), this.convertDebuggerPathToClient(file), index + 1);
    return s;
  }

  /** Resolves every kind of breakpoint to instruction indexes and patches them in. */
  private rearm(): void {
    const p = this.program;
    const old = this.armed;
    this.armed = new Map();
    if (!p || !this.runtime) return;
    const keepHits = (pc: number, kind: Armed['kind']) => [...(old.get(pc)?.find((x) => x.kind === kind)?.hitAt ?? [])];
    const add = (pc: number, kind: Armed['kind'], req: { condition?: string; hitCondition?: string; logMessage?: string }) => {
      const list = this.armed.get(pc) ?? [];
      list.push({ id: this.nextBpId++, pc, kind, hitAt: keepHits(pc, kind), ...(req.condition ? { condition: req.condition } : {}), ...(req.hitCondition ? { hitCondition: req.hitCondition } : {}), ...(req.logMessage ? { logMessage: req.logMessage } : {}) });
      this.armed.set(pc, list);
    };
    const table = lineTable(p);
    for (const [file, bps] of this.sourceBps) for (const b of bps) {
      const r = resolveLine(table, file, b.line);
      if (r) add(r.pc, 'source', b.req);
    }
    for (const b of this.functionBps) { const pc = p.labels.get(b.name); if (pc !== undefined) add(pc, 'function', b); }
    for (const b of this.instructionBps) { const pc = this.instructionIndex(b.instructionReference, b.offset ?? 0); if (pc !== null) add(pc, 'instruction', b); }
    this.runtime.interp.setBreakpoints(this.armed.keys());
  }

  private breakpointLocations(a: DebugProtocol.BreakpointLocationsArguments): { breakpoints: DebugProtocol.BreakpointLocation[] } {
    if (!a.source?.path || typeof a.line !== 'number') throw bad('breakpointLocations needs a source path and a line');
    if (!this.program) return { breakpoints: [] };
    const m = lineTable(this.program).get(path.normalize(path.resolve(a.source.path)));
    const from = this.convertClientLineToDebugger(a.line) - 1;
    const to = a.endLine !== undefined ? this.convertClientLineToDebugger(a.endLine) - 1 : from;
    const out: DebugProtocol.BreakpointLocation[] = [];
    for (let l = from; l <= to; l++) if (m?.has(l)) out.push({ line: this.convertDebuggerLineToClient(l + 1) });
    return { breakpoints: out };
  }

  private setExceptionBreakpoints(a: DebugProtocol.SetExceptionBreakpointsArguments): { breakpoints: DebugProtocol.Breakpoint[] } {
    const known = new Set([FILTER_VS_SWITCH, FILTER_PAGE_FAULT, FILTER_TLB_MISS, FILTER_COFW]);
    if ((a.filters !== undefined && !Array.isArray(a.filters)) || (a.filterOptions !== undefined && !Array.isArray(a.filterOptions))) throw bad('setExceptionBreakpoints needs filters (and filterOptions) as arrays');
    const opts: DebugProtocol.ExceptionFilterOptions[] = [...(a.filters ?? []).map((filterId) => ({ filterId })), ...(a.filterOptions ?? [])];
    for (const o of opts) if (!known.has(o.filterId)) throw bad(`unknown exception filter ${JSON.stringify(o.filterId)} (filters: ${[...known].join(', ')})`);
    this.exceptionFilters = opts;
    this.applyExceptionFilters();
    // A VS-switch condition naming no space would never fire: say so on that filter.
    const spaces = this.runtime?.machine.spaces.map((x) => x.name.toUpperCase());
    return {
      breakpoints: opts.map((o) => {
        const unknown = o.filterId === FILTER_VS_SWITCH && spaces ? (o.condition ?? '').split(/[\s,]+/).filter((x) => x && !spaces.includes(x.toUpperCase())) : [];
        return unknown.length ? { verified: false, message: `no space named ${unknown.join(', ')} (spaces: ${this.runtime!.machine.spaces.map((x) => x.name).join(', ')})` } : { verified: true };
      }),
    };
  }

  private applyExceptionFilters(): void {
    const it = this.runtime?.interp;
    if (!it) return;
    const on = (id: string) => this.exceptionFilters.find((o) => o.filterId === id);
    const vs = on(FILTER_VS_SWITCH);
    const cmd = this.commandVsTargets;
    it.breakOnVsSwitch = !!vs || cmd !== null;
    const fromFilter = (vs?.condition ?? '').split(/[\s,]+/).filter(Boolean).map((s) => s.toUpperCase());
    // Either source asking for any switch means any switch; otherwise the union of their targets.
    const any = (vs && fromFilter.length === 0) || (cmd !== null && cmd.length === 0);
    it.vsSwitchTargets = new Set(any ? [] : [...fromFilter, ...(cmd ?? []).map((s) => s.toUpperCase())]);
    it.breakOnHandledFault = !!on(FILTER_PAGE_FAULT);
    it.breakOnTlbMiss = !!on(FILTER_TLB_MISS);
    it.breakOnEvents = new Set(on(FILTER_COFW) ? ['cofw'] : []);
    it.updateHooked();
  }

  private breakOnVsSwitch(a: MoverRequests['mover/breakOnVsSwitch'][0]): Record<string, never> {
    if (a.targets !== null && (!Array.isArray(a.targets) || a.targets.some((t) => typeof t !== 'string'))) throw bad('targets must be a list of space names (empty for any) or null');
    const m = this.runtime?.machine;
    for (const t of a.targets ?? []) if (m && !m.space(t)) throw bad(`no space named ${t}`);
    this.commandVsTargets = a.targets === null ? null : [...a.targets];
    this.applyExceptionFilters();
    return {};
  }

  private dataBreakpointInfo(a: DebugProtocol.DataBreakpointInfoArguments): DebugProtocol.DataBreakpointInfoResponse['body'] {
    if (typeof a.name !== 'string') throw bad('dataBreakpointInfo needs a name');
    const rt = this.rt();
    const size = a.bytes ?? 4;
    let ref = parseRef(a.name, rt.interp);
    if (typeof ref === 'string' && /^\s*[A-Za-z_]\w*\s*:/.test(a.name)) return { dataId: null, description: ref };
    if (typeof ref === 'string') {
      // A register or symbol whose value is an address in the current thread's space.
      const ctx = this.evalContext(a.frameId);
      const v = evaluateExpression(a.name, ctx);
      if (!v.ok || v.value >= 1n << 32n) return { dataId: null, description: `${a.name} is not an address: write pa:0x1000_0000 or vs1:0x2000_0000` };
      ref = { space: ctx.thread ? rt.interp.spaceOf(ctx.thread.cpu) : 'PA', address: Number(v.value) };
    }
    if (!Number.isInteger(size) || size < 1 || size > 4096) return { dataId: null, description: 'watch 1 to 4096 bytes' };
    const id = `${formatRef(ref)}/${size}`;
    return { dataId: id, description: `${size} byte${size === 1 ? '' : 's'} at ${formatRef(ref)}${ref.space === 'PA' ? ' (physical: any space)' : ` (${ref.space}: follows the page tables)`}`, accessTypes: ['read', 'write', 'readWrite'], canPersist: true };
  }

  private setDataBreakpoints(a: DebugProtocol.SetDataBreakpointsArguments): { breakpoints: DebugProtocol.Breakpoint[] } {
    this.dataBps = entries(a.breakpoints, 'setDataBreakpoints', 'dataId', 'string');
    return { breakpoints: this.applyDataBreakpoints() };
  }

  private applyDataBreakpoints(): DebugProtocol.Breakpoint[] {
    const it = this.runtime?.interp;
    if (!it) return this.dataBps.map(() => ({ verified: false, message: 'the program is not loaded yet' }));
    it.clearWatches();
    return this.dataBps.map((b) => {
      const m = /^(.*)\/(\d+)$/.exec(b.dataId);
      const ref = m ? parseRef(m[1], it) : 'bad data id';
      if (!m || typeof ref === 'string') return { verified: false, message: `bad data breakpoint ${b.dataId}` };
      const access = b.accessType ?? 'write';
      const w = it.addWatch({ space: ref.space, address: ref.address, size: Number(m[2]), read: access !== 'write', write: access !== 'read' });
      return { verified: true, id: 100_000 + w.id };
    });
  }

  // ---- running ----------------------------------------------------------------------------------

  /**
   * Decides whether a breakpoint stop is reported. Going forward it counts the hit and prints log
   * messages; replaying history (reverse continue) it only asks, with the hit count as it was then.
   */
  private breakFilter = (stop: Extract<StopReason, { kind: 'breakpoint' }>, replaying = false): boolean => {
    const list = this.armed.get(stop.pc) ?? [];
    const thread = this.runtime!.interp.threads[stop.thread];
    const clock = this.runtime!.interp.retired;
    const say = (text: string, category: string) => { if (!replaying) this.sendEvent(new OutputEvent(text, category)); };
    let report = false;
    for (const b of list) {
      const ctx: EvalContext = { interp: this.runtime!.interp, program: this.program!, thread };
      if (b.condition) {
        const c = evaluateExpression(b.condition, ctx);
        if (!c.ok) { say(`breakpoint condition ${JSON.stringify(b.condition)}: ${c.message} (stopping)\n`, 'stderr'); report = true; continue; }
        if (c.value === 0n) continue;
      }
      if (!replaying) b.hitAt.push(clock);
      const hits = replaying ? b.hitAt.filter((at) => at <= clock).length : b.hitAt.length;
      if (b.hitCondition) {
        const h = hitConditionMet(b.hitCondition, hits);
        if (typeof h === 'string') { say(h + '\n', 'stderr'); report = true; continue; }
        if (!h) continue;
      }
      if (b.logMessage) {
        say(this.interpolate(b.logMessage, ctx) + '\n', 'console');
        continue;
      }
      report = true;
    }
    return report;
  };

  private interpolate(message: string, ctx: EvalContext): string {
    return message.replace(/\{([^{}]+)\}/g, (_, expr: string) => {
      const r = evaluateExpression(expr, ctx);
      return r.ok ? hex(Number(r.value > BigInt(Number.MAX_SAFE_INTEGER) ? 0n : r.value)) : `<${r.message}>`;
    });
  }

  private threadArg(a: { threadId?: unknown }): number {
    const rt = this.rt();
    const id = a.threadId;
    if (id === undefined) return rt.interp.threads.find((t) => t.state !== 'halted')?.id ?? 0;
    if (typeof id !== 'number' || !rt.interp.threads[id - THREAD_ID_BASE]) throw bad(`no thread ${JSON.stringify(id)}`);
    return id - THREAD_ID_BASE;
  }

  private resume(kind: 'continue' | 'in' | 'over' | 'out', a: { threadId?: unknown }): After {
    this.stopped();
    const thread = this.threadArg(a);
    return new After(kind === 'continue' ? { allThreadsContinued: true } : {}, () => this.go(kind, thread));
  }

  private go(kind: 'continue' | 'in' | 'over' | 'out', thread: number | undefined): void {
    const rt = this.runtime;
    if (!rt) return;
    this.markTlbs();
    const t = thread ?? 0;
    const run = kind === 'continue' ? rt.run({ filter: this.breakFilter })
      : kind === 'in' ? rt.stepIn(t, this.breakFilter)
      : kind === 'over' ? rt.stepOver(t, this.breakFilter)
      : rt.stepOut(t, this.breakFilter);
    run.then((stop) => { if (!this.disposed && !this.terminated && this.runtime === rt) this.reportStop(stop); })
      .catch((e) => this.sendEvent(new OutputEvent(`internal error while running: ${(e as Error).stack}\n`, 'stderr')));
  }

  private back(kind: 'step' | 'continue', a: { threadId?: unknown }): After {
    const rt = this.stopped();
    const thread = this.threadArg(a);
    this.markTlbs();
    const stop = kind === 'step' ? rt.stepBack(thread) : rt.reverseContinue((s) => this.breakFilter(s, true));
    // Hits after the new instant have not happened yet; a breakpoint stop landed on keeps its own hit.
    const now = rt.interp.retired;
    for (const list of this.armed.values()) for (const b of list) b.hitAt = b.hitAt.filter((at) => (stop.kind === 'breakpoint' ? at <= now : at < now));
    return new After({}, () => this.reportStop(stop));
  }

  private pause(): Record<string, never> {
    const rt = this.rt();
    rt.requestPause();
    return {};
  }

  private markTlbs(): void {
    const m = this.runtime?.machine;
    if (m) this.tlbMarks = m.processors.map((p) => p.tlb.markChanges());
  }

  private reportStop(stop: RuntimeStop): void {
    this.lastStop = stop;
    this.handles.reset();
    const rt = this.runtime!;
    const threadId = 'thread' in stop ? stop.thread + THREAD_ID_BASE : (rt.interp.threads.find((t) => t.state !== 'halted')?.id ?? 0) + THREAD_ID_BASE;
    if (stop.kind === 'halted') {
      this.sendEvent(new OutputEvent(`program halted after ${rt.interp.retired} instructions\n`, 'console'));
      this.sendEvent(new TerminatedEvent());
      return;
    }
    const [reason, description] = this.describe(stop);
    const ev = new StoppedEvent(reason, threadId) as DebugProtocol.StoppedEvent;
    ev.body.description = description;
    ev.body.allThreadsStopped = true;
    if (stop.kind === 'fault' || stop.kind === 'vs-switch' || stop.kind === 'tlb-miss' || stop.kind === 'event' || stop.kind === 'fault-handled' || stop.kind === 'step-limit') ev.body.text = description;
    if (stop.kind === 'breakpoint') ev.body.hitBreakpointIds = (this.armed.get(stop.pc) ?? []).map((b) => b.id);
    if (stop.kind === 'watchpoint') ev.body.hitBreakpointIds = [100_000 + stop.hit.id];
    this.sendEvent(ev);
    this.sendStateChanged('stopped');
  }

  private describe(stop: RuntimeStop): [string, string] {
    const p = this.program!;
    switch (stop.kind) {
      case 'entry': return ['entry', 'Paused on entry'];
      case 'pause': return ['pause', 'Paused'];
      case 'step-limit': return ['pause', `Stopped after ${this.runtime!.interp.retired} instructions (maxSteps): the program had not halted`];
      case 'start-of-history': return ['step', 'At the start of the recorded history'];
      case 'step': return ['step', 'Step'];
      case 'breakpoint': {
        const kinds = (this.armed.get(stop.pc) ?? []).map((b) => b.kind);
        return [kinds.includes('function') && !kinds.includes('source') ? 'function breakpoint' : kinds.includes('instruction') && !kinds.includes('source') ? 'instruction breakpoint' : 'breakpoint', describeStop(stop, p)];
      }
      case 'watchpoint': return ['data breakpoint', describeStop(stop, p)];
      case 'fault': return ['exception', describeStop(stop, p)];
      case 'fault-handled': return ['exception', describeStop(stop, p)];
      case 'vs-switch': return ['exception', describeStop(stop, p)];
      case 'tlb-miss': return ['exception', describeStop(stop, p)];
      case 'event': return ['exception', describeStop(stop, p)];
      case 'budget': return ['pause', 'Paused'];
      case 'halted': return ['exited', 'halted'];
    }
  }

  private sendStateChanged(reason: StateChangedBody['reason']): void {
    const body: StateChangedBody = { reason, retired: this.runtime?.interp.retired ?? 0 };
    this.sendEvent(new Event(STATE_CHANGED_EVENT, body));
    if (reason !== 'stopped') this.sendEvent(new InvalidatedEvent(['variables']));
  }

  private exceptionInfo(): DebugProtocol.ExceptionInfoResponse['body'] {
    const s = this.lastStop;
    const p = this.program;
    if (!s || !p) throw bad('no exception: the program has not stopped on one');
    switch (s.kind) {
      case 'vs-switch':
        return { exceptionId: FILTER_VS_SWITCH, description: describeStop(s, p), breakMode: 'always', details: { message: `${s.from} (${s.fromPaging ? `CR3 ${hex(s.fromCr3)}` : 'paging off'}) -> ${s.to} (${s.toPaging ? `CR3 ${hex(s.toCr3)}` : 'paging off'}) on cpu${s.cpu}`, typeName: 'VS switch' } };
      case 'fault': case 'fault-handled':
        return { exceptionId: s.fault.kind, description: describeFault(s.fault), breakMode: s.kind === 'fault' ? 'unhandled' : 'always', details: { message: describeStop(s, p), typeName: s.fault.kind } };
      case 'tlb-miss':
        return { exceptionId: FILTER_TLB_MISS, description: describeStop(s, p), breakMode: 'always', details: { message: `${s.write ? 'write' : 'read'} of ${hex(s.va, 8)} in ${s.space} walked the page tables`, typeName: 'TLB miss' } };
      case 'event':
        return { exceptionId: s.name === 'cofw' ? FILTER_COFW : s.name, description: describeStop(s, p), breakMode: 'always', details: { message: s.name === 'cofw' ? `clone block ${s.a} -> save volume block ${s.b}` : `${s.name}(${s.a}, ${s.b})`, typeName: s.name } };
      default:
        throw bad('the program did not stop on an exception');
    }
  }

  // ---- threads, frames, variables --------------------------------------------------------------

  private threads(): { threads: DebugProtocol.Thread[] } {
    const rt = this.runtime;
    if (!rt) return { threads: [] };
    return { threads: rt.interp.threads.map((t) => ({ id: t.id + THREAD_ID_BASE, name: `cpu${t.cpu} · ${t.name} · ${t.state === 'halted' ? 'halted' : rt.interp.currentThread(t.cpu) === t ? rt.interp.spaceOf(t.cpu) : 'waiting'}` })) };
  }

  private stackTrace(a: DebugProtocol.StackTraceArguments): DebugProtocol.StackTraceResponse['body'] {
    const rt = this.stopped();
    const tid = this.threadArg(a);
    const t = rt.interp.threads[tid];
    const p = this.program!;
    const m = rt.machine;
    const frames: DebugProtocol.StackFrame[] = [];
    const spaceName = (paging: boolean, cr3: number) => (paging ? m.spaces.find((s) => s.pdpt === ((cr3 & 0xffffffe0) >>> 0))?.name ?? `CR3=${hex(cr3)}` : m.spaces.find((s) => s.pdpt === null)?.name ?? 'paging off');
    const currentSpace = rt.interp.currentThread(t.cpu) === t ? rt.interp.spaceOf(t.cpu) : spaceName(m.processors[t.cpu].paging, m.processors[t.cpu].cr3);
    const pcs: { pc: number; space: string }[] = [{ pc: t.pc, space: currentSpace }];
    for (let k = t.frames.length - 1; k >= 0; k--) pcs.push({ pc: t.frames[k].callPc, space: spaceName(t.frames[k].callerPaging, t.frames[k].callerCr3) });
    pcs.forEach(({ pc, space }, depth) => {
      const safe = Math.min(Math.max(pc, 0), p.length - 1);
      frames.push({
        id: (tid + 1) * FRAME_STRIDE + depth, name: `${enclosingLabel(p, safe) ?? '(top)'} · ${space}`, ...this.location(safe), instructionPointerReference: hex(safe * 4),
        ...(t.state === 'halted' && depth === 0 ? { presentationHint: 'subtle' as const } : {}),
      });
    });
    const start = a.startFrame ?? 0;
    const levels = a.levels ?? frames.length;
    return { stackFrames: frames.slice(start, start + (levels || frames.length)), totalFrames: frames.length };
  }

  private frameThread(frameId: number | undefined): number {
    const rt = this.rt();
    if (frameId === undefined) return rt.interp.threads.find((t) => t.state !== 'halted')?.id ?? 0;
    const tid = Math.floor(frameId / FRAME_STRIDE) - 1;
    if (!rt.interp.threads[tid]) throw bad(`no frame ${frameId}`);
    return tid;
  }

  private scopes(a: DebugProtocol.ScopesArguments): { scopes: DebugProtocol.Scope[] } {
    const rt = this.stopped();
    if (typeof a.frameId !== 'number') throw bad('scopes needs a frameId');
    const t = rt.interp.threads[this.frameThread(a.frameId)];
    const scopes: DebugProtocol.Scope[] = [
      { name: 'Registers', presentationHint: 'registers', variablesReference: this.handles.create({ kind: 'registers', thread: t }), expensive: false },
      { name: `Control registers (cpu${t.cpu})`, variablesReference: this.handles.create({ kind: 'control', cpu: t.cpu }), expensive: false },
      { name: `TLB (cpu${t.cpu})`, variablesReference: this.handles.create({ kind: 'tlb', cpu: t.cpu }), expensive: false },
      { name: `Page walk (cpu${t.cpu}, last access)`, variablesReference: this.handles.create({ kind: 'walk', cpu: t.cpu }), expensive: false },
    ];
    if (this.program!.objects.length) scopes.push({ name: 'Modules', variablesReference: this.handles.create({ kind: 'objects' }), expensive: false });
    return { scopes };
  }

  private variables(a: DebugProtocol.VariablesArguments): { variables: DebugProtocol.Variable[] } {
    const rt = this.stopped();
    if (typeof a.variablesReference !== 'number') throw bad('variables needs a variablesReference');
    const c = this.handles.get(a.variablesReference);
    if (!c) return { variables: [] };
    let vars = variables(c, { interp: rt.interp, program: this.program!, handle: (x) => this.handles.create(x), tlbMarks: this.tlbMarks });
    if (a.start !== undefined || a.count !== undefined) vars = vars.slice(a.start ?? 0, (a.start ?? 0) + (a.count || vars.length));
    return { variables: vars };
  }

  private setVariable(a: DebugProtocol.SetVariableArguments): DebugProtocol.SetVariableResponse['body'] {
    this.stopped();
    const c = this.handles.get(a.variablesReference);
    if (!c || c.kind !== 'registers') throw bad('only registers can be set here (use setExpression or writeMemory for memory)');
    return this.assignRegister(c.thread.id, a.name, a.value);
  }

  private assignRegister(thread: number, name: string, valueText: string): { value: string; memoryReference?: string } {
    const rt = this.rt();
    const t = rt.interp.threads[thread];
    const r = /^(?:r(\d{1,2})|sp|fp)$/i.exec(name.trim());
    if (!r) throw bad(`${name} is not a general register`);
    const index = /^sp$/i.test(name.trim()) ? 15 : /^fp$/i.test(name.trim()) ? 14 : Number(r[1]);
    if (index > 15) throw bad(`${name} is not a general register`);
    const v = evaluateExpression(valueText, { interp: rt.interp, program: this.program!, thread: t });
    if (!v.ok) throw bad(`cannot set ${name}: ${v.message}`);
    rt.interp.setRegister(t, index, v.value);
    this.sendStateChanged('registers');
    const ref = addressRef(rt.interp.spaceOf(t.cpu), v.value);
    return { value: '0x' + v.value.toString(16), ...(ref ? { memoryReference: ref } : {}) };
  }

  private setExpression(a: DebugProtocol.SetExpressionArguments): DebugProtocol.SetExpressionResponse['body'] {
    const rt = this.stopped();
    if (typeof a.expression !== 'string' || typeof a.value !== 'string') throw bad('setExpression needs an expression and a value');
    const tid = this.frameThread(a.frameId);
    const mem = /^\s*\[(.+)\]\s*(?::\s*(8|16|32|64))?\s*$/.exec(a.expression);
    if (mem) {
      // [vs1:0x2000_0000] or [pa:0x1000]:64 = value
      const ref = parseRef(mem[1], rt.interp);
      if (typeof ref === 'string') throw new RequestError(ErrorCode.BadMemoryReference, ref);
      const bits = Number(mem[2] ?? 32);
      const v = evaluateExpression(a.value, { interp: rt.interp, program: this.program!, thread: rt.interp.threads[tid] });
      if (!v.ok) throw bad(v.message);
      const bytes = new Uint8Array(bits / 8);
      for (let k = 0; k < bytes.length; k++) bytes[k] = Number((v.value >> BigInt(8 * k)) & 0xffn);
      if (writeRef(rt.interp, ref, 0, bytes) < bytes.length) throw new RequestError(ErrorCode.BadMemoryReference, `${formatRef(ref)} is not mapped`);
      this.sendEvent(new MemoryEvent(formatRef(ref), 0, bytes.length));
      this.sendStateChanged('memory');
      return { value: '0x' + v.value.toString(16) };
    }
    return this.assignRegister(tid, a.expression, a.value);
  }

  private gotoTargets(a: DebugProtocol.GotoTargetsArguments): { targets: DebugProtocol.GotoTarget[] } {
    if (!a.source?.path || typeof a.line !== 'number') throw bad('gotoTargets needs a source path and a line');
    if (!this.program) return { targets: [] };
    const r = resolveLine(lineTable(this.program), path.resolve(a.source.path), this.convertClientLineToDebugger(a.line) - 1);
    if (!r) return { targets: [] };
    return { targets: [{ id: r.pc + 1, label: `${path.basename(a.source.path)}:${r.line + 1}`, line: this.convertDebuggerLineToClient(r.line + 1), instructionPointerReference: hex(r.pc * 4) }] };
  }

  private goto(a: DebugProtocol.GotoArguments): After {
    const rt = this.stopped();
    const tid = this.threadArg(a);
    if (typeof a.targetId !== 'number' || a.targetId < 1 || a.targetId > this.program!.length) throw bad(`no goto target ${a.targetId}`);
    rt.interp.setPc(tid, a.targetId - 1);
    return new After({}, () => { const ev = new StoppedEvent('goto', tid + THREAD_ID_BASE) as DebugProtocol.StoppedEvent; ev.body.allThreadsStopped = true; this.handles.reset(); this.sendEvent(ev); this.sendStateChanged('stopped'); });
  }

  private source(a: DebugProtocol.SourceArguments): { content: string; mimeType: string } {
    const ref = a.source?.sourceReference ?? a.sourceReference;
    const file = this.program?.files[(ref ?? 0) - 1] ?? a.source?.path;
    if (!file) throw bad('no such source');
    const text = nodeSourceHost.readFile(file);
    if (text === undefined) throw bad(`cannot read ${file}`);
    return { content: text, mimeType: 'text/x-mover' };
  }

  // ---- evaluate, memory, disassembly -----------------------------------------------------------

  private evalContext(frameId: number | undefined): EvalContext {
    const rt = this.rt();
    const tid = frameId === undefined ? rt.interp.threads.findIndex((t) => t.state !== 'halted') : this.frameThread(frameId);
    return { interp: rt.interp, program: this.program!, thread: rt.interp.threads[Math.max(0, tid)] };
  }

  private evaluate(a: DebugProtocol.EvaluateArguments): DebugProtocol.EvaluateResponse['body'] {
    if (typeof a.expression !== 'string') throw bad('evaluate needs an expression');
    const rt = this.stopped();
    const ctx = this.evalContext(a.frameId);
    if (a.context === 'repl' || a.context === undefined) {
      const out = runCommand(a.expression, ctx);
      if (out !== undefined) return { result: out, variablesReference: 0 };
    }
    const r = evaluateExpression(a.expression, ctx);
    if (!r.ok) {
      if (a.context === 'hover') return { result: '', variablesReference: 0 };
      throw bad(r.message);
    }
    const v = r.value;
    // An object's name is a VA in the object's own space, not the current one.
    const object = this.program!.objects.find((o) => o.name === a.expression.trim());
    const space = object ? object.space : ctx.thread ? rt.interp.spaceOf(ctx.thread.cpu) : 'PA';
    const ref = addressRef(space, v);
    let result = `0x${v.toString(16)} (${v.toString()})`;
    if (a.context === 'hover' && v < 1n << 32n) {
      // Each space: where the address lands, what each processor running there holds in its TLB,
      // and the word stored there (read through the page tables, without side effects).
      const lines = rt.machine.spaces.map((s) => {
        const t: Translation = translate(rt.machine, { space: s.name }, Number(v));
        if (!t.ok) return `${s.name}: not mapped (${t.fault!.reason}${t.fault!.level ? ` at the ${t.fault!.level}` : ''})`;
        const word = readRef(rt.interp, { space: 'PA', address: t.pa! }, 0, 4).data;
        const value = word.length === 4 ? ` = ${hex(new DataView(word.buffer, word.byteOffset, 4).getUint32(0, true))}` : '';
        // Only processors running in this space with paging on use a TLB for it.
        const tlb = t.paging ? t.tlb.filter((h) => h.space === s.name).map((h) => `cpu${h.cpu} TLB ${h.held ? (h.stale ? 'STALE' : 'hit') : 'miss'}`).join(', ') : '';
        return `${s.name}: ${hex(t.pa!)}${t.chunk ? ` (${t.chunk.name})` : ''}${value}${tlb ? `  [${tlb}]` : ''}`;
      });
      result += '\n' + lines.join('\n');
    }
    if (a.context === 'clipboard') result = `0x${v.toString(16)}`;
    return { result, variablesReference: 0, ...(ref ? { memoryReference: ref } : {}) };
  }

  private completions(a: DebugProtocol.CompletionsArguments): { targets: DebugProtocol.CompletionItem[] } {
    if (typeof a.text !== 'string') throw bad('completions needs text');
    if (!this.runtime || !this.program) return { targets: [] };
    const ctx = this.evalContext(a.frameId);
    const upTo = a.text.slice(0, Math.max(0, (a.column ?? a.text.length + 1) - 1));
    const word = /[\w.$]*$/.exec(upTo)?.[0] ?? '';
    return { targets: completions(upTo, ctx).map((label) => ({ label, start: upTo.length - word.length, length: word.length })) };
  }

  private readMemory(a: DebugProtocol.ReadMemoryArguments): DebugProtocol.ReadMemoryResponse['body'] {
    const rt = this.stopped();
    if (typeof a.memoryReference !== 'string') throw new RequestError(ErrorCode.BadMemoryReference, 'readMemory needs a memoryReference such as pa:0x1_0000_0000 or vs1:0x2000_0000');
    if (typeof a.count !== 'number' || a.count < 0 || !Number.isFinite(a.count)) throw bad('readMemory needs a count of bytes');
    const ref = parseRef(a.memoryReference, rt.interp);
    if (typeof ref === 'string') throw new RequestError(ErrorCode.BadMemoryReference, ref);
    const offset = a.offset ?? 0;
    const count = Math.min(a.count, MAX_READ);
    const r = readRef(rt.interp, ref, offset, count);
    return { address: formatRef({ space: ref.space, address: ref.address + offset }), data: Buffer.from(r.data).toString('base64'), ...(r.unreadable ? { unreadableBytes: r.unreadable } : {}) };
  }

  private writeMemory(a: DebugProtocol.WriteMemoryArguments): DebugProtocol.WriteMemoryResponse['body'] {
    const rt = this.stopped();
    if (typeof a.memoryReference !== 'string' || typeof a.data !== 'string') throw new RequestError(ErrorCode.BadMemoryReference, 'writeMemory needs a memoryReference and base64 data');
    const ref = parseRef(a.memoryReference, rt.interp);
    if (typeof ref === 'string') throw new RequestError(ErrorCode.BadMemoryReference, ref);
    const bytes = new Uint8Array(Buffer.from(a.data, 'base64'));
    if (bytes.length > MAX_READ) throw bad(`writes are limited to ${MAX_READ} bytes`);
    const offset = a.offset ?? 0;
    const n = writeRef(rt.interp, ref, offset, bytes);
    if (n === 0 && bytes.length > 0) throw new RequestError(ErrorCode.BadMemoryReference, `${formatRef({ space: ref.space, address: ref.address + offset })} is not mapped in ${ref.space}`);
    this.sendEvent(new MemoryEvent(formatRef(ref), offset, n));
    this.sendStateChanged('memory');
    return { bytesWritten: n };
  }

  private disassemble(a: DebugProtocol.DisassembleArguments): { instructions: DebugProtocol.DisassembledInstruction[] } {
    if (!this.program) throw new RequestError(ErrorCode.NotLaunched, 'no program is loaded');
    const base = parseNumber(String(a.memoryReference ?? '').replace(/^text:/i, ''));
    if (base === undefined) throw new RequestError(ErrorCode.BadMemoryReference, `disassemble needs a text address (got ${JSON.stringify(a.memoryReference)})`);
    if (typeof a.instructionCount !== 'number' || a.instructionCount < 0) throw bad('disassemble needs an instructionCount');
    const count = Math.min(a.instructionCount, 10_000);
    const first = Math.floor((base + (a.offset ?? 0)) / 4) + (a.instructionOffset ?? 0);
    const p = this.program;
    const out: DebugProtocol.DisassembledInstruction[] = [];
    for (let i = 0; i < count; i++) {
      const pc = first + i;
      if (pc < 0 || pc >= p.length) { out.push({ address: hex(Math.max(0, pc) * 4), instruction: '??', presentationHint: 'invalid' }); continue; }
      const loc = this.location(pc);
      out.push({ address: hex(pc * 4), instruction: p.text[pc], symbol: [...p.labels].find(([, v]) => v === pc)?.[0], location: loc.source, line: loc.line, column: loc.column });
    }
    return { instructions: out };
  }

  // ---- views (custom requests) -------------------------------------------------------------------

  private walkToView(t: Translation): WalkView {
    return {
      va: hex(t.va, 8), space: t.space, paging: t.paging, cr3: t.cr3 === null ? null : hex(t.cr3), ok: t.ok, pa: t.pa === null ? null : hex(t.pa), chunk: t.chunk?.name ?? null,
      fault: t.fault ? `${t.fault.reason}${t.fault.level ? ` at the ${t.fault.level}` : ''}, error code ${hex(t.fault.errorCode)}` : null,
      levels: t.levels.map((l) => ({ level: l.level, index: l.index, entryAddress: hex(l.entryAddress), raw: l.raw, flags: l.flags, target: l.target === null ? null : hex(l.target) })),
      tlb: t.tlb.map((h) => ({ cpu: h.cpu, space: h.space, held: h.held, stale: !!h.stale, ...(h.staleReason ? { staleReason: h.staleReason } : {}), ...(h.frame !== undefined ? { frame: hex(h.frame) } : {}) })),
      text: formatTranslation(t), memoryReference: t.pa === null ? null : formatRef({ space: 'PA', address: t.pa }),
    };
  }

  private walkView(a: MoverRequests['mover/walk'][0]): WalkView {
    const rt = this.stopped();
    const va = parseNumber(String(a.va ?? ''));
    if (va === undefined || va >= 2 ** 32) throw bad(`not a virtual address: ${JSON.stringify(a.va)}`);
    if (a.space !== undefined) {
      if (!rt.machine.space(a.space)) throw bad(`no space named ${a.space}`);
      return this.walkToView(translate(rt.machine, { space: a.space }, va));
    }
    const cpu = a.cpu ?? 0;
    if (!rt.machine.processors[cpu]) throw bad(`no processor ${cpu}`);
    return this.walkToView(translate(rt.machine, { cpu }, va));
  }

  private lastWalkView(a: MoverRequests['mover/lastWalk'][0]): WalkView | null {
    const rt = this.stopped();
    const cpu = a.cpu ?? 0;
    if (!rt.machine.processors[cpu]) throw bad(`no processor ${cpu}`);
    const last = rt.interp.lastAccess(cpu);
    return last ? this.walkToView(translate(rt.machine, { cpu }, last.va)) : null;
  }

  private tlbView(a: MoverRequests['mover/tlb'][0]): { processors: TlbProcessorView[] } {
    const rt = this.stopped();
    const cpus = a.cpu === undefined ? rt.machine.processors.map((p) => p.id) : [a.cpu];
    return {
      processors: cpus.map((cpu) => {
        if (!rt.machine.processors[cpu]) throw bad(`no processor ${cpu}`);
        const v = listTlb(rt.machine, cpu, this.tlbMarks[cpu] ?? Infinity);
        return {
          cpu, space: v.space, sets: v.sets, ways: v.ways, counters: { ...v.counters },
          flushed: rt.machine.processors[cpu].tlb.flushedSinceMark.map((vpn) => hex(vpn * 4096, 8)),
          entries: v.entries.map((e) => ({
            set: e.set, way: e.way, va: hex(e.va, 8), frame: hex(e.frame), global: e.flags.global, lruRank: e.lruRank, stale: e.stale, staleReason: e.staleReason, fresh: e.fresh,
            flags: [e.flags.writable ? 'RW' : 'RO', e.flags.user ? 'U' : 'S', ...(e.flags.dirty ? ['D'] : []), ...(e.flags.global ? ['G'] : []), ...(e.flags.large ? ['2M'] : [])],
          })),
        };
      }),
    };
  }

  private controlRegistersView(): { processors: ControlRegistersView[] } {
    const rt = this.stopped();
    const m = rt.machine;
    return {
      processors: m.processors.map((p) => {
        const last = rt.interp.lastAccess(p.id);
        const t = rt.interp.currentThread(p.id);
        return {
          cpu: p.id, thread: t?.name ?? null, space: m.currentSpaceName(p), cr0: hex(p.cr0 >>> 0, 8), pe: (p.cr0 & 1) !== 0, wp: (p.cr0 & (1 << 16)) !== 0, pg: p.paging,
          cr2: hex(p.cr2, 8), cr3: hex(p.cr3, 8), cr3Space: m.spaces.find((s) => s.pdpt === ((p.cr3 & 0xffffffe0) >>> 0))?.name ?? null, cr4: hex(p.cr4, 8),
          pae: (p.cr4 & 0x20) !== 0, pge: (p.cr4 & 0x80) !== 0, preemptCount: p.preemptCount, lastAccess: last ? hex(last.va, 8) : null,
        };
      }),
    };
  }

  private layoutView(): LayoutView {
    const rt = this.rt();
    const m = rt.machine;
    const j = layoutJson(m) as { name: string };
    void j;
    return {
      name: m.layout.name,
      chunks: m.layout.chunks.map((c) => ({ name: c.name, base: hex(c.base), size: hex(c.size), end: hex(c.base + c.size), purpose: c.purpose, baseNumber: c.base, sizeNumber: c.size })),
      spaces: m.spaces.map((s) => ({
        name: s.name, paging: s.space.paging, cr3: s.pdpt === null ? null : hex(s.pdpt), purpose: s.space.purpose,
        mappings: s.space.paging
          ? s.space.mappings.map((x) => ({ va: hex(x.va, 8), size: hex(x.size), chunk: x.chunk, pa: hex(x.pa), global: x.global, vaNumber: x.va, sizeNumber: x.size, paNumber: x.pa }))
          : m.layout.chunks.filter((c) => c.base < 2 ** 32).map((c) => ({ va: hex(c.base, 8), size: hex(Math.min(c.size, 2 ** 32 - c.base)), chunk: c.name, pa: hex(c.base), global: false, vaNumber: c.base, sizeNumber: Math.min(c.size, 2 ** 32 - c.base), paNumber: c.base })),
      })),
      processors: m.processors.map((p) => {
        const last = rt.interp.lastAccess(p.id);
        const pa = last ? translate(m, { cpu: p.id }, last.va).pa : null;
        return { cpu: p.id, space: m.currentSpaceName(p), lastVa: last ? hex(last.va, 8) : null, lastPa: pa === null ? null : hex(pa) };
      }),
    };
  }

  private whereisView(a: MoverRequests['mover/whereis'][0]): { mappings: { space: string; va: string }[] } {
    const rt = this.rt();
    const pa = parseNumber(String(a.pa ?? ''));
    if (pa === undefined || pa >= 2 ** 36) throw bad(`not a physical address: ${JSON.stringify(a.pa)}`);
    return { mappings: whereIs(rt.machine, pa).map((x) => ({ space: x.space, va: hex(x.va, 8) })) };
  }
}
