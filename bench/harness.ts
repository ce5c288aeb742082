// The shared benchmark harness: suites, figures, timing with warm-up and median of several runs, a sink
// against dead-code elimination, and probes (measurements that need a fresh process, such as resident
// memory or the first boot). A suite is one file under bench/ that exports a `Suite`; main.ts lists them.

import { spawnSync } from 'node:child_process';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/** A measured figure. `key` names it in the JSON output (suite.key); `label` and `unit` are for people. */
export interface Figure {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  /** A goal the figure should meet, if it has one. */
  readonly target?: Target;
  /** How the figure was obtained (runs, spread, workload details). */
  readonly note?: string;
}

export interface Target {
  readonly op: '>=' | '<=';
  readonly value: number;
}

export function meets(f: Figure): boolean | undefined {
  if (!f.target) return undefined;
  return f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value;
}

export interface SuiteContext {
  /** Fewer runs and smaller workloads (--quick): a smoke test of the suite, not figures to quote. */
  readonly quick: boolean;
  readonly sink: Sink;
  /** Progress for people, on stderr (stdout carries only the results). */
  log(message: string): void;
  /** Runs a registered probe in a fresh process and returns what it printed (parsed JSON). */
  probe<T>(name: string): T;
}

export interface Suite {
  /** Short name, the prefix of its figures' keys: "machine". */
  readonly name: string;
  readonly title: string;
  run(ctx: SuiteContext): Figure[] | Promise<Figure[]>;
  /** Measurements that need a process of their own, by name; each returns JSON-able data (or a promise of it). */
  readonly probes?: Readonly<Record<string, () => unknown>>;
}

/**
 * Results flow into the sink so the optimizer cannot drop the measured work; its value is printed at
 * the end. Adding is cheap and order-insensitive enough for that purpose.
 */
export class Sink {
  private acc = 0;
  add(x: number): void {
    this.acc = (this.acc + (Number.isFinite(x) ? x % 0x1_0000_0000 : 1)) % 0x1_0000_0000;
  }
  get value(): number {
    return this.acc;
  }
}

/** Monotonic nanoseconds as a double (safe for the durations measured here). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Nanoseconds that `fn` takes; its result goes to the sink. */
export function timeNs(sink: Sink, fn: () => number): number {
  const t0 = nowNs();
  const r = fn();
  const t1 = nowNs();
  sink.add(r);
  return t1 - t0;
}

export interface Sample {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export interface SampleOptions {
  /** Runs thrown away first (JIT warm-up, caches, allocation). */
  readonly warmup: number;
  readonly runs: number;
}

/** Calls `run` warmup + runs times; each call returns one measurement. Reports the median of the kept runs. */
export function sample(opts: SampleOptions, run: (i: number) => number): Sample {
  for (let i = 0; i < opts.warmup; i++) run(-1 - i);
  const xs: number[] = [];
  for (let i = 0; i < opts.runs; i++) xs.push(run(i));
  return summarize(xs);
}

export function summarize(xs: readonly number[]): Sample {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const median = n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], runs: n };
}

/** "median of 5, range min..max" for notes; `scale` and `unit` as the figure is displayed (1e6, "M/s"). */
export function spread(s: Sample, unit = '', scale = 1, digits = 3): string {
  return `median of ${s.runs}, range ${fmt(s.min / scale, digits)}..${fmt(s.max / scale, digits)}${unit ? ' ' + unit : ''}`;
}

/** A number with `digits` significant digits and thousands grouping for large ones. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}

let gcFn: (() => void) | undefined;
/** A full garbage collection (enabled at run time, so `node dist/bench.js` needs no flag). */
export function gc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

/** The argument that makes main.ts run one probe and print its JSON result. */
export const PROBE_FLAG = '--probe';

/** Runs `suite.probe` in a fresh node process (same script, same flags) and parses its stdout. */
export function runProbe<T>(name: string): T {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], PROBE_FLAG, name], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`probe ${name} failed (exit ${r.status ?? r.signal}): ${r.stderr.trim()}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`probe ${name} printed something other than JSON: ${r.stdout.slice(0, 200)}`);
  }
}

/** Deterministic pseudo-random numbers (xorshift32), so every run measures the same workload. */
export function rng(seed = 0x9e3779b9): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}
