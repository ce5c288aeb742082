// The Mover debug adapter: a DAP session over the emulator. Every request goes through one funnel
// (`dispatchRequest`): the handler is awaited, its result becomes the response, and anything thrown
// becomes a numbered, user-facing error response, so a failure never turns into a missing response.
// Responses go out before the events they cause (a continue's response before its stopped event).
//
// Start-up follows DAP's order (as vscode-mock-debug does): the initialized event right after the
// initialize response, without waiting for a build, so the client's breakpoints and configurationDone
// may come before the launch, after it, or while it builds. Breakpoints set before the program is
// loaded are answered as pending and verified by `breakpoint` 'changed' events (the same ids) once the
// launch has built it; the run starts when the launch has built and configurationDone has come.
//
// The handlers live with the concept they serve: launch.ts builds, breakpoints.ts keeps the breakpoint
// book, frames.ts the threads, frames and variables, evaluate.ts the console and hovers, memory.ts
// memory and disassembly, sources.ts the source files and line bases, views.ts the custom requests.
// This file wires them to the protocol.

import { BreakpointEvent, DebugSession, Event, InitializedEvent, InvalidatedEvent, MemoryEvent, OutputEvent, StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { timingSafeEqual } from 'node:crypto';
import { describeFault, describeStop, hex, type Program, type StopReason } from '../emulator/index';
import { BreakpointBook } from './breakpoints';
import { CAPABILITIES } from './capabilities';
import { complete, evaluate } from './evaluate';
import { Frames, THREAD_ID_BASE } from './frames';
import { build } from './launch';
import { validateLaunchArguments, type MoverLaunchArguments } from './launch-args';
import { dnlcView, snapshotQueueView } from './library-views';
import { disassemble, readMemory, writeMemory } from './memory';
import { ErrorCode, FILTER_COFW, FILTER_TLB_MISS, FILTER_TLB_STALE, FILTER_VS_SWITCH, STATE_CHANGED_EVENT, TLB_FINDINGS_EVENT, type StateChangedBody } from './protocol';
import { After, RequestError, bad, type Handlers, type RequestName } from './request';
import type { MoverRuntime, RuntimeStop } from './runtime';
import { describeRuntimeStop } from './stop-reasons';
import { ProgramOutput } from './program-output';
import { ProgramSources } from './sources';
import { FindingsOutbox } from './tlb-findings';
import { checkArguments } from './arguments';
import { diffRequest } from './diff';
import { compareView, controlRegistersView, lastWalkView, layoutView, objectsView, structValuesView, structsView, tlbView, translationsView, walkView, whereisView } from './views';

/** How long a launch waits for configurationDone (breakpoints come before it) before running anyway. */
const CONFIGURATION_WAIT_MS = 2000;

/** What a session that serves a socket requires: the token its client presents in `initialize`. */
export interface SessionOptions {
  /** The client must send it as `moverToken` in its initialize arguments before any other request. */
  readonly token?: string;
}

export class MoverDebugSession extends DebugSession {
  private runtime: MoverRuntime | null = null;
  /** False until the client has presented the token (always true without one). */
  private authorized: boolean;
  /** Set once a fatal error has ended the session. */
  private failed = false;
  /** The connection's stream, to see how much it has not sent yet. */
  private out: NodeJS.WritableStream | null = null;
  private readonly programOutput = new ProgramOutput((text) => this.sendNow(new OutputEvent(text, 'stdout')), () => this.unsentBytes());
  private program: Program | null = null;
  private launchArgs: MoverLaunchArguments | null = null;
  private configurationDone: () => void = () => {};
  private configured = new Promise<void>((resolve) => { this.configurationDone = resolve; });
  private disposed = false;
  /** After terminate no stop is reported (the run it ended would report a pause) until a restart. */
  private terminated = false;
  private lastStop: RuntimeStop | null = null;
  private readonly lines = new ProgramSources((file) => this.convertDebuggerPathToClient(file));
  private findings = new FindingsOutbox(this.lines, (file) => this.convertDebuggerPathToClient(file));
  private readonly book = new BreakpointBook(this.lines);
  private readonly frames = new Frames({
    stopped: () => this.stopped(),
    loaded: () => this.loaded(),
    lines: this.lines,
    changed: (reason, memory) => {
      this.runtime?.edited();
      if (memory) this.sendEvent(new MemoryEvent(memory.reference, memory.offset, memory.count));
      this.sendStateChanged(reason);
    },
  });
  private readonly handlers: Handlers;

  constructor(private readonly options: SessionOptions = {}) {
    super();
    this.authorized = options.token === undefined;
    // The base class shuts down on every 'error', including a message that is not JSON: report that one
    // and keep serving; a broken stream still ends the session.
    this.removeAllListeners('error');
    this.on('error', (e: DebugProtocol.Event) => {
      if (typeof e.body === 'string' && e.body.startsWith('Error handling data')) this.sendEvent(new OutputEvent(`ignored a malformed DAP message (${e.body})\n`, 'stderr'));
      else this.shutdown();
    });
    this.handlers = {
      initialize: (a) => this.initialize(a),
      launch: (a) => this.launch(a),
      configurationDone: () => { this.configurationDone(); return {}; },
      disconnect: () => this.disconnect(),
      terminate: () => this.terminate(),
      restart: () => this.restart(),
      setBreakpoints: (a) => ({ breakpoints: this.book.setSource(a) }),
      setFunctionBreakpoints: (a) => ({ breakpoints: this.book.setFunction(a) }),
      setInstructionBreakpoints: (a) => ({ breakpoints: this.book.setInstruction(a) }),
      setExceptionBreakpoints: (a) => ({ breakpoints: this.book.setExceptionFilters(a) }),
      breakpointLocations: (a) => this.lines.breakpointLocations(a),
      dataBreakpointInfo: (a) => { const rt = this.rt(); return this.book.dataInfo(a, this.frames.context(rt, a.frameId)); },
      setDataBreakpoints: (a) => ({ breakpoints: this.book.setData(a) }),
      threads: () => ({ threads: this.frames.threads(this.runtime) }),
      stackTrace: (a) => this.frames.stackTrace(a),
      scopes: (a) => this.frames.scopes(a),
      variables: (a) => this.frames.variables(a),
      setVariable: (a) => this.frames.setVariable(a),
      setExpression: (a) => this.frames.setExpression(a),
      continue: (a) => this.resume('continue', a, { allThreadsContinued: true }),
      next: (a) => this.resume('over', a, {}),
      stepIn: (a) => this.resume('in', a, {}),
      stepOut: (a) => this.resume('out', a, {}),
      stepBack: (a) => this.back('step', a),
      reverseContinue: (a) => this.back('continue', a),
      pause: () => { this.rt().requestPause(); return {}; },
      gotoTargets: (a) => this.lines.gotoTargets(a),
      goto: (a) => this.goto(a),
      source: (a) => this.lines.source(a),
      evaluate: (a) => {
        const rt = this.stopped();
        return evaluate(rt, this.loaded(), this.frames.context(rt, a.frameId), a, {
          handle: (c) => this.frames.handle(c),
          assign: (expression, value) => this.frames.setExpression({ expression, value, ...(a.frameId !== undefined ? { frameId: a.frameId } : {}) }),
        });
      },
      completions: (a) => complete(this.runtime && this.program ? this.frames.context(this.runtime, a.frameId) : null, a),
      exceptionInfo: () => this.exceptionInfo(),
      readMemory: (a) => readMemory(this.stopped(), a),
      writeMemory: (a) => {
        const rt = this.stopped();
        const w = writeMemory(rt, a);
        rt.edited();
        this.sendEvent(new MemoryEvent(w.reference, w.offset, w.count));
        this.sendStateChanged('memory');
        return w.body;
      },
      disassemble: (a) => disassemble(this.program, this.lines, a),
      loadedSources: () => this.lines.loadedSources(),
      'mover/layout': () => layoutView(this.rt()),
      'mover/walk': (a) => walkView(this.stopped(), a),
      'mover/lastWalk': (a) => lastWalkView(this.stopped(), a),
      'mover/tlb': (a) => tlbView(this.stopped(), a),
      'mover/controlRegisters': () => controlRegistersView(this.stopped()),
      'mover/objects': () => objectsView(this.program),
      'mover/whereis': (a) => whereisView(this.rt(), a),
      'mover/compare': (a) => compareView(this.stopped(), a),
      'mover/diff': (a) => diffRequest(this.stopped(), this.program, a),
      'mover/snapshots': () => { const rt = this.stopped(); return snapshotQueueView(rt.interp, rt.program); },
      'mover/dnlc': () => { const rt = this.stopped(); return dnlcView(rt.interp, rt.program); },
      'mover/thread': (a) => this.frames.threadPlace(this.stopped(), a.threadId),
      'mover/breakOnVsSwitch': (a) => { this.book.setVsSwitchCommand(a.targets); return {}; },
      'mover/translations': (a) => translationsView(this.stopped(), a),
      'mover/structs': () => structsView(this.loaded()),
      'mover/structValues': (a) => structValuesView(this.stopped(), this.loaded(), a),
    };
  }

  // ---- the funnel ------------------------------------------------------------------------------------

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const response: DebugProtocol.Response = { seq: 0, type: 'response', request_seq: request.seq, command: request.command, success: true };
    void (async () => {
      try {
        if (!this.authorized) this.authorize(request);
        // A request that crossed the disconnect (an inline value, a hover) answers with no notification: the user ended the session.
        if (this.disposed && request.command !== 'disconnect') throw new RequestError(ErrorCode.SessionEnded, `the debug session has ended (disconnected): "${request.command}" cannot be served`, { showUser: false });
        // Own properties only: "toString" or "__proto__" are not requests.
        const command = typeof request.command === 'string' && Object.hasOwn(this.handlers, request.command) ? (request.command as RequestName) : undefined;
        if (!command) throw new RequestError(ErrorCode.UnknownCommand, `the Mover debugger does not support the request "${request.command}"`);
        const args: unknown = request.arguments ?? {};
        if (typeof args !== 'object' || args === null || Array.isArray(args)) throw bad(`the arguments of "${request.command}" must be an object`);
        // The one place JSON arguments meet their declared types: each handler checks what it relies on.
        checkArguments(command, args as Record<string, unknown>);
        const handler = this.handlers[command] as (a: object) => unknown;
        const result = await handler(args);
        const after = result instanceof After ? result : null;
        const body: unknown = after ? after.body : result;
        if (body !== undefined && body !== null && Object.keys(body).length) response.body = body;
        this.sendResponse(response);
        after?.afterResponse();
      } catch (e) {
        const code = e instanceof RequestError ? e.code : ErrorCode.Internal;
        const message = e instanceof RequestError ? e.message : `internal error in ${request.command}: ${(e as Error).message}`;
        response.success = false;
        response.message = message;
        // The views' own requests (mover/*) show their errors in place: no notification from VS Code.
        const showUser = e instanceof RequestError && e.options.showUser !== undefined ? e.options.showUser : code !== ErrorCode.Running && !String(request.command).startsWith('mover/');
        response.body = { error: { id: code, format: message.replace(/[{}]/g, ''), showUser } };
        this.sendResponse(response);
        if (code === ErrorCode.Internal) this.sendEvent(new OutputEvent(`${(e as Error).stack ?? e}\n`, 'stderr'));
      }
    })();
  }

  /**
   * A socket session's first request must be an initialize with the token; anything else ends the
   * connection, so another local program cannot drive the adapter (and read files through it).
   */
  private authorize(request: DebugProtocol.Request): void {
    const args: unknown = request.arguments;
    const given = request.command === 'initialize' && typeof args === 'object' && args !== null ? (args as Record<string, unknown>).moverToken : undefined;
    const want = Buffer.from(this.options.token ?? '');
    if (typeof given === 'string' && Buffer.byteLength(given) === want.length && timingSafeEqual(Buffer.from(given), want)) { this.authorized = true; return; }
    this.disposed = true;
    setImmediate(() => this.shutdown());
    throw new RequestError(ErrorCode.Unauthorized, 'this debug adapter needs its token: send it as "moverToken" in the initialize arguments');
  }

  // ---- output and fatal errors ----------------------------------------------------------------------

  override start(inStream: NodeJS.ReadableStream, outStream: NodeJS.WritableStream): void {
    this.out = outStream;
    // A write that fails (the client went away, the pipe is full) ends the session, never silently.
    outStream.on('error', (e: Error) => this.fatal(`the connection to the client failed: ${e.message}`));
    super.start(inStream, outStream);
  }

  private unsentBytes(): number {
    const o = this.out as (NodeJS.WritableStream & { writableLength?: number }) | null;
    return typeof o?.writableLength === 'number' ? o.writableLength : 0;
  }

  /** Every event goes after the program output printed before it. */
  override sendEvent(event: DebugProtocol.Event): void {
    this.programOutput.flush();
    this.sendNow(event);
  }

  private sendNow(event: DebugProtocol.Event): void {
    super.sendEvent(event);
  }

  /**
   * Ends the session on an error nothing else caught: the reason as output and on stderr, then a
   * terminated event, so the client neither waits for a stop that will not come nor loses the cause.
   */
  fatal(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    process.stderr.write(`mover debug adapter: ${reason}\n`);
    try {
      this.runtime?.requestPause();
      this.sendEvent(new OutputEvent(`the Mover debugger stopped because of an internal error, the session ends: ${reason}\n`, 'stderr'));
      this.sendEvent(new TerminatedEvent());
    } catch { /* the connection itself failed: stderr has the reason */ }
    this.disposed = true;
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

  private loaded(): Program {
    if (!this.program) throw new RequestError(ErrorCode.NotLaunched, 'no program is loaded: launch one first');
    return this.program;
  }

  // ---- session -----------------------------------------------------------------------------------

  private initialize(args: DebugProtocol.InitializeRequestArguments): After<DebugProtocol.Capabilities> {
    this.lines.configure(args);
    // Nothing the client configures next needs the program: breakpoints wait in the book for the launch.
    return new After(CAPABILITIES, () => this.sendEvent(new InitializedEvent()));
  }

  /** Builds the program into a fresh runtime and arms every breakpoint in it. */
  private load(args: MoverLaunchArguments): void {
    const { program, runtime } = build(args, __dirname, (line) => this.sendEvent(new OutputEvent(line + '\n', 'stderr')));
    runtime.onOutput = (l) => {
      const who = runtime.threads.length > 1 ? `[cpu${l.cpu} ${runtime.threads[l.thread].name}] ` : '';
      this.programOutput.add(`${who}${l.text}\n`);
    };
    this.program = program;
    this.runtime = runtime;
    this.lines.load(program);
    this.findings = new FindingsOutbox(this.lines, (file) => this.convertDebuggerPathToClient(file));
    // Breakpoints set before this program (or against the one a restart replaced) get their new answers.
    for (const bp of this.book.attach(runtime, program)) this.sendEvent(new BreakpointEvent('changed', bp));
  }

  private async launch(raw: DebugProtocol.LaunchRequestArguments): Promise<After<Record<string, never>>> {
    if (this.runtime) throw bad('a program is already launched in this session: restart it, or start a new session');
    const problems = validateLaunchArguments(raw);
    if (problems.length) throw bad(`bad launch configuration: ${problems.join('; ')}`);
    const args = raw as MoverLaunchArguments;
    this.launchArgs = args;
    this.load(args);
    // Breakpoints and filters come between the initialized event and configurationDone (which may have come already).
    await Promise.race([this.configured, new Promise((r) => setTimeout(r, CONFIGURATION_WAIT_MS).unref())]);
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

  private disconnect(): After<Record<string, never>> {
    this.runtime?.requestPause();
    this.disposed = true;
    return new After({}, () => { this.runtime = null; this.shutdown(); });
  }

  private terminate(): After<Record<string, never>> {
    this.terminated = true;
    this.runtime?.requestPause();
    return new After({}, () => { this.sendTlbFindings(true); this.sendEvent(new TerminatedEvent()); });
  }

  /** The sanitizer's findings the client has not had yet, as a mover/tlbFindings event; at the end (`final`), the missing shootdowns too. */
  private sendTlbFindings(final: boolean): void {
    const body = this.runtime && this.program ? this.findings.take(this.runtime, this.program, final) : null;
    if (body) this.sendEvent(new Event(TLB_FINDINGS_EVENT, body));
  }

  private restart(): After<Record<string, never>> {
    const args = this.launchArgs;
    if (!args) throw new RequestError(ErrorCode.NotLaunched, 'nothing to restart: launch a program first');
    this.runtime?.requestPause();
    this.terminated = false;
    // Assemble again, so edits to the program take effect; hit counts start again from zero.
    this.load(args);
    this.sendStateChanged('restart');
    return new After({}, () => this.begin());
  }

  // ---- running ----------------------------------------------------------------------------------

  private breakFilter = (stop: Extract<StopReason, { kind: 'breakpoint' }>, replaying = false): boolean => {
    const rt = this.runtime!;
    const ctx = { interp: rt.interp, program: this.loaded(), thread: rt.threads[stop.thread] };
    return this.book.shouldStop(stop, ctx, (text, category) => this.sendEvent(new OutputEvent(text, category)), replaying);
  };

  private resume<B>(kind: 'continue' | 'in' | 'over' | 'out', a: { threadId?: unknown }, body: B): After<B> {
    const rt = this.stopped();
    const thread = this.frames.threadIndex(rt, a.threadId);
    return new After(body, () => this.go(kind, thread));
  }

  private go(kind: 'continue' | 'in' | 'over' | 'out', thread: number | undefined): void {
    const rt = this.runtime;
    if (!rt) return;
    this.sendStateChanged('running');
    const t = thread ?? 0;
    const run = kind === 'continue' ? rt.run({ filter: this.breakFilter })
      : kind === 'in' ? rt.stepIn(t, this.breakFilter)
      : kind === 'over' ? rt.stepOver(t, this.breakFilter)
      : rt.stepOut(t, this.breakFilter);
    run.then((stop) => { if (!this.disposed && !this.terminated && this.runtime === rt) this.reportStop(stop); })
      // A run that throws ends the session with the reason: VS Code must not stay in "running".
      .catch((e: unknown) => this.fatal(`while running: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
  }

  private back(kind: 'step' | 'continue', a: { threadId?: unknown }): After<Record<string, never>> {
    const rt = this.stopped();
    const thread = this.frames.threadIndex(rt, a.threadId);
    const stop = kind === 'step' ? rt.stepBack(thread) : rt.reverseContinue((s) => this.breakFilter(s, true));
    this.book.rewoundTo(rt.retired, stop.kind === 'breakpoint');
    return new After({}, () => this.reportStop(stop));
  }

  private reportStop(stop: RuntimeStop): void {
    this.lastStop = stop;
    this.frames.reset();
    const rt = this.rt();
    rt.recordStop();
    const threadId = ('thread' in stop ? stop.thread : rt.defaultThread()) + THREAD_ID_BASE;
    this.sendTlbFindings(stop.kind === 'halted');
    if (stop.kind === 'halted') {
      this.sendEvent(new OutputEvent(`program halted after ${rt.retired} instructions\n`, 'console'));
      this.sendEvent(new TerminatedEvent());
      return;
    }
    const [reason, description] = this.describe(stop);
    const ev = new StoppedEvent(reason, threadId) as DebugProtocol.StoppedEvent;
    ev.body.description = description;
    ev.body.allThreadsStopped = true;
    if (stop.kind === 'start-of-history' && stop.oldest > 0) this.sendEvent(new OutputEvent(`${description}\n`, 'console'));
    if (stop.kind === 'start-of-history' || stop.kind === 'fault' || stop.kind === 'vs-switch' || stop.kind === 'tlb-miss' || stop.kind === 'tlb-stale' || stop.kind === 'event' || stop.kind === 'fault-handled' || stop.kind === 'step-limit') ev.body.text = description;
    if (stop.kind === 'breakpoint') ev.body.hitBreakpointIds = this.book.hitAt(stop.pc).ids;
    if (stop.kind === 'watchpoint') { const id = this.book.dataBreakpointId(stop.hit.id); if (id !== undefined) ev.body.hitBreakpointIds = [id]; }
    this.sendEvent(ev);
    this.sendStateChanged('stopped');
  }

  private describe(stop: RuntimeStop): [string, string] {
    return describeRuntimeStop(stop, this.loaded(), this.rt().retired, (pc) => this.book.hitAt(pc).reason);
  }

  private sendStateChanged(reason: StateChangedBody['reason']): void {
    const body: StateChangedBody = { reason, retired: this.runtime?.retired ?? 0 };
    this.sendEvent(new Event(STATE_CHANGED_EVENT, body));
    if (reason !== 'stopped' && reason !== 'running') this.sendEvent(new InvalidatedEvent(['variables']));
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
      case 'tlb-stale':
        return { exceptionId: FILTER_TLB_STALE, description: describeStop(s, p), breakMode: 'always', details: { message: s.finding.message, typeName: 'Stale TLB use' } };
      case 'event':
        return { exceptionId: s.name === 'cofw' ? FILTER_COFW : s.name, description: describeStop(s, p), breakMode: 'always', details: { message: s.name === 'cofw' ? `clone block ${s.a} -> save volume block ${s.b}` : `${s.name}(${s.a}, ${s.b})`, typeName: s.name } };
      default:
        throw bad('the program did not stop on an exception');
    }
  }

  private goto(a: DebugProtocol.GotoArguments): After<Record<string, never>> {
    const rt = this.stopped();
    const tid = this.frames.threadIndex(rt, a.threadId);
    if (typeof a.targetId !== 'number' || !Number.isInteger(a.targetId) || a.targetId < 1 || a.targetId > this.loaded().length) throw bad(`no goto target ${a.targetId}`);
    // A halted thread stays halted whatever its pc: moving it would show a place it never runs from.
    if (rt.threads[tid].state === 'halted') throw bad(`thread ${rt.threads[tid].name} has halted: goto cannot move it (restart the program to run it again)`);
    rt.setPc(tid, a.targetId - 1);
    rt.edited();
    return new After({}, () => {
      const ev = new StoppedEvent('goto', tid + THREAD_ID_BASE) as DebugProtocol.StoppedEvent;
      ev.body.allThreadsStopped = true;
      this.frames.reset();
      this.sendEvent(ev);
      this.sendStateChanged('stopped');
    });
  }
}
