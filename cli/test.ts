// `mover test [PATH...]`: finds the `.test`s of the .mover files in the given files and folders, runs
// each in a fresh machine (in worker threads when there are several, one per core up to --jobs) and
// reports them in source order whatever order they finish in, so the output is deterministic.
// Exit codes: 0 every test passed; 1 a test failed, a file did not assemble, or no test was found.

import { readdirSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  Machine, SOURCE_EXTENSION, assemble, libraryDir, loadLayoutFile, nodeSourceHost, runTest,
  type Diagnostic, type Layout, type Program, type TestResult,
} from '../emulator/index';
import { formatDiagnostic } from './run';
import { REPORTERS, addressSpaceReport, lcov, type ReporterName, type TestReport } from './test-report';

export const EXIT_TESTS_PASSED = 0;
export const EXIT_TESTS_FAILED = 1;

export interface TestOptions {
  readonly paths: readonly string[];
  readonly reporter: ReporterName;
  readonly grep?: RegExp;
  readonly coverage: boolean;
  /** Where --coverage writes lcov.info and the address-space reports. */
  readonly coverageDir: string;
  /** A layout file (workers load it themselves), or the patent's layout. */
  readonly layoutFile?: string;
  readonly layout: Layout;
  readonly jobs: number;
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** One test to run: which file, and which of its `.test`s. */
interface Job {
  readonly file: string;
  readonly index: number;
}

interface WorkerInput {
  readonly moverTestWorker: true;
  readonly layoutFile?: string;
  readonly coverage: boolean;
}

/** Folders never searched: dependencies and version control. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);
/** Quick text check before assembling a file: only files that may hold a `.test` are assembled. */
const MAY_HOLD_TEST = /^[^;\n"]*\.test\b/im;

/** The .mover files under the paths, sorted, each once. */
export function findTestFiles(paths: readonly string[]): { files: string[]; missing: string[] } {
  const files = new Set<string>();
  const missing: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (SKIPPED_FOLDERS.has(name) || name.startsWith('.')) continue;
      const p = path.join(dir, name);
      const s = statSync(p, { throwIfNoEntry: false });
      if (s?.isDirectory()) walk(p);
      else if (s?.isFile() && name.endsWith(SOURCE_EXTENSION)) files.add(p);
    }
  };
  for (const given of paths) {
    const p = path.resolve(given);
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) missing.push(given);
    else if (s.isDirectory()) walk(p);
    else files.add(p);
  }
  return { files: [...files], missing };
}

/** Assembles each file once per thread: a worker runs many tests of the same file. */
class Programs {
  private readonly cache = new Map<string, { program: Program | null; diagnostics: readonly Diagnostic[]; files: readonly string[] }>();
  constructor(private readonly layout: Layout | undefined) {}

  get(file: string): { program: Program | null; diagnostics: readonly Diagnostic[]; files: readonly string[] } {
    let r = this.cache.get(file);
    if (!r) {
      const a = assemble(file, undefined, { host: nodeSourceHost, includePath: [libraryDir(__dirname)], ...(this.layout ? { layout: this.layout } : {}) });
      r = { program: a.program, diagnostics: a.diagnostics, files: a.files.length ? a.files : [file] };
      this.cache.set(file, r);
    }
    return r;
  }
}

function runJob(programs: Programs, job: Job, coverage: boolean, layout: Layout | undefined): TestResult {
  const program = programs.get(job.file).program!;
  return runTest(program, program.tests[job.index], { coverage, ...(layout ? { layout } : {}) });
}

/** The worker side: runs the jobs it is sent and posts each result back. */
function serveJobs(): void {
  const input = workerData as WorkerInput;
  let layout: Layout | undefined;
  if (input.layoutFile !== undefined) {
    const r = loadLayoutFile(input.layoutFile);
    if (r.ok) layout = r.layout;
  }
  const programs = new Programs(layout);
  // The first machine of a process builds the boot image the later ones share: build it before the
  // first test, so each test's time is its own.
  void new Machine(layout ? { layout } : {});
  parentPort!.on('message', (job: Job | null) => {
    if (job === null) { parentPort!.close(); return; }
    parentPort!.postMessage(runJob(programs, job, input.coverage, layout));
  });
}

/** Is this thread a `mover test` worker? (The CLI bundle is the worker's script too.) */
export function isTestWorker(): boolean {
  return !isMainThread && typeof workerData === 'object' && workerData !== null && (workerData as Partial<WorkerInput>).moverTestWorker === true;
}

if (isTestWorker()) serveJobs();

/** Runs the jobs on `jobs` workers; results come back by job index. Needs the bundled CLI (a .js file). */
function runInWorkers(jobs: readonly Job[], o: TestOptions, onResult: (i: number, r: TestResult) => void): Promise<void> {
  const input: WorkerInput = { moverTestWorker: true, coverage: o.coverage, ...(o.layoutFile !== undefined ? { layoutFile: o.layoutFile } : {}) };
  let next = 0;
  const workers = Array.from({ length: Math.min(o.jobs, jobs.length) }, () => new Worker(__filename, { workerData: input }));
  return new Promise((resolve, reject) => {
    let open = workers.length;
    for (const w of workers) {
      let current = -1;
      const feed = () => {
        current = next < jobs.length ? next++ : -1;
        w.postMessage(current < 0 ? null : jobs[current]);
      };
      w.on('message', (r: TestResult) => { onResult(current, r); feed(); });
      w.on('error', reject);
      w.on('exit', () => { if (--open === 0) resolve(); });
      feed();
    }
  });
}

export async function runTests(o: TestOptions, io: Io): Promise<number> {
  const started = Date.now();
  const { files, missing } = findTestFiles(o.paths);
  for (const m of missing) io.err(`mover: no such file or folder: ${m}`);
  const programs = new Programs(o.layoutFile !== undefined ? o.layout : undefined);
  const jobs: Job[] = [];
  let broken = 0;
  for (const file of files) {
    const text = nodeSourceHost.readFile(file);
    if (text === undefined || !MAY_HOLD_TEST.test(text)) continue;
    const r = programs.get(file);
    if (!r.program) {
      broken++;
      const lines = (f: string, l: number) => nodeSourceHost.readFile(f)?.split('\n')[l];
      for (const d of r.diagnostics) io.err(formatDiagnostic(d, r.files, lines));
      io.err(`mover: ${path.relative(process.cwd(), file) || file} has assembly errors; its tests were not run`);
      continue;
    }
    r.program.tests.forEach((t, index) => {
      // A test belongs to the file that declares it, not to every file that includes that file.
      if (r.program!.files[t.span.file] === r.program!.files[0] && (!o.grep || o.grep.test(t.name))) jobs.push({ file, index });
    });
  }
  const reporter = REPORTERS[o.reporter]();
  const results: (TestResult | undefined)[] = new Array(jobs.length);
  let printed = 0;
  const lines: string[] = [];
  reporter.start(jobs.length, (t) => lines.push(t));
  const flush = () => { for (const l of lines.splice(0)) io.out(l); };
  flush();
  const onResult = (i: number, r: TestResult) => {
    results[i] = r;
    // Report in source order as soon as every earlier test is in.
    while (printed < jobs.length && results[printed]) reporter.test(results[printed]!, printed++);
    flush();
  };
  // Workers need the bundle as their script; from sources (tsx) the tests run in this thread.
  if (o.jobs > 1 && jobs.length > 1 && __filename.endsWith('.js')) await runInWorkers(jobs, o, onResult);
  else if (jobs.length) {
    void new Machine(o.layoutFile !== undefined ? { layout: o.layout } : {}); // the boot image, as in a worker
    jobs.forEach((j, i) => onResult(i, runJob(programs, j, o.coverage, o.layoutFile !== undefined ? o.layout : undefined)));
  }
  const done = results as TestResult[];
  const report: TestReport = { results: done, brokenFiles: broken, ms: Date.now() - started };
  reporter.end(report);
  flush();
  if (o.coverage) {
    mkdirSync(o.coverageDir, { recursive: true });
    const lcovFile = path.join(o.coverageDir, 'lcov.info');
    writeFileSync(lcovFile, lcov(done));
    const spacesFile = path.join(o.coverageDir, 'address-spaces.txt');
    writeFileSync(spacesFile, addressSpaceReport(done));
    const spaces = done.map((r) => ({ name: r.name, file: r.at.file, spaces: r.coverage?.spaces, chunks: r.coverage?.chunks, tlb: r.coverage?.tlb, cofw: r.coverage?.cofw }));
    writeFileSync(path.join(o.coverageDir, 'address-spaces.json'), JSON.stringify(spaces, null, 2) + '\n');
    // Machine-readable reporters own stdout.
    const note = `coverage: ${path.relative(process.cwd(), lcovFile)} (lines), ${path.relative(process.cwd(), spacesFile)} (address spaces)`;
    if (o.reporter === 'spec') io.out(note); else io.err(note);
  }
  if (jobs.length === 0 && broken === 0) {
    io.err(`mover: no tests found in ${o.paths.join(' ')}${o.grep ? ` matching ${o.grep}` : ''} (a test is declared with .test NAME, entry)`);
    return EXIT_TESTS_FAILED;
  }
  return done.every((r) => r.passed) && broken === 0 && missing.length === 0 ? EXIT_TESTS_PASSED : EXIT_TESTS_FAILED;
}

/** --jobs default: one worker per core, as the machine has them. */
export const DEFAULT_TEST_JOBS = Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
