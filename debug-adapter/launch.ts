// Launching a program: the layout it runs on (a file or inline), the assembly, the machine and the
// runtime, with every failure turned into a LaunchFailed error the user can act on. The defaults and
// limits of the launch configuration come from the emulator (one home each) through LAUNCH_DEFAULTS.

import * as path from 'node:path';
import {
  DEFAULT_CPUS, DEFAULT_MAX_STEPS, DEFAULT_TIMER_QUANTUM, DEFAULT_TLB_GEOMETRY, LayoutError, LoadError, Machine, MachineError, assemble, defaultLayout,
  describeLayoutFileFailure, formatLayoutProblems, libraryDir, loadLayoutFile, nodeSourceHost, testProgram, validateLayout, type Layout, type Program,
} from '../emulator/index';
import { ErrorCode } from './protocol';
import type { MoverLaunchArguments } from './launch-args';
import { RequestError } from './request';
import { MoverRuntime } from './runtime';

/** What a launch uses for each attribute it is not given. */
export const LAUNCH_DEFAULTS = {
  cpus: DEFAULT_CPUS,
  tlb: DEFAULT_TLB_GEOMETRY,
  timerQuantum: DEFAULT_TIMER_QUANTUM,
  maxSteps: DEFAULT_MAX_STEPS,
} as const;

const failed = (message: string) => new RequestError(ErrorCode.LaunchFailed, message);

/** The layout of a launch: the patent's by default, a file (relative to the program), or inline. */
export function loadLayout(layout: MoverLaunchArguments['layout'], programDir: string): Layout {
  if (layout === undefined) return defaultLayout();
  if (typeof layout === 'string') {
    const r = loadLayoutFile(path.resolve(programDir, layout));
    if (!r.ok) throw failed(describeLayoutFileFailure(r));
    return r.layout;
  }
  const r = validateLayout(layout);
  if (!r.ok) throw failed(`the inline layout is not valid:\n${formatLayoutProblems(r.problems)}`);
  return r.layout;
}

export interface Built {
  readonly program: Program;
  readonly runtime: MoverRuntime;
}

/**
 * Assembles the program and makes its machine and runtime. Assembly errors come back as one
 * LaunchFailed error listing them all (file:line:col each), and are also given to `report`.
 */
export function build(args: MoverLaunchArguments, adapterDir: string, report: (line: string) => void): Built {
  const programPath = path.resolve(args.program);
  const layout = loadLayout(args.layout, path.dirname(programPath));
  const result = assemble(programPath, undefined, { host: nodeSourceHost, includePath: [libraryDir(adapterDir)], layout });
  if (!result.program) {
    const lines = result.diagnostics.map((d) => `${result.files[d.span.file] ?? programPath}:${d.span.line + 1}:${d.span.col + 1}: ${d.severity}: ${d.message}`);
    for (const l of lines) report(l);
    throw failed(`${path.basename(programPath)} has ${lines.length} error${lines.length === 1 ? '' : 's'}:\n${lines.join('\n')}`);
  }
  // A test runs its own entry threads on its own machine size, step limit and timer.
  let program = result.program;
  let defaults: { cpus: number; maxSteps: number; timerQuantum: number } = LAUNCH_DEFAULTS;
  if (args.test !== undefined) {
    const test = program.tests.find((t) => t.name === args.test);
    if (!test) throw failed(`${path.basename(programPath)} has no test named ${args.test}${program.tests.length ? ` (tests: ${program.tests.map((t) => t.name).join(', ')})` : ''}`);
    program = testProgram(program, test);
    defaults = { cpus: test.cpus, maxSteps: test.steps, timerQuantum: test.timer ?? LAUNCH_DEFAULTS.timerQuantum };
  }
  let machine: Machine;
  try {
    machine = new Machine({ layout, cpus: args.cpus ?? defaults.cpus, tlb: { ...(args.tlb ?? LAUNCH_DEFAULTS.tlb), policy: args.tlbPolicy, seed: args.tlbSeed } });
  } catch (e) {
    if (e instanceof MachineError || e instanceof LayoutError) throw failed(e.message);
    throw e;
  }
  try {
    const runtime = new MoverRuntime(machine, program, { maxSteps: args.maxSteps ?? defaults.maxSteps, timerQuantum: args.timerQuantum ?? defaults.timerQuantum, ...(args.checkTlb ? { checkTlb: true } : {}) });
    return { program, runtime };
  } catch (e) {
    if (e instanceof LoadError) throw failed(`cannot load ${path.basename(programPath)}: ${e.message}`);
    throw e;
  }
}
