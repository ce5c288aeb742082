// The program's source files as the client sees them: a Source for each (a file on disk by its path
// alone, so the editor opens the file itself; only text with no file behind it gets a reference), the
// client's line and column bases, where each instruction is, which lines can hold a breakpoint or a goto
// target, and the `source` request, which serves only the launched program's own files.

import { Source } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { nodeSourceHost, type Program } from '../emulator/index';
import { lineTable, resolveLine, type ClientLines } from './breakpoints';
import { textAddress } from './memory-ref';
import { bad } from './request';

function isFile(file: string): boolean {
  try { return statSync(file).isFile(); } catch { return false; }
}

export class ProgramSources implements ClientLines {
  private program: Program | null = null;
  /** Whether each source file of the program is a file on disk (asked once per load). */
  private onDisk = new Map<string, boolean>();
  private linesStartAt1 = true;
  private columnsStartAt1 = true;

  /** @param toClientPath the session's conversion of a path to the client's form. */
  constructor(private readonly toClientPath: (file: string) => string) {}

  /** The client's bases, from its initialize arguments. */
  configure(args: DebugProtocol.InitializeRequestArguments): void {
    this.linesStartAt1 = args.linesStartAt1 !== false;
    this.columnsStartAt1 = args.columnsStartAt1 !== false;
  }

  load(program: Program): void {
    this.program = program;
    this.onDisk = new Map();
  }

  toDebuggerLine(clientLine: number): number {
    return this.linesStartAt1 ? clientLine : clientLine + 1;
  }

  toClientLine(debuggerLine: number): number {
    return this.linesStartAt1 ? debuggerLine : debuggerLine - 1;
  }

  /** A one-based column as the client counts columns. */
  toClientColumn(column: number): number {
    return this.columnsStartAt1 ? column : column - 1;
  }

  location(pc: number): { source: DebugProtocol.Source; line: number; column: number } {
    const p = this.loaded();
    const fileIndex = p.srcFile[pc];
    return { source: this.sourceOf(fileIndex, p.files[fileIndex]), line: this.toClientLine(p.srcLine[pc] + 1), column: this.toClientColumn(p.srcCol[pc] + 1) };
  }

  sourceOf(index: number, file: string): Source {
    let onDisk = this.onDisk.get(file);
    if (onDisk === undefined) this.onDisk.set(file, (onDisk = isFile(file)));
    return new Source(path.basename(file), this.toClientPath(file), onDisk ? 0 : index + 1);
  }

  loadedSources(): DebugProtocol.LoadedSourcesResponse['body'] {
    return { sources: (this.program?.files ?? []).map((f, i) => this.sourceOf(i, f)) };
  }

  breakpointLocations(a: DebugProtocol.BreakpointLocationsArguments): DebugProtocol.BreakpointLocationsResponse['body'] {
    if (typeof a.source?.path !== 'string' || typeof a.line !== 'number' || (a.endLine !== undefined && typeof a.endLine !== 'number')) throw bad('breakpointLocations needs a source path and a line (and endLine a number)');
    if (!this.program) return { breakpoints: [] };
    const m = lineTable(this.program).get(path.normalize(path.resolve(a.source.path)));
    const from = this.toDebuggerLine(a.line) - 1;
    const to = a.endLine !== undefined ? this.toDebuggerLine(a.endLine) - 1 : from;
    // The file's lines with code, not the range asked for: an endLine of 1e15 must not loop 1e15 times.
    const lines = [...(m?.keys() ?? [])].filter((l) => l >= from && l <= to).sort((x, y) => x - y);
    return { breakpoints: lines.map((l) => ({ line: this.toClientLine(l + 1) })) };
  }

  /** The one target of a line: the instruction a breakpoint there would land on (its id is pc + 1). */
  gotoTargets(a: DebugProtocol.GotoTargetsArguments): DebugProtocol.GotoTargetsResponse['body'] {
    if (typeof a.source?.path !== 'string' || typeof a.line !== 'number') throw bad('gotoTargets needs a source path and a line');
    if (!this.program) return { targets: [] };
    const r = resolveLine(lineTable(this.program), path.resolve(a.source.path), this.toDebuggerLine(a.line) - 1);
    if (!r) return { targets: [] };
    return { targets: [{ id: r.pc + 1, label: `${path.basename(a.source.path)}:${r.line + 1}`, line: this.toClientLine(r.line + 1), instructionPointerReference: textAddress(r.pc) }] };
  }

  /** Only the launched program's own files (the program and its includes), never any other path. */
  source(a: DebugProtocol.SourceArguments): DebugProtocol.SourceResponse['body'] {
    const files = this.program?.files ?? [];
    const ref = a.source?.sourceReference ?? a.sourceReference;
    const byPath = typeof a.source?.path === 'string' ? path.normalize(path.resolve(a.source.path)) : undefined;
    const file = (ref ? files[ref - 1] : undefined) ?? files.find((f) => byPath !== undefined && path.normalize(path.resolve(f)) === byPath);
    if (!file) throw bad(this.program ? 'no such source: only the files of the launched program are served' : 'no program is loaded: launch one first');
    const text = nodeSourceHost.readFile(file);
    if (text === undefined) throw bad(`cannot read ${file}`);
    return { content: text, mimeType: 'text/x-mover' };
  }

  private loaded(): Program {
    if (!this.program) throw bad('no program is loaded: launch one first');
    return this.program;
  }
}
