// The `mover` command line: the machine's layout, translations and page tables, from a terminal.
// Exit codes: 0 success; 64 bad arguments (EX_USAGE); 65 bad layout file (EX_DATAERR).

import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  DEFAULT_CPUS, DEFAULT_MAX_STEPS, DEFAULT_TIMER_QUANTUM, MAX_CPUS, TLB_POLICIES, type TlbPolicy,
  FOUR_GIB, Machine, MachineError, defaultLayout, formatLayout, formatTranslation, formatTranslationLine, hexPlain, hex64Plain,
  describeLayoutFileFailure, escapeControls, layoutJson, loadLayoutFile, pagingEntries, parseNumber, translate, LayoutError, type Layout,
} from '../emulator/index';
import { runProgram } from './run';
import { DEFAULT_TEST_JOBS, isTestWorker, runTests } from './test';
import { REPORTERS, type ReporterName } from './test-report';

export const EXIT_USAGE = 64;
export const EXIT_DATA = 65;

const USAGE = `usage: mover <command> [options]

commands:
  layout     [--layout FILE] [--json]                   the chunk map and which space maps which chunk
  translate  --space NAME [--layout FILE] [--verbose] [--json] VA...
                                                        VA -> PA (chunk), or the fault; --verbose walks every level
  tables     --space NAME [--layout FILE]               every non-zero paging-structure entry of a space, as JSON
  run        FILE [--layout FILE] [--cpus N] [--trace] [--max-steps N] [--timer N] [--json]
             [--tlb-policy lru|fifo|random] [--tlb-seed N] [--check-tlb]
                                                        assemble and run a mover script; exit 0 halted,
                                                        1 assembly errors, 2 runtime fault, 3 step limit,
                                                        4 --check-tlb found a stale TLB use or missing shootdown
  test       [PATH...] [--reporter spec|tap|junit|json] [--grep REGEX] [--coverage] [--coverage-dir DIR]
             [--layout FILE] [--jobs N]                 run the .test's of the .mover files in PATHs (default .);
                                                        exit 0 all passed, 1 a test failed
  demo                                                  the patent layout and a few translations
  help                                                  this text

Addresses take hex with _ separators (0x2000_1000) or decimal. Without --layout, the patent's FIG. 5 layout is used.`;

/** The control characters the CLI's own output uses. */
const SAFE_CONTROLS = '\n\t';

export class UsageError extends Error {}
export class DataError extends Error {}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

function loadLayout(file: string | undefined): Layout {
  if (file === undefined) return defaultLayout();
  const r = loadLayoutFile(file);
  if (!r.ok) throw new DataError(describeLayoutFileFailure(r));
  return r.layout;
}

function bootMachine(layout: Layout): Machine {
  try {
    return new Machine({ layout });
  } catch (e) {
    if (e instanceof LayoutError || e instanceof MachineError) throw new DataError(e.message);
    throw e;
  }
}

function parse(args: string[], options: ParseArgsConfig['options']): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function parseVa(text: string): number {
  const v = parseNumber(text);
  if (v === undefined) throw new UsageError(`not an address: ${JSON.stringify(text)} (write hex such as 0x2000_1000, or decimal)`);
  if (v >= FOUR_GIB) throw new UsageError(`${text} is not a virtual address: a space is 32 bits (0 .. 0xFFFF_FFFF)`);
  return v;
}

function requireSpace(machine: Machine, name: string | undefined): string {
  if (name === undefined) throw new UsageError(`--space is required (spaces: ${machine.spaces.map((s) => s.name).join(', ')})`);
  const s = machine.space(name);
  if (!s) throw new UsageError(`no space named ${name} (spaces: ${machine.spaces.map((x) => x.name).join(', ')})`);
  return s.name;
}

export function runCli(argv: string[], terminal: Io): number {
  // Layouts and programs are data: their text (chunk purposes, source lines, console output) reaches the
  // terminal with control characters escaped, so none can start an escape sequence.
  const io: Io = { out: (t) => terminal.out(escapeControls(t, SAFE_CONTROLS)), err: (t) => terminal.err(escapeControls(t, SAFE_CONTROLS)) };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'layout': {
        const { values, positionals } = parse(rest, { layout: { type: 'string' }, json: { type: 'boolean' } });
        if (positionals.length) throw new UsageError(`layout takes no arguments (got ${positionals.join(' ')})`);
        const machine = bootMachine(loadLayout(values.layout as string | undefined));
        io.out(values.json ? JSON.stringify(layoutJson(machine), null, 2) : formatLayout(machine));
        return 0;
      }
      case 'translate': {
        const { values, positionals } = parse(rest, { space: { type: 'string' }, layout: { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } });
        const machine = bootMachine(loadLayout(values.layout as string | undefined));
        const space = requireSpace(machine, values.space as string | undefined);
        if (positionals.length === 0) throw new UsageError('translate needs at least one virtual address');
        const vas = positionals.map(parseVa);
        const results = vas.map((va) => translate(machine, { space }, va));
        if (values.json) {
          io.out(JSON.stringify(results.map((t) => ({
            space: t.space, va: hexPlain(t.va), ok: t.ok, pa: t.pa === null ? null : hexPlain(t.pa), chunk: t.chunk?.name ?? null, fault: t.fault,
            levels: t.levels.map((l) => ({ level: l.level, index: l.index, entryAddress: hexPlain(l.entryAddress), raw: hex64Plain(l.lo, l.hi), flags: l.flags })),
          })), null, 2));
        } else {
          io.out(results.map((t) => (values.verbose ? formatTranslation(t) : formatTranslationLine(t))).join(values.verbose ? '\n\n' : '\n'));
        }
        return 0;
      }
      case 'tables': {
        const { values, positionals } = parse(rest, { space: { type: 'string' }, layout: { type: 'string' } });
        if (positionals.length) throw new UsageError(`tables takes no arguments (got ${positionals.join(' ')})`);
        const machine = bootMachine(loadLayout(values.layout as string | undefined));
        const space = requireSpace(machine, values.space as string | undefined);
        if (machine.space(space)!.pdpt === null) throw new UsageError(`${space} runs with paging off (linear = physical): it has no page tables`);
        const { cr3, entries } = pagingEntries(machine, space);
        io.out(JSON.stringify({ cr3: hexPlain(cr3), writes: entries.map((e) => ({ pa: hexPlain(e.pa), u64: hex64Plain(e.lo, e.hi) })) }));
        return 0;
      }
      case 'run': {
        const { values, positionals } = parse(rest, {
          layout: { type: 'string' }, cpus: { type: 'string' }, trace: { type: 'boolean' }, 'max-steps': { type: 'string' }, timer: { type: 'string' }, json: { type: 'boolean' },
          'tlb-policy': { type: 'string' }, 'tlb-seed': { type: 'string' }, 'check-tlb': { type: 'boolean' },
        });
        if (positionals.length !== 1) throw new UsageError('run takes one program file: mover run examples/fig7-dnlc.mover');
        const count = (name: string, dflt: number, max: number): number => {
          const raw = values[name];
          if (raw === undefined) return dflt;
          const v = parseNumber(String(raw));
          if (v === undefined || v < 1 || v > max) throw new UsageError(`--${name} takes a whole number from 1 to ${max} (got ${raw})`);
          return v;
        };
        const policy = values['tlb-policy'] as string | undefined;
        if (policy !== undefined && !TLB_POLICIES.includes(policy as TlbPolicy)) throw new UsageError(`--tlb-policy takes one of ${TLB_POLICIES.join(', ')} (got ${policy})`);
        const seed = values['tlb-seed'] === undefined ? undefined : parseNumber(String(values['tlb-seed']));
        if (seed === undefined && values['tlb-seed'] !== undefined || seed !== undefined && seed > 0xffffffff) throw new UsageError(`--tlb-seed takes a whole number from 0 to 4294967295 (got ${values['tlb-seed']})`);
        const layout = loadLayout(values.layout as string | undefined);
        return runProgram({
          ...(policy !== undefined ? { tlbPolicy: policy as TlbPolicy } : {}), ...(seed !== undefined ? { tlbSeed: seed } : {}),
          file: positionals[0], layout, cpus: count('cpus', DEFAULT_CPUS, MAX_CPUS), maxSteps: count('max-steps', DEFAULT_MAX_STEPS, 2 ** 50), trace: !!values.trace, json: !!values.json,
          ...(values.timer !== undefined ? { timerQuantum: count('timer', DEFAULT_TIMER_QUANTUM, 2 ** 31) } : {}),
          ...(values['check-tlb'] ? { checkTlb: true } : {}),
        }, io);
      }
      case 'demo': {
        const machine = bootMachine(defaultLayout());
        io.out(formatLayout(machine));
        io.out('\nThe same virtual addresses in each space (FIG. 5): C1 and C3 are common, the middle differs.\n');
        const vas = [0x0000_1000, 0x2000_1000, 0xefff_f000, 0xf000_0000];
        for (const va of vas) io.out(machine.spaces.map((s) => formatTranslationLine(translate(machine, { space: s.name }, va))).join('\n'));
        io.out('\nOne walk in full (FIG. 4: CR3 -> PDPTE -> PDE -> PTE -> PA):\n');
        io.out(formatTranslation(translate(machine, { space: 'VS1' }, 0x2000_1234)));
        io.out('\nTry: npx mover translate --space VS2 --verbose 0x2000_0000');
        return 0;
      }
      case 'test':
        throw new UsageError('test runs asynchronously: call runTestCli');
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? EXIT_USAGE : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    return failed(e, io);
  }
}

/** A usage or data error as its exit code; anything else is a bug and goes on up. */
function failed(e: unknown, io: Io): number {
  if (e instanceof UsageError) { io.err(`mover: ${e.message}\n\n${USAGE}`); return EXIT_USAGE; }
  if (e instanceof DataError) { io.err(`mover: ${e.message}`); return EXIT_DATA; }
  throw e;
}

/** `mover test`: runs in worker threads, so it is the one command that is asynchronous. */
export async function runTestCli(args: string[], terminal: Io): Promise<number> {
  const io: Io = { out: (t) => terminal.out(escapeControls(t, SAFE_CONTROLS)), err: (t) => terminal.err(escapeControls(t, SAFE_CONTROLS)) };
  try {
    const { values, positionals } = parse(args, {
      reporter: { type: 'string' }, grep: { type: 'string' }, coverage: { type: 'boolean' }, 'coverage-dir': { type: 'string' }, layout: { type: 'string' }, jobs: { type: 'string' },
    });
    const reporter = (values.reporter as string | undefined) ?? 'spec';
    if (!(reporter in REPORTERS)) throw new UsageError(`--reporter is one of ${Object.keys(REPORTERS).join(', ')} (got ${reporter})`);
    let grep: RegExp | undefined;
    if (values.grep !== undefined) {
      try { grep = new RegExp(String(values.grep)); } catch (e) { throw new UsageError(`--grep takes a regular expression: ${(e as Error).message}`); }
    }
    const rawJobs = values.jobs as string | undefined;
    const jobs = rawJobs === undefined ? DEFAULT_TEST_JOBS : parseNumber(rawJobs);
    if (jobs === undefined || jobs < 1 || jobs > 64) throw new UsageError(`--jobs takes a whole number from 1 to 64 (got ${rawJobs})`);
    const layoutFile = values.layout as string | undefined;
    return await runTests({
      paths: positionals.length ? positionals : ['.'], reporter: reporter as ReporterName, ...(grep ? { grep } : {}), coverage: !!values.coverage,
      coverageDir: (values['coverage-dir'] as string | undefined) ?? 'coverage', layout: loadLayout(layoutFile), ...(layoutFile !== undefined ? { layoutFile } : {}), jobs,
    }, io);
  } catch (e) {
    return failed(e, io);
  }
}

/** Entry point for `bin/mover.js` and `node dist/cli.js`. */
export function main(argv = process.argv.slice(2)): void {
  // `mover run --trace prog | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); });
  const io: Io = { out: (t) => process.stdout.write(t + '\n'), err: (t) => process.stderr.write(t + '\n') };
  const internal = (e: unknown) => {
    process.stderr.write(`mover: internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 70;
  };
  if (argv[0] === 'test') {
    runTestCli(argv.slice(1), io).then((code) => { process.exitCode = code; }, internal);
    return;
  }
  try {
    process.exitCode = runCli(argv, io);
  } catch (e) {
    internal(e);
  }
}

// The bundle is also the script of `mover test`'s worker threads, which must not run the command line.
if (require.main === module && !isTestWorker()) main();
