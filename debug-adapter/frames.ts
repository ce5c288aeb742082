// Threads, stack frames, scopes and variables as the Call Stack and Variables views ask for them, and
// the edits made through them (setVariable, setExpression). Variable handles live until the next stop.

import { Handles } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { registerIndex, type Program } from '../emulator/index';
import type { ClientLines } from './breakpoints';
import { enclosingLabel, evaluateExpression, memoryOperand, type EvalContext } from './evaluator';
import { formatRef, readRef, textAddress, writeRef } from './memory-ref';
import { ErrorCode, type StateChangedBody, type ThreadPlaceView } from './protocol';
import { RequestError, bad } from './request';
import type { MoverRuntime } from './runtime';
import { addressRef, variables, type Container } from './variables';

/** DAP thread ids start at 1; thread N of the program is id N + 1. */
export const THREAD_ID_BASE = 1;
/** Frame ids: (thread + 1) * FRAME_STRIDE + depth. */
const FRAME_STRIDE = 10_000;

/** What the frames need of the session: the stopped runtime, the program, lines, and change notices. */
export interface FrameHost {
  stopped(): MoverRuntime;
  loaded(): Program;
  readonly lines: ClientLines;
  changed(reason: StateChangedBody['reason'], memory?: { reference: string; offset: number; count: number }): void;
}

export class Frames {
  private handles = new Handles<Container>();

  constructor(private readonly host: FrameHost) {}

  /** A handle for a container shown outside the scopes (an evaluate result's children). */
  handle(c: Container): number {
    return this.handles.create(c);
  }

  /** A new stop: the previous stop's variable handles are no longer valid. */
  reset(): void {
    this.handles.reset();
  }

  threads(rt: MoverRuntime | null): DebugProtocol.Thread[] {
    if (!rt) return [];
    return rt.threads.map((t) => ({ id: t.id + THREAD_ID_BASE, name: `cpu${t.cpu} · ${t.name} · ${t.state === 'halted' ? 'halted' : rt.isRunningNow(t) ? rt.spaceOf(t.cpu) : 'waiting'}` }));
  }

  threadPlace(rt: MoverRuntime, threadId: unknown): ThreadPlaceView {
    const t = rt.threads[this.threadIndex(rt, threadId)];
    return { threadId: t.id + THREAD_ID_BASE, name: t.name, cpu: t.cpu, space: rt.frameSpaces(t)[0].space, running: rt.isRunningNow(t) };
  }

  /** The program's thread index of a DAP thread id (the first live thread when none is given). */
  threadIndex(rt: MoverRuntime, id: unknown): number {
    if (id === undefined) return rt.defaultThread();
    if (typeof id !== 'number' || !rt.threads[id - THREAD_ID_BASE]) throw bad(`no thread ${JSON.stringify(id)}`);
    return id - THREAD_ID_BASE;
  }

  /** The thread a frame belongs to (the first live thread when none is given). */
  frameThread(rt: MoverRuntime, frameId: number | undefined): number {
    if (frameId === undefined) return rt.defaultThread();
    const tid = Math.floor(frameId / FRAME_STRIDE) - 1;
    if (!Number.isInteger(frameId) || !rt.threads[tid]) throw bad(`no frame ${frameId}`);
    return tid;
  }

  /** The evaluation context of a frame: its thread's registers. */
  context(rt: MoverRuntime, frameId: number | undefined): EvalContext {
    return { interp: rt.interp, program: this.host.loaded(), thread: rt.threads[this.frameThread(rt, frameId)] };
  }

  stackTrace(a: DebugProtocol.StackTraceArguments): DebugProtocol.StackTraceResponse['body'] {
    const rt = this.host.stopped();
    const tid = this.threadIndex(rt, a.threadId);
    const t = rt.threads[tid];
    const p = this.host.loaded();
    const frames = rt.frameSpaces(t).map(({ pc, space }, depth): DebugProtocol.StackFrame => {
      const safe = Math.min(Math.max(pc, 0), p.length - 1);
      return {
        id: (tid + 1) * FRAME_STRIDE + depth, name: `${enclosingLabel(p, safe) ?? '(top)'} · ${space}`, ...this.host.lines.location(safe), instructionPointerReference: textAddress(safe),
        ...(t.state === 'halted' && depth === 0 ? { presentationHint: 'subtle' as const } : {}),
      };
    });
    const start = a.startFrame ?? 0;
    const levels = a.levels ?? frames.length;
    return { stackFrames: frames.slice(start, start + (levels || frames.length)), totalFrames: frames.length };
  }

  scopes(a: DebugProtocol.ScopesArguments): DebugProtocol.ScopesResponse['body'] {
    const rt = this.host.stopped();
    if (typeof a.frameId !== 'number') throw bad('scopes needs a frameId');
    const t = rt.threads[this.frameThread(rt, a.frameId)];
    const scopes: DebugProtocol.Scope[] = [
      { name: 'Registers', presentationHint: 'registers', variablesReference: this.handles.create({ kind: 'registers', thread: t }), expensive: false },
      { name: `Control registers (cpu${t.cpu})`, variablesReference: this.handles.create({ kind: 'control', cpu: t.cpu }), expensive: false },
      { name: `TLB (cpu${t.cpu})`, variablesReference: this.handles.create({ kind: 'tlb', cpu: t.cpu }), expensive: false },
      { name: `Page walk (cpu${t.cpu}, last access)`, variablesReference: this.handles.create({ kind: 'walk', cpu: t.cpu }), expensive: false },
    ];
    if (this.host.loaded().objects.length) scopes.push({ name: 'Modules', variablesReference: this.handles.create({ kind: 'objects' }), expensive: false });
    return { scopes };
  }

  variables(a: DebugProtocol.VariablesArguments): DebugProtocol.VariablesResponse['body'] {
    const rt = this.host.stopped();
    if (typeof a.variablesReference !== 'number') throw bad('variables needs a variablesReference');
    const c = this.handles.get(a.variablesReference);
    if (!c) return { variables: [] };
    let vars = variables(c, { interp: rt.interp, program: this.host.loaded(), handle: (x) => this.handles.create(x), tlbMarks: rt.tlbMarks });
    if (a.start !== undefined || a.count !== undefined) vars = vars.slice(a.start ?? 0, (a.start ?? 0) + (a.count || vars.length));
    return { variables: vars };
  }

  setVariable(a: DebugProtocol.SetVariableArguments): DebugProtocol.SetVariableResponse['body'] {
    this.host.stopped();
    const c = this.handles.get(a.variablesReference);
    if (!c || c.kind !== 'registers') throw bad('only registers can be set here (use setExpression or writeMemory for memory)');
    return this.assignRegister(c.thread.id, a.name, a.value);
  }

  setExpression(a: DebugProtocol.SetExpressionArguments): DebugProtocol.SetExpressionResponse['body'] {
    const rt = this.host.stopped();
    if (typeof a.expression !== 'string' || typeof a.value !== 'string') throw bad('setExpression needs an expression and a value');
    const tid = this.frameThread(rt, a.frameId);
    const ctx = { interp: rt.interp, program: this.host.loaded(), thread: rt.threads[tid] };
    // [vs1:0x2000_0000], vs1:[r3], [r3]:64 = value
    const op = memoryOperand(a.expression, ctx);
    if (op === undefined) return this.assignRegister(tid, a.expression, a.value);
    if (typeof op === 'string') throw new RequestError(ErrorCode.BadMemoryReference, op);
    const v = evaluateExpression(a.value, ctx);
    if (!v.ok) throw bad(v.message);
    const bytes = new Uint8Array(op.bytes);
    for (let k = 0; k < bytes.length; k++) bytes[k] = Number((v.value >> BigInt(8 * k)) & 0xffn);
    // All or nothing: a write that would run into an unmapped page writes no byte.
    const bits = op.bytes * 8;
    if (readRef(rt.interp, op.ref, 0, bytes.length).unreadable > 0) throw new RequestError(ErrorCode.BadMemoryReference, `${formatRef(op.ref)}:${bits} is not mapped`);
    writeRef(rt.interp, op.ref, 0, bytes);
    this.host.changed('memory', { reference: formatRef(op.ref), offset: 0, count: bytes.length });
    // The value as stored: the low `bits` bits of what the expression gave.
    return { value: '0x' + BigInt.asUintN(bits, v.value).toString(16) };
  }

  private assignRegister(thread: number, name: string, valueText: string): { value: string; memoryReference?: string } {
    const rt = this.host.stopped();
    const t = rt.threads[thread];
    const index = registerIndex(name.trim());
    if (index === undefined) throw bad(`${name} is not a general register`);
    const v = evaluateExpression(valueText, { interp: rt.interp, program: this.host.loaded(), thread: t });
    if (!v.ok) throw bad(`cannot set ${name}: ${v.message}`);
    rt.setRegister(thread, index, v.value);
    this.host.changed('registers');
    // The value as the register holds it (its low 64 bits), not the expression's.
    const stored = rt.interp.register(t, index);
    const ref = addressRef(rt.spaceOf(t.cpu), stored);
    return { value: '0x' + stored.toString(16), ...(ref ? { memoryReference: ref } : {}) };
  }
}
