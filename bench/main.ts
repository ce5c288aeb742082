// `npm run bench`: speed and memory figures, as a table for people or (--json) one JSON object of named
// figures for tools. Suites live one per file (bench/machine.ts, ...) and are listed in SUITES.
//
//   node dist/bench.js [--json] [--quick] [--suite NAME]...
//
// stdout carries only the results; progress goes to stderr. Note that `npm run bench -- --json` lets npm
// print its own "> mover@... bench" banner on stdout first: use `npm run -s bench -- --json` (or
// `node dist/bench.js --json` after a build) when a tool reads the output.

import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { PROBE_FLAG, Sink, fmt, meets, nowNs, runProbe, type Figure, type Suite, type SuiteContext } from './harness';
import { machineSuite } from './machine';
import { interpreterSuite } from './interpreter';
import { adapterSuite } from './adapter';
import { longRunSuite } from './long-runs';
import { languageServerSuite } from './language-server';

const SUITES: readonly Suite[] = [machineSuite, interpreterSuite, adapterSuite, languageServerSuite, longRunSuite];
/** Runs one suite and prints its figures as JSON: each suite gets a process of its own. */
const SUITE_FLAG = '--run-suite';

const USAGE = `usage: node dist/bench.js [--json] [--quick] [--suite NAME]...

  --json        print one JSON object of named figures ("suite.figure": number) on stdout, nothing else
  --quick       fewer runs and smaller workloads: checks the suites work; figures not for quoting
  --suite NAME  run only this suite (repeatable); suites: ${SUITES.map((s) => s.name).join(', ')}`;

interface Options {
  readonly json: boolean;
  readonly quick: boolean;
  readonly suites: readonly Suite[];
}

class UsageError extends Error {}

function parseOptions(argv: string[]): Options | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, suite: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const names = v.suite ?? [];
  for (const n of names) if (!SUITES.some((s) => s.name === n)) throw new UsageError(`no suite named ${JSON.stringify(n)} (suites: ${SUITES.map((s) => s.name).join(', ')})`);
  return { json: !!v.json, quick: !!v.quick, suites: names.length ? SUITES.filter((s) => names.includes(s.name)) : SUITES };
}

/** A value for people: rates in M/s, bytes with KiB alongside, ratios as percentages. */
function display(f: Figure): string {
  switch (f.unit) {
    case '/s': return f.value >= 1e6 ? `${fmt(f.value / 1e6, 4)} M/s` : `${fmt(f.value / 1e3, 4)} k/s`;
    case 'B': return f.value >= 1024 ? `${fmt(f.value, 4)} B (${(f.value / 1024).toFixed(2)} KiB)` : `${fmt(f.value, 3)} B`;
    case '': return f.value <= 1 ? `${(f.value * 100).toFixed(1)}%` : fmt(f.value, 4);
    default: return `${fmt(f.value, 3)} ${f.unit}`;
  }
}

function displayTarget(f: Figure): string {
  if (!f.target) return '';
  const t = f.target.value;
  const v = f.unit === '/s' ? `${fmt(t / 1e6, 4)} M/s` : f.unit === 'B' ? `${fmt(t / 1024, 3)} KiB` : `${fmt(t)} ${f.unit}`;
  return `${f.target.op} ${v}  ${meets(f) ? 'met' : 'MISSED'}`;
}

function formatTable(results: readonly { suite: Suite; figures: readonly Figure[] }[]): string {
  const out: string[] = [];
  for (const { suite, figures } of results) {
    out.push(`${suite.name}: ${suite.title}`);
    const rows = [['figure', 'value', 'target', 'notes'], ...figures.map((f) => [f.label, display(f), displayTarget(f), f.note ?? ''])];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const [i, r] of rows.entries()) {
      out.push(('  ' + r.map((cell, c) => (c === 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ')).trimEnd());
      if (i === 0) out.push('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
    }
    out.push('');
  }
  return out.join('\n');
}

async function runProbeCommand(name: string): Promise<number> {
  const [suiteName, probeName] = name.split('.', 2);
  const probe = SUITES.find((s) => s.name === suiteName)?.probes?.[probeName ?? ''];
  if (!probe) { process.stderr.write(`bench: no probe named ${name}\n`); return 64; }
  process.stdout.write(JSON.stringify(await probe()) + '\n');
  return 0;
}

/** Child mode: one suite, its Figure[] as JSON on stdout. */
async function runSuiteCommand(name: string, quick: boolean): Promise<number> {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) { process.stderr.write(`bench: no suite named ${name}\n`); return 64; }
  const sink = new Sink();
  const figures = await suite.run({ quick, sink, log: (m) => process.stderr.write(`bench: ${m}\n`), probe: (n) => runProbe(n) });
  process.stdout.write(JSON.stringify({ figures, sink: sink.value }) + '\n');
  return 0;
}

/**
 * Each suite runs in a fresh process: suites share hot functions (translateRead, the interpreter loop)
 * and V8's type feedback from one suite's call sites would otherwise slow the next one.
 */
function runSuiteIsolated(suite: Suite, quick: boolean, sink: Sink): Figure[] {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], SUITE_FLAG, suite.name, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`suite ${suite.name} failed (exit ${r.status ?? r.signal})`);
  const out = JSON.parse(r.stdout) as { figures: Figure[]; sink: number };
  sink.add(out.sink);
  return out.figures;
}

export async function main(argv: string[]): Promise<number> {
  const p = argv.indexOf(PROBE_FLAG);
  if (p >= 0) return runProbeCommand(argv[p + 1] ?? '');
  const c = argv.indexOf(SUITE_FLAG);
  if (c >= 0) return runSuiteCommand(argv[c + 1] ?? '', argv.includes('--quick'));
  let opts: Options | 'help';
  try {
    opts = parseOptions(argv);
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`bench: ${e.message}\n\n${USAGE}\n`); return 64; }
    throw e;
  }
  if (opts === 'help') { process.stdout.write(USAGE + '\n'); return 0; }

  const sink = new Sink();
  const started = nowNs();
  const ctx: SuiteContext = {
    quick: opts.quick,
    sink,
    log: (m) => process.stderr.write(`bench: ${m}\n`),
    probe: (name) => runProbe(name),
  };
  const results: { suite: Suite; figures: Figure[] }[] = [];
  for (const suite of opts.suites) {
    ctx.log(`suite ${suite.name}`);
    results.push({ suite, figures: opts.suites.length > 1 ? runSuiteIsolated(suite, opts.quick, sink) : await suite.run(ctx) });
  }
  const seconds = (nowNs() - started) / 1e9;

  if (opts.json) {
    const obj: Record<string, number> = {};
    for (const { suite, figures } of results) for (const f of figures) obj[`${suite.name}.${f.key}`] = f.value;
    process.stdout.write(JSON.stringify(obj, null, 2) + '\n');
    process.stderr.write(`bench: done in ${seconds.toFixed(1)} s (sink ${sink.value})\n`);
  } else {
    const cpus = os.cpus();
    process.stdout.write(`Mover benchmarks: node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} x ${cpus[0]?.model.trim() ?? '?'}` +
      `${opts.quick ? ' (--quick: smoke run, do not quote)' : ''}\n\n`);
    process.stdout.write(formatTable(results));
    process.stdout.write(`done in ${seconds.toFixed(1)} s; medians after warm-up (sink ${sink.value})\n`);
  }
  const missed = results.flatMap((r) => r.figures).filter((f) => meets(f) === false);
  if (missed.length) process.stderr.write(`bench: ${missed.length} figure(s) missed their target: ${missed.map((f) => f.key).join(', ')}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => { process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`); process.exitCode = 70; },
);
