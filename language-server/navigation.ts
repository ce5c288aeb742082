// Go to definition, find references, document highlights and rename, across included files and every
// program of the workspace that uses the symbol. A symbol is its full name in the file that defines it:
// two programs that each define their own `start` do not share references.

import * as path from 'node:path';
import { DocumentHighlightKind, ResponseError, ErrorCodes, type DocumentHighlight, type Location, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { CONTROL_REGISTERS, INSTRUCTION_BY_MNEMONIC, registerIndex, type Span } from '../emulator/index';
import { allOccurrences, occurrenceAt, type Occurrence } from './occurrences';
import { pathToUri, type Analysis, type Project } from './project';

export function toRange(s: Span): Range {
  return { start: { line: s.line, character: s.col }, end: { line: s.line, character: s.endCol } };
}

function location(a: Analysis, s: Span): Location {
  return { uri: pathToUri(a.result.files[s.file]), range: toRange(s) };
}

export function definition(a: Analysis, file: number, line: number, character: number): Location | null {
  const occ = occurrenceAt(a, file, line, character);
  if (occ?.def.span) return location(a, occ.def.span);
  // `.include "x.mover"`: the file.
  const inc = a.result.includes.find((i) => i.span.file === file && i.span.line === line && character >= i.span.col && character <= i.span.endCol);
  if (inc) return { uri: pathToUri(a.result.files[inc.file]), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
  return null;
}

/** Every occurrence of the symbol under the position, in every program that shares its definition. */
function occurrencesOfSymbol(project: Project, a: Analysis, occ: Occurrence): { analysis: Analysis; occ: Occurrence }[] {
  const defSpan = occ.def.span!;
  const defFile = a.result.files[defSpan.file];
  const out: { analysis: Analysis; occ: Occurrence }[] = [];
  const seen = new Set<string>();
  const programs = new Map<string, Analysis>([[a.root, a]]);
  for (const r of project.rootsOf(defFile)) if (!programs.has(r)) programs.set(r, project.analyze(r));
  for (const p of programs.values()) {
    const d = p.result.symbols.defs.get(occ.name);
    if (!d?.span || p.result.files[d.span.file] !== defFile || d.span.line !== defSpan.line) continue;
    for (const o of allOccurrences(p)) {
      if (o.name !== occ.name) continue;
      const key = `${p.result.files[o.span.file]}:${o.span.line}:${o.span.col}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ analysis: p, occ: o });
    }
  }
  return out;
}

export function references(project: Project, a: Analysis, file: number, line: number, character: number, includeDeclaration: boolean): Location[] {
  const occ = occurrenceAt(a, file, line, character);
  if (!occ?.def.span) return [];
  return occurrencesOfSymbol(project, a, occ).filter((x) => includeDeclaration || !x.occ.isDefinition).map((x) => location(x.analysis, x.occ.span));
}

export function highlights(a: Analysis, file: number, line: number, character: number): DocumentHighlight[] {
  const occ = occurrenceAt(a, file, line, character);
  if (!occ) return [];
  return allOccurrences(a)
    .filter((o) => o.name === occ.name && o.span.file === file)
    .map((o) => ({ range: toRange(o.span), kind: o.isDefinition ? DocumentHighlightKind.Write : DocumentHighlightKind.Read }));
}

const NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;

function renameError(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidRequest, message);
}

/** The symbol under the position if it can be renamed; a ResponseError saying why not otherwise. */
function renameTarget(project: Project, a: Analysis, file: number, line: number, character: number): Occurrence {
  const occ = occurrenceAt(a, file, line, character);
  if (!occ) throw renameError('Only labels, constants, structs, fields, volumes, threads, tests and objects can be renamed.');
  if (!occ.def.span) throw renameError(`${occ.name} is a builtin of the architecture or the layout; it cannot be renamed.`);
  const defFile = a.result.files[occ.def.span.file];
  if (project.isLibrary(defFile)) throw renameError(`${occ.name} is defined in the library (${path.basename(defFile)}); renaming it would edit the extension's own files.`);
  return occ;
}

export function prepareRename(project: Project, a: Analysis, file: number, line: number, character: number): { range: Range; placeholder: string } {
  const occ = renameTarget(project, a, file, line, character);
  return { range: toRange(occ.span), placeholder: a.text(occ.span) };
}

export function rename(project: Project, a: Analysis, file: number, line: number, character: number, newName: string): WorkspaceEdit {
  const occ = renameTarget(project, a, file, line, character);
  const clean = newName.startsWith('.') && occ.def.kind === 'local-label' ? newName.slice(1) : newName;
  if (!NAME.test(clean)) throw renameError(`${JSON.stringify(newName)} is not a name: use letters, digits, _ and $, starting with a letter or _.`);
  if (registerIndex(clean) !== undefined || clean.toLowerCase() in CONTROL_REGISTERS || clean.toLowerCase() === 'sizeof') throw renameError(`${clean} is a register or keyword name.`);
  if (INSTRUCTION_BY_MNEMONIC.has(clean.toLowerCase()) && occ.def.kind !== 'field') throw renameError(`${clean} is an instruction; a label by that name would be confusing.`);
  const old = a.text(occ.span);
  const newFull = occ.def.kind === 'thread' || occ.def.kind === 'test' ? `${occ.def.kind} ${clean}` : occ.name.slice(0, occ.name.length - old.length) + clean;
  const clash = a.result.symbols.defs.get(newFull);
  if (clash && newFull !== occ.name) {
    const where = clash.span ? `${path.basename(a.result.files[clash.span.file])}:${clash.span.line + 1}` : 'a builtin';
    throw renameError(`${newFull} is already defined (${where}).`);
  }
  const changes: Record<string, TextEdit[]> = {};
  for (const { analysis, occ: o } of occurrencesOfSymbol(project, a, occ)) {
    const uri = pathToUri(analysis.result.files[o.span.file]);
    (changes[uri] ??= []).push({ range: toRange(o.span), newText: clean });
  }
  return { changes };
}
