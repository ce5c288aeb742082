// What `mover test` prints (spec for people, TAP and JUnit for CI, JSON for the Test Explorer) and
// the coverage files it writes (lcov line coverage, the address-space report per test).

import * as path from 'node:path';
import type { TestFailure, TestResult } from '../emulator/index';

export interface TestReport {
  readonly results: readonly TestResult[];
  /** Files whose tests could not run because they do not assemble (each counts as a failure). */
  readonly brokenFiles: number;
  readonly ms: number;
}

export interface Reporter {
  start(count: number, out: (text: string) => void): void;
  /** Called in source order. */
  test(r: TestResult, index: number): void;
  end(report: TestReport): void;
}

/** A path as people read it: relative when under the current folder. */
const rel = (file: string) => {
  const r = path.relative(process.cwd(), file);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : file;
};
const where = (p: { file: string; line: number; column?: number }) => `${rel(p.file)}:${p.line}${p.column !== undefined ? `:${p.column}` : ''}`;
const ms = (n: number) => `${Math.round(n)} ms`;

/** The failure as one block of text: the message, the position and an assert's values. */
export function failureText(f: TestFailure): string {
  const values = f.actual !== undefined ? `\n  actual:   ${f.actual}\n  expected: ${f.expected}` : '';
  return `${f.message}\n  at ${where(f)}${f.thread !== undefined ? ` (thread ${f.thread})` : ''}${values}`;
}

function spec(): Reporter {
  let out: (t: string) => void = () => undefined;
  return {
    start(_count, o) { out = o; },
    test(r) {
      out(`${r.passed ? 'pass' : 'FAIL'}  ${r.name}  ${where(r.at)}  ${ms(r.ms)}`);
      if (r.failure) out(failureText(r.failure).split('\n').map((l) => `      ${l}`).join('\n'));
      for (const l of r.passed ? [] : r.console) out(`      | ${l}`);
    },
    end(rep) {
      const failed = rep.results.filter((r) => !r.passed).length;
      const broken = rep.brokenFiles ? `, ${rep.brokenFiles} file${rep.brokenFiles === 1 ? '' : 's'} with assembly errors` : '';
      out(`${rep.results.length - failed} passed, ${failed} failed${broken} (${ms(rep.ms)})`);
    },
  };
}

/** TAP 13: the plan first, one `ok`/`not ok` line per test, a YAML block under each failure. */
function tap(): Reporter {
  let out: (t: string) => void = () => undefined;
  const yamlString = (s: string) => JSON.stringify(s);
  return {
    start(count, o) { out = o; out('TAP version 13'); out(`1..${count}`); },
    test(r, i) {
      out(`${r.passed ? 'ok' : 'not ok'} ${i + 1} - ${r.name.replace(/#/g, '\\#')} # time=${r.ms.toFixed(1)}ms`);
      if (!r.failure) return;
      const f = r.failure;
      const yaml = [
        '  ---', `  message: ${yamlString(f.message)}`, `  severity: fail`, `  kind: ${f.kind}`,
        `  at:`, `    file: ${yamlString(rel(f.file))}`, `    line: ${f.line}`, `    column: ${f.column}`,
        ...(f.actual !== undefined ? [`  actual: ${yamlString(f.actual)}`, `  expected: ${yamlString(f.expected ?? '')}`] : []),
        '  ...',
      ];
      for (const l of yaml) out(l);
    },
    end(rep) {
      const failed = rep.results.filter((r) => !r.passed).length;
      out(`# tests ${rep.results.length}`); out(`# pass ${rep.results.length - failed}`); out(`# fail ${failed}`);
      if (rep.brokenFiles) out(`# files with assembly errors ${rep.brokenFiles}`);
    },
  };
}

// Control characters, which XML 1.0 cannot hold, never get here: the CLI escapes them (cli/main.ts).
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML: one testsuite per file, one testcase per test (classname = the file). */
function junit(): Reporter {
  let out: (t: string) => void = () => undefined;
  const seconds = (n: number) => (n / 1000).toFixed(3);
  return {
    start(_count, o) { out = o; },
    test() { /* written at the end: a testsuite element carries its counts */ },
    end(rep) {
      const byFile = new Map<string, TestResult[]>();
      for (const r of rep.results) {
        if (!byFile.has(r.at.file)) byFile.set(r.at.file, []);
        byFile.get(r.at.file)!.push(r);
      }
      const failures = rep.results.filter((r) => !r.passed).length;
      const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="mover test" tests="${rep.results.length}" failures="${failures}" errors="${rep.brokenFiles}" time="${seconds(rep.ms)}">`];
      for (const [file, rs] of byFile) {
        const f = rs.filter((r) => !r.passed).length;
        lines.push(`  <testsuite name="${xml(rel(file))}" tests="${rs.length}" failures="${f}" time="${seconds(rs.reduce((a, r) => a + r.ms, 0))}">`);
        for (const r of rs) {
          const open = `    <testcase name="${xml(r.name)}" classname="${xml(rel(file))}" file="${xml(rel(file))}" line="${r.at.line}" time="${seconds(r.ms)}"`;
          if (!r.failure) { lines.push(`${open}/>`); continue; }
          lines.push(`${open}>`, `      <failure message="${xml(r.failure.message)}" type="${r.failure.kind}">${xml(failureText(r.failure))}</failure>`);
          if (r.console.length) lines.push(`      <system-out>${xml(r.console.join('\n'))}</system-out>`);
          lines.push('    </testcase>');
        }
        lines.push('  </testsuite>');
      }
      lines.push('</testsuites>');
      out(lines.join('\n'));
    },
  };
}

/** The results as JSON, one document at the end: what the Test Explorer reads. */
function json(): Reporter {
  let out: (t: string) => void = () => undefined;
  return {
    start(_count, o) { out = o; },
    test() { /* one document at the end */ },
    end(rep) { out(JSON.stringify({ results: rep.results, brokenFiles: rep.brokenFiles, ms: rep.ms })); },
  };
}

export const REPORTERS = { spec, tap, junit, json } as const;
export type ReporterName = keyof typeof REPORTERS;

/** lcov: every instruction line of every file the tests ran, with hits summed over the tests. */
export function lcov(results: readonly TestResult[]): string {
  const files = new Map<string, Map<number, number>>();
  for (const r of results) {
    for (const f of r.coverage?.files ?? []) {
      if (!files.has(f.file)) files.set(f.file, new Map());
      const lines = files.get(f.file)!;
      for (const [line, hits] of f.lines) lines.set(line, (lines.get(line) ?? 0) + hits);
    }
  }
  const out: string[] = [];
  for (const [file, lines] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    out.push('TN:', `SF:${file}`);
    const sorted = [...lines].sort((a, b) => a[0] - b[0]);
    for (const [line, hits] of sorted) out.push(`DA:${line},${hits}`);
    out.push(`LF:${sorted.length}`, `LH:${sorted.filter(([, h]) => h > 0).length}`, 'end_of_record');
  }
  return out.join('\n') + '\n';
}

/** Per test: the spaces, chunks and pages it touched, its TLB activity and copy-on-first-writes. */
export function addressSpaceReport(results: readonly TestResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    const c = r.coverage;
    if (!c) continue;
    out.push(`${r.name} (${where(r.at)}): ${r.passed ? 'passed' : 'failed'}, ${r.steps} instructions`);
    out.push(`  spaces: ${c.spaces.map((s) => `${s.space} (${s.pages.length} page${s.pages.length === 1 ? '' : 's'})`).join(', ') || 'none'}`);
    out.push(`  chunks: ${c.chunks.map((k) => `${k.name} (${k.pages} page${k.pages === 1 ? '' : 's'})`).join(', ') || 'none'}`);
    for (const t of c.tlb) out.push(`  cpu${t.cpu} TLB: ${t.misses} misses, ${t.walks} walks, ${t.flushes} flushes`);
    out.push(`  copy-on-first-write: ${c.cofw.length ? c.cofw.map((e) => `block ${e.block} -> save ${e.save}`).join(', ') : 'none'}`);
    for (const s of c.spaces) {
      for (const p of s.pages) out.push(`    ${s.space} ${p.va} -> ${p.pa} ${p.chunk ?? '(no chunk)'} ${p.read ? 'r' : '-'}${p.written ? 'w' : '-'}`);
    }
  }
  return out.join('\n') + '\n';
}
