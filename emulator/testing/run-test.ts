// Running one `.test` of a program: a fresh machine with the test's threads, to a halt, a fault or
// the step limit, and what happened as plain data (it crosses worker threads and goes into reports).
// One implementation for `mover test`, the Test Explorer (through the CLI) and the debugger's
// test launches (through `testProgram`).

import { performance } from 'node:perf_hooks';
import { Machine } from '../machine';
import type { Layout } from '../layout';
import { Interpreter, LoadError } from '../interp/interpreter';
import type { StopReason } from '../interp/stop';
import type { Program, TestDecl } from '../asm/program';
import { describeStop, sourceLocation } from '../describe';
import { CoverageRecorder, type TestCoverage } from './coverage';

export type TestFailureKind = 'assert' | 'fault' | 'step-limit' | 'load';

/** A source position, one-based as editors and CI reports show it. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface TestFailure extends SourcePosition {
  readonly kind: TestFailureKind;
  readonly message: string;
  /** The thread that failed (for a step limit, the first one still running). */
  readonly thread?: string;
  /** An assert's values, in decimal and hex. */
  readonly actual?: string;
  readonly expected?: string;
}

export interface TestResult {
  readonly name: string;
  /** Where the `.test` is. */
  readonly at: SourcePosition;
  readonly passed: boolean;
  readonly failure?: TestFailure;
  /** Instructions retired, all processors together. */
  readonly steps: number;
  readonly ms: number;
  /** The console, with `[cpuN thread]` prefixes when the test has several threads. */
  readonly console: readonly string[];
  readonly coverage?: TestCoverage;
}

export interface RunTestOptions {
  readonly layout?: Layout;
  /** Record line and address-space coverage (runs instruction by instruction: slower). */
  readonly coverage?: boolean;
}

/** The program as a test runs it: the test's threads instead of the program's. */
export function testProgram(program: Program, test: TestDecl): Program {
  return { ...program, threads: test.threads };
}

/** The interpreter runs in slices this long, so the step limit is checked without a per-step cost. */
const SLICE = 1_000_000;

function position(program: Program, pc: number): SourcePosition {
  const i = Math.min(Math.max(pc, 0), program.length - 1);
  return { file: program.files[program.srcFile[i]], line: program.srcLine[i] + 1, column: program.srcCol[i] + 1 };
}

export function runTest(program: Program, test: TestDecl, opts: RunTestOptions = {}): TestResult {
  const started = performance.now();
  const at: SourcePosition = { file: program.files[test.span.file], line: test.span.line + 1, column: test.span.col + 1 };
  const machine = new Machine({ ...(opts.layout ? { layout: opts.layout } : {}), cpus: test.cpus });
  let interp: Interpreter;
  try {
    interp = new Interpreter(machine, testProgram(program, test), test.timer !== undefined ? { timerQuantum: test.timer } : {});
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
    return { name: test.name, at, passed: false, failure: { ...at, kind: 'load', message: `cannot load the test: ${e.message}` }, steps: 0, ms: performance.now() - started, console: [] };
  }
  const recorder = opts.coverage ? new CoverageRecorder(interp) : null;
  let stop: StopReason = { kind: 'budget' };
  while (interp.retired < test.steps) {
    const budget = Math.min(SLICE, test.steps - interp.retired);
    stop = recorder ? recorder.run(budget) : interp.run(budget);
    if (stop.kind !== 'budget') break;
  }
  const many = interp.threads.length > 1;
  const result = {
    name: test.name, at, steps: interp.retired, ms: 0,
    console: interp.output.map((l) => (many ? `[cpu${l.cpu} ${interp.threads[l.thread].name}] ${l.text}` : l.text)),
    ...(recorder ? { coverage: recorder.result() } : {}),
  };
  const failure = failureOf(stop, interp, program, test);
  return { ...result, passed: failure === undefined, ...(failure ? { failure } : {}), ms: performance.now() - started };
}

function failureOf(stop: StopReason, interp: Interpreter, program: Program, test: TestDecl): TestFailure | undefined {
  if (stop.kind === 'halted') return undefined;
  if (stop.kind === 'budget') {
    const t = interp.threads.find((x) => x.state !== 'halted') ?? interp.threads[0];
    return { ...position(program, t.pc), kind: 'step-limit', thread: t.name, message: `still running after ${test.steps} instructions (the test's step limit): ${t.name} is at ${sourceLocation(program, t.pc)}` };
  }
  const thread = 'thread' in stop ? interp.threads[stop.thread]?.name : undefined;
  const pc = 'pc' in stop ? stop.pc : 0;
  const where = { ...position(program, pc), ...(thread !== undefined ? { thread } : {}) };
  if (stop.kind === 'fault' && stop.fault.kind === 'assert') {
    const f = stop.fault;
    return { ...where, kind: 'assert', message: describeStop(stop, program), actual: valueText(f.actual), expected: valueText(f.expected) };
  }
  // Any other stop is a fault: the interpreter reports no breakpoints, watchpoints or hooks here.
  return { ...where, kind: 'fault', message: describeStop(stop, program) };
}

/** An assert's value as people compare them: decimal and hex. */
const valueText = (v: bigint): string => `${v} (0x${v.toString(16)})`;
