// What the language server knows: the open documents, the .mover files of the workspace, the library,
// and the active layout; and, on demand, the assembler's analysis of a program.
//
// A file is analysed as part of the program that includes it (its "root"): an included file assembled
// on its own would report the labels its includer defines as unknown. A file that nothing includes is
// its own root. Analyses are cached until any document, file or the layout changes (assembly is
// milliseconds, so the cache only spares repeated requests between edits).

import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assemble, defaultLayout, describeLayoutFileFailure, loadLayoutFile, readSourceFile, resolveInclude, type AssemblyResult, type Layout, type SourceHost, type Span } from '../emulator/index';

/** The text of an open document, as the editor has it (possibly unsaved). */
export interface OpenDocument {
  readonly uri: string;
  readonly version: number;
  getText(): string;
}

export interface DocumentSource {
  get(uri: string): OpenDocument | undefined;
  all(): readonly OpenDocument[];
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.normalize(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).toString();
}

/** One assembled program and the lines of each of its files. */
export class Analysis {
  private readonly lineCache = new Map<number, string[]>();

  constructor(readonly root: string, readonly result: AssemblyResult, private readonly read: (file: string) => string | undefined) {}

  /** The index of a file in this program, or -1. */
  fileIndex(file: string): number {
    return this.result.files.indexOf(path.normalize(file));
  }

  lines(file: number): string[] {
    let l = this.lineCache.get(file);
    if (!l) {
      l = (this.read(this.result.files[file]) ?? '').split('\n');
      this.lineCache.set(file, l);
    }
    return l;
  }

  /** The text a span covers. */
  text(span: Span): string {
    return (this.lines(span.file)[span.line] ?? '').slice(span.col, span.endCol);
  }
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test']);
const MAX_WORKSPACE_FILES = 5000;
const INCLUDE_RE = /^[ \t]*(?:[A-Za-z_.][\w.$]*:[ \t]*)*\.include[ \t]+"([^"]+)"/gim;

export class Project {
  private generation = 0;
  private readonly analyses = new Map<string, { generation: number; analysis: Analysis }>();
  private readonly diskCache = new Map<string, { mtime: number; text: string | undefined }>();
  private workspaceFiles: string[] | undefined;
  private layoutValue: Layout = defaultLayout();
  /** What is wrong with the configured layout, if anything (the default layout is used instead). */
  layoutProblem: string | undefined;
  layoutFile: string | undefined;
  folders: string[] = [];

  constructor(private readonly docs: DocumentSource, readonly libraryDir: string) {}

  get layout(): Layout {
    return this.layoutValue;
  }

  /** Something changed: every cached analysis is out of date. */
  invalidate(filesChanged = false): void {
    this.generation++;
    if (filesChanged) {
      this.workspaceFiles = undefined;
      this.diskCache.clear();
    }
  }

  /** Uses the layout file (absolute, or relative to the first workspace folder); empty: the patent's. */
  setLayout(file: string | undefined): void {
    this.layoutProblem = undefined;
    this.layoutFile = undefined;
    this.layoutValue = defaultLayout();
    if (file) {
      const resolved = path.isAbsolute(file) ? file : path.resolve(this.folders[0] ?? process.cwd(), file);
      this.layoutFile = resolved;
      const r = loadLayoutFile(resolved);
      if (r.ok) this.layoutValue = r.layout;
      else this.layoutProblem = describeLayoutFileFailure(r, '; ');
    }
    this.invalidate();
  }

  /** A file's text: the open document's if it is open, else the disk's. */
  readonly host: SourceHost = {
    readFile: (file) => this.read(file),
    unreadable: (file) => {
      const r = this.docs.get(pathToUri(path.normalize(file))) ? undefined : readSourceFile(file);
      return r && !r.ok && !r.missing ? r.reason : undefined;
    },
  };

  read(file: string): string | undefined {
    const norm = path.normalize(file);
    const doc = this.docs.get(pathToUri(norm));
    if (doc) return doc.getText();
    let mtime: number;
    try {
      const st = statSync(norm);
      if (!st.isFile()) return undefined;
      mtime = st.mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.diskCache.get(norm);
    if (cached && cached.mtime === mtime) return cached.text;
    const r = readSourceFile(norm);
    const text = r.ok ? r.text : undefined;
    this.diskCache.set(norm, { mtime, text });
    return text;
  }

  /** Every .mover file of the workspace folders (skipping node_modules, .git, dist, out). */
  listWorkspaceFiles(): string[] {
    if (this.workspaceFiles) return this.workspaceFiles;
    const out: string[] = [];
    const walk = (dir: string, depth: number) => {
      if (depth > 12 || out.length >= MAX_WORKSPACE_FILES) return;
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names.sort()) {
        if (out.length >= MAX_WORKSPACE_FILES) return;
        const p = path.join(dir, name);
        let st;
        try {
          st = statSync(p);
        } catch {
          continue;
        }
        if (st.isDirectory()) {
          if (!SKIP_DIRS.has(name) && !name.startsWith('.')) walk(p, depth + 1);
        } else if (name.endsWith('.mover')) {
          out.push(path.normalize(p));
        }
      }
    };
    for (const f of this.folders) walk(f, 0);
    this.workspaceFiles = out;
    return out;
  }

  /** Files the project knows: open .mover documents and the workspace's .mover files. */
  knownFiles(): string[] {
    const set = new Set(this.listWorkspaceFiles());
    for (const d of this.docs.all()) {
      const p = uriToPath(d.uri);
      if (p && p.endsWith('.mover')) set.add(p);
    }
    return [...set];
  }

  /** The files a file's `.include` lines name, resolved as the assembler does. */
  includesOf(file: string): string[] {
    const text = this.read(file);
    if (text === undefined) return [];
    const out: string[] = [];
    for (const m of text.matchAll(INCLUDE_RE)) {
      out.push(resolveInclude(file, m[1], [this.libraryDir], (c) => this.read(c) !== undefined));
    }
    return out;
  }

  /** The programs a file belongs to: the known files that include it (transitively) and nothing includes; itself when none does. */
  rootsOf(file: string): string[] {
    const norm = path.normalize(file);
    const includers = new Map<string, string[]>();
    for (const f of this.knownFiles()) {
      for (const inc of this.includesOf(f)) {
        if (inc === f) continue;
        const list = includers.get(inc) ?? [];
        list.push(f);
        includers.set(inc, list);
      }
    }
    const roots: string[] = [];
    const seen = new Set<string>([norm]);
    const queue = [norm];
    while (queue.length) {
      const f = queue.shift()!;
      const up = (includers.get(f) ?? []).filter((x) => !seen.has(x));
      if (up.length === 0 && f !== norm) roots.push(f);
      for (const u of up) { seen.add(u); queue.push(u); }
    }
    if (roots.length === 0) roots.push(norm);
    // The file's own program first when it is a root; then a stable order.
    return roots.sort();
  }

  /** The program a file is analysed in: the first of its roots that is open, else the first root. */
  analysisFor(file: string): Analysis {
    const roots = this.rootsOf(file);
    const open = roots.find((r) => this.docs.get(pathToUri(r)));
    return this.analyze(open ?? roots[0]);
  }

  analyze(root: string): Analysis {
    const norm = path.normalize(root);
    const cached = this.analyses.get(norm);
    if (cached && cached.generation === this.generation) return cached.analysis;
    const result = assemble(norm, this.read(norm), { host: this.host, includePath: [this.libraryDir], layout: this.layoutValue });
    const analysis = new Analysis(norm, result, (f) => this.read(f));
    this.analyses.set(norm, { generation: this.generation, analysis });
    return analysis;
  }

  /** Is the file part of the shipped library (renaming its symbols would edit the extension)? */
  isLibrary(file: string): boolean {
    const rel = path.relative(this.libraryDir, file);
    return !rel.startsWith('..') && !path.isAbsolute(rel);
  }

  /** Forgets analyses of files that are no longer open or known (keeps memory bounded). */
  prune(): void {
    const known = new Set(this.knownFiles());
    for (const k of this.analyses.keys()) if (!known.has(k)) this.analyses.delete(k);
  }
}
