// The launch configuration: declared once here (the interface and the schema that mirrors it) and in
// package.json's contributes.debuggers[].configurationAttributes; a test keeps the two equal.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEFAULT_CPUS, DEFAULT_MAX_STEPS, DEFAULT_TIMER_QUANTUM, DEFAULT_TLB_GEOMETRY, DEFAULT_TLB_SEED, MAX_CPUS, TLB_POLICIES, type TlbPolicy } from '../emulator/index';

export interface TlbGeometryArgs {
  entries: number;
  ways: number;
}

export interface MoverLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** The .mover program to run. */
  program: string;
  /** Stop at the first instruction. */
  stopOnEntry?: boolean;
  /** A layout file (JSON) or an inline layout object; default: the patent's FIG. 5 layout. */
  layout?: string | Record<string, unknown>;
  /** Processors (default 2). */
  cpus?: number;
  /** TLB geometry per processor (default 64 entries, 4-way). */
  tlb?: TlbGeometryArgs;
  /** TLB replacement policy (default "lru"). */
  tlbPolicy?: TlbPolicy;
  /** Seed of the "random" TLB policy (default 1). */
  tlbSeed?: number;
  /** Instructions between timer interrupts on each processor (default 10000). */
  timerQuantum?: number;
  /** Instructions after which a run is stopped as runaway (default 100000000). */
  maxSteps?: number;
  /** Run one `.test` of the program instead of its threads (the Test Explorer's Debug). */
  test?: string;
  /** Run the TLB-coherence sanitizer for the whole session (it also runs while the "Stale TLB use" filter is on). */
  checkTlb?: boolean;
}

type JsonType = 'string' | 'boolean' | 'number' | 'object' | 'integer';

export interface AttributeSchema {
  readonly type: JsonType | readonly JsonType[];
  readonly description: string;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
}

/** The schema of every launch attribute; `satisfies` makes the compiler check it covers the interface. */
export const LAUNCH_ATTRIBUTES = {
  program: { type: 'string', description: 'The mover script (.mover) to run.', default: '${file}' },
  stopOnEntry: { type: 'boolean', description: 'Stop at the first instruction of the first thread.', default: true },
  layout: { type: ['string', 'object'], description: 'A layout file (JSON: chunks, spaces, pageTables) or an inline layout. Default: the patent\'s FIG. 5 layout (C1..C5, VS0..VS2).' },
  cpus: { type: 'integer', description: 'Number of processors (each with its own CR3 and TLB).', default: DEFAULT_CPUS, minimum: 1, maximum: MAX_CPUS },
  tlb: { type: 'object', description: 'TLB geometry of each processor: { "entries": 64, "ways": 4 }.', default: { entries: DEFAULT_TLB_GEOMETRY.entries, ways: DEFAULT_TLB_GEOMETRY.ways } },
  tlbPolicy: { type: 'string', description: 'Which way of a full TLB set a fill evicts: "lru" (least recently used), "fifo" (oldest fill) or "random" (seeded by tlbSeed; the same seed gives the same run).', enum: TLB_POLICIES, default: 'lru' },
  tlbSeed: { type: 'integer', description: 'Seed of the "random" TLB policy (part of every checkpoint, so step back and replay stay exact).', default: DEFAULT_TLB_SEED, minimum: 0, maximum: 0xffffffff },
  timerQuantum: { type: 'integer', description: 'Instructions between timer interrupts on each processor ([00031]).', default: DEFAULT_TIMER_QUANTUM, minimum: 1 },
  maxSteps: { type: 'integer', description: 'Stop a run that has not halted after this many instructions.', default: DEFAULT_MAX_STEPS, minimum: 1 },
  test: { type: 'string', description: 'Run this .test of the program (its entry threads, processors, step limit and timer) instead of the program\'s own threads.' },
  checkTlb: { type: 'boolean', description: 'Run the TLB-coherence sanitizer: every use of a TLB entry the page tables no longer agree with (a missing INVLPG or shootdown) is reported in the Problems view, at the access, with the write that made it stale. The "Stale TLB use" exception filter also turns it on, and stops there.', default: false },
} as const satisfies Record<Exclude<keyof MoverLaunchArguments, keyof DebugProtocol.LaunchRequestArguments>, AttributeSchema>;

export const REQUIRED_LAUNCH_ATTRIBUTES = ['program'] as const;

/** Checks launch arguments; returns every problem (empty when they are good). */
export function validateLaunchArguments(a: unknown): string[] {
  const problems: string[] = [];
  if (typeof a !== 'object' || a === null) return ['launch arguments must be an object'];
  const args = a as Record<string, unknown>;
  if (typeof args.program !== 'string' || args.program.trim() === '') problems.push('"program" must name a .mover file');
  const int = (name: string, min: number, max: number) => {
    const v = args[name];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`"${name}" must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
  };
  int('cpus', 1, MAX_CPUS);
  int('timerQuantum', 1, 2 ** 31);
  int('maxSteps', 1, 2 ** 50);
  int('tlbSeed', 0, 0xffffffff);
  if (args.tlbPolicy !== undefined && !TLB_POLICIES.includes(args.tlbPolicy as TlbPolicy)) problems.push(`"tlbPolicy" must be one of ${TLB_POLICIES.map((x) => `"${x}"`).join(', ')} (got ${JSON.stringify(args.tlbPolicy)})`);
  if (args.stopOnEntry !== undefined && typeof args.stopOnEntry !== 'boolean') problems.push('"stopOnEntry" must be true or false');
  if (args.checkTlb !== undefined && typeof args.checkTlb !== 'boolean') problems.push('"checkTlb" must be true or false');
  if (args.test !== undefined && (typeof args.test !== 'string' || args.test.trim() === '')) problems.push('"test" must name a .test of the program');
  if (args.layout !== undefined && typeof args.layout !== 'string' && (typeof args.layout !== 'object' || args.layout === null || Array.isArray(args.layout))) {
    problems.push('"layout" must be a file path or a layout object');
  }
  if (args.tlb !== undefined) {
    const t = args.tlb as Record<string, unknown>;
    if (typeof t !== 'object' || t === null || typeof t.entries !== 'number' || typeof t.ways !== 'number') problems.push('"tlb" must be { "entries": N, "ways": W }');
  }
  return problems;
}
