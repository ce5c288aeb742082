// Memory panels: a hex view of a memory reference (pa:ADDR or vsN:ADDR) in an editor tab, read through
// the adapter's readMemory and written through writeMemory, as mcu-debug's memview, DeZog's memory
// views and the Memory Inspector do:
// - the webview draws only the rows on screen over the whole space (4 GiB of a space, 64 GiB of pa:)
//   and asks for the 256-byte pages it lacks; each page is read once per stop (one readMemory per run
//   of pages, one mover/translations per run for the PA column and the chunk band);
// - words of 1, 2, 4 or 8 bytes, little-endian, chosen in the view and kept by the panel;
// - bytes changed since the previous stop are marked, with their previous value;
// - a selected byte (or word) takes typed hex and writes it;
// - the view can follow an expression (sp, r3, [r1]) evaluated at every stop;
// - a `.struct` of the program laid over an address, its pointers opening memory at their targets;
// - the panel outlives its session: with none it says so and keeps the last bytes (greyed), and it
//   reattaches to the next Mover session at the same reference;
// - Open in Hex Editor: VS Code's debug-memory URI in ms-vscode.hexeditor, when it is installed.

import * as vscode from 'vscode';
import type { MoverSessions } from './session-state';
import { webviewHtml } from './webviews/html';
import { WORD_SIZES, type MemoryFromWebview, type MemoryOverlay, type MemoryRow, type MemoryState, type MemoryToWebview, type SessionStatus, type StructChoice, type WordSize } from './webviews/messages';
import { groupWords } from './webviews/memory-format';
import { hex } from '../emulator/hex';
import { parseRefText } from '../debug-adapter/memory-ref';
import { STATE_CHANGED_EVENT, type LayoutChunkView, type MoverRequests, type StateChangedBody } from '../debug-adapter/protocol';

const ROW = 16;
/** The block the view fetches and sends: 16 rows. */
export const PAGE = 256;
const TRANSLATION_PAGE = 4096;
/** Pages the extension side keeps per stop (the webview keeps its own). */
const CACHE_PAGES = 1024;
const HEX_EDITOR = 'ms-vscode.hexeditor';
/** The bytes an "Open in Hex Editor" shows from the first row on screen. */
const HEX_EDITOR_SPAN = 0x1_0000;

function spaceOf(name: string): string {
  return name.toUpperCase() === 'PA' ? 'PA' : name.toUpperCase();
}

function refOf(space: string, address: number): string {
  return `${space === 'PA' ? 'pa' : space.toLowerCase()}:${hex(address, space === 'PA' ? 1 : 8)}`;
}

function parseRef(ref: string): { space: string; address: number } | null {
  const r = parseRefText(ref);
  return typeof r === 'string' ? null : { space: spaceOf(r.space), address: r.address };
}

/** What the extension side read of a page at the current stop. */
interface PageData { readonly bytes: number[] }

export class MemoryPanel implements vscode.Disposable {
  private static readonly panels = new Set<MemoryPanel>();
  private static active: MemoryPanel | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private readonly panel: vscode.WebviewPanel;
  private space: string;
  private top: number;
  private topSeq = 0;
  private rows = 16;
  private grouping: WordSize = 1;
  private epoch = 0;
  /** Pages read at this stop, and the same pages as they were at the previous stop. */
  private data = new Map<number, PageData>();
  private previous = new Map<number, PageData>();
  /** 4 KiB page number -> its PA and chunk (a space's view), at this stop. */
  private translations = new Map<number, { pa: number | null; chunk: string | null }>();
  private chunks: readonly LayoutChunkView[] = [];
  private spaces: string[] = [];
  private structs: StructChoice[] = [];
  private sessionId: string | undefined;
  private sessionName: string | null = null;
  private status: SessionStatus = 'none';
  private follow: string | null = null;
  private followed: number | null = null;
  private followError: string | null = null;
  private notice: string | null = null;
  private error: string | null = null;
  private overlaySpec: { type: string; space: string; address: number } | null = null;
  private overlay: MemoryOverlay | null = null;
  /** Page -> the epoch it was last sent to the webview in. */
  private sent = new Map<number, number>();
  private work: Promise<void> = Promise.resolve();
  private disposed = false;
  /** A new session not stopped yet: its first stop starts with no previous picture. */
  private fresh = false;

  /** The last page sent that holds the first row on screen (for tests: rows, bytes, PA, words). */
  lastShown: Extract<MemoryToWebview, { type: 'memory' }> | null = null;
  /** The last state sent (grouping, follow, overlay, session status, notices). */
  state: MemoryState | null = null;
  /** The reads made of the adapter, as "command reference offset count" (tests check that only what is on screen is read). */
  readonly requestLog: string[] = [];
  /** The panel a pointer click opened last. */
  lastOpened: MemoryPanel | undefined;

  static open(extensionUri: vscode.Uri, sessions: MoverSessions, ref: string): MemoryPanel | undefined {
    const r = parseRef(ref);
    if (!r) { void vscode.window.showErrorMessage(`Not a memory reference: ${ref} (write pa:0x1_0000_0000 or vs1:0x2000_0000)`); return undefined; }
    return new MemoryPanel(extensionUri, sessions, r.space, r.address);
  }

  /** The commands of a memory panel's editor title. */
  static register(context: vscode.ExtensionContext): void {
    context.subscriptions.push(vscode.commands.registerCommand('mover.memory.openInHexEditor', () => MemoryPanel.focused?.openInHexEditor()));
  }

  /** The memory panel in front (for the commands of its editor title). */
  static get focused(): MemoryPanel | undefined {
    return MemoryPanel.active;
  }

  private constructor(private readonly extensionUri: vscode.Uri, private readonly sessions: MoverSessions, space: string, address: number) {
    this.space = space;
    this.top = this.clampTop(Math.floor(address / ROW) * ROW);
    this.panel = vscode.window.createWebviewPanel('mover.memory', this.title(), vscode.ViewColumn.Beside, { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] });
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, 'memoryView.js', 'Memory');
    MemoryPanel.panels.add(this);
    MemoryPanel.active = this;
    this.subs.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.onDidChangeViewState((e) => { if (e.webviewPanel.active) MemoryPanel.active = this; }),
      this.panel.webview.onDidReceiveMessage((m: MemoryFromWebview) => void this.receive(m)),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== 'mover' || e.event !== STATE_CHANGED_EVENT) return;
        const reason = (e.body as StateChangedBody).reason;
        this.queue(() => this.onState(e.session, reason));
      }),
      sessions.onDidChange(() => this.queue(() => this.onSessions())),
    );
    this.queue(() => this.onSessions(true));
  }

  // ---- for tests and commands ----------------------------------------------------------------------

  /** Handles a message as if the webview sent it; resolves when its work is done. */
  receive(m: MemoryFromWebview): Promise<void> {
    return this.queue(() => this.onMessage(m));
  }

  /** Resolves once every queued fetch and update is done. */
  idle(): Promise<void> {
    return this.queue(async () => {});
  }

  /** A row as the view shows it now, if its page has been read at this stop (or kept from the last session). */
  rowAt(address: number): MemoryRow | undefined {
    const a = Math.floor(address / ROW) * ROW;
    const page = Math.floor(a / PAGE) * PAGE;
    if (!this.data.has(page)) return undefined;
    return this.row(a);
  }

  /** The debug-memory URI of the rows from the first one on screen (what the hex editor opens). */
  hexEditorUri(): vscode.Uri | undefined {
    const s = this.sessions.session;
    if (!s) return undefined;
    return vscode.Uri.from({ scheme: 'vscode-debug-memory', authority: s.id, path: `/${encodeURIComponent(this.ref())}/memory.bin`, query: `range=0:${HEX_EDITOR_SPAN}` });
  }

  /** Opens the rows in VS Code's hex editor; says so when the extension is not installed. */
  async openInHexEditor(): Promise<{ readonly opened: boolean; readonly uri?: string; readonly message?: string }> {
    const uri = this.hexEditorUri();
    if (!uri) return this.say('Open in Hex Editor needs a Mover debug session.');
    if (!vscode.extensions.getExtension(HEX_EDITOR)) {
      const message = `The Hex Editor extension (${HEX_EDITOR}) is not installed: install it to open ${this.ref()} there.`;
      void vscode.window.showInformationMessage(message);
      this.notice = message;
      this.postState();
      return { opened: false, uri: uri.toString(), message };
    }
    await vscode.commands.executeCommand('vscode.openWith', uri, 'hexEditor.hexedit');
    return { opened: true, uri: uri.toString() };
  }

  private say(message: string): { opened: false; message: string } {
    void vscode.window.showInformationMessage(message);
    this.notice = message;
    this.postState();
    return { opened: false, message };
  }

  // ---- work, one piece at a time ------------------------------------------------------------------

  private queue(f: () => Promise<void>): Promise<void> {
    const next = this.work.then(() => (this.disposed ? undefined : f())).catch((e: unknown) => {
      this.error = e instanceof Error ? e.message : String(e);
      this.postState();
    });
    this.work = next;
    return next;
  }

  private count(what: string): void {
    this.requestLog.push(what);
    if (this.requestLog.length > 1000) this.requestLog.splice(0, 500);
  }

  private async request<K extends keyof MoverRequests>(command: K, args: MoverRequests[K][0]): Promise<MoverRequests[K][1]> {
    const s = this.sessions.stoppedSession;
    if (!s) throw new Error('no stopped Mover session');
    this.count(command === 'mover/translations' ? `${command} ${(args as MoverRequests['mover/translations'][0]).space} ${(args as MoverRequests['mover/translations'][0]).va} ${(args as MoverRequests['mover/translations'][0]).count}` : command);
    return (await s.customRequest(command, args)) as MoverRequests[K][1];
  }

  // ---- sessions and stops -------------------------------------------------------------------------

  /**
   * The shown session changed or ended (stops themselves come through onState). A new session (the
   * first, or the next after one ended) is read afresh at the same reference.
   */
  private async onSessions(first = false): Promise<void> {
    const s = this.sessions.session;
    const status: SessionStatus = !s ? 'none' : this.sessions.stoppedSession ? 'stopped' : 'running';
    if (s && s.id !== this.sessionId) {
      this.sessionId = s.id;
      this.sessionName = s.name;
      this.chunks = [];
      this.spaces = [];
      this.structs = [];
      this.status = status;
      if (status === 'stopped') { this.previous.clear(); this.invalidate(); this.fresh = false; await this.reload(); return; }
      // Until its first stop the last bytes stay (greyed).
      this.fresh = true;
      this.postState();
      if (first) this.postVisible();
      return;
    }
    if (status === this.status && !first) return;
    this.status = status;
    this.postState();
    if (first) this.postVisible();
  }

  private async onState(session: vscode.DebugSession, reason: StateChangedBody['reason']): Promise<void> {
    if (session.id !== this.sessions.session?.id) return;
    if (session.id !== this.sessionId) return this.onSessions();
    this.status = this.sessions.stoppedSession ? 'stopped' : 'running';
    if (reason === 'running') { this.postState(); return; }
    if (reason === 'stopped' || reason === 'restart') {
      // Roll the picture forward: what was read at this stop becomes "the previous stop".
      this.previous = reason === 'restart' || this.fresh ? new Map() : this.data;
      this.fresh = false;
      this.invalidate();
      await this.reload(true);
      return;
    }
    // A write or a register change: read again, changes still against the previous stop.
    this.invalidate();
    await this.reload(reason === 'registers');
  }

  private invalidate(): void {
    this.data = new Map();
    this.translations.clear();
    this.epoch++;
  }

  /** Reads what the view needs at a stop: the layout and structs once per session, the followed address, the overlay, the rows on screen. */
  private async reload(followAgain = true): Promise<void> {
    this.error = null;
    if (this.status !== 'stopped') { this.postState(); this.postVisible(); return; }
    if (!this.chunks.length) {
      try { const l = await this.request('mover/layout', {}); this.chunks = l.chunks; this.spaces = l.spaces.map((x) => x.name.toUpperCase()); } catch { this.chunks = []; }
    }
    if (!this.structs.length) {
      try {
        const r = await this.request('mover/structs', {});
        this.structs = [
          ...r.objects.map((o): StructChoice => ({ kind: 'object', name: o.name, type: o.type, size: r.structs.find((x) => x.name === o.type)?.size ?? 0, ref: o.memoryReference })),
          ...r.structs.map((x): StructChoice => ({ kind: 'struct', name: x.name, type: x.name, size: x.size })),
        ];
      } catch { this.structs = []; }
    }
    if (followAgain && this.follow) await this.evaluateFollow();
    await this.loadOverlay();
    this.postState();
    await this.fetchVisible();
  }

  // ---- the rows -------------------------------------------------------------------------------------

  private limit(): number {
    return this.space === 'PA' ? 2 ** 36 : 2 ** 32;
  }

  private clampTop(t: number): number {
    const max = this.limit() - this.rows * ROW;
    return Math.max(0, Math.min(Math.floor(t / ROW) * ROW, Math.max(0, max)));
  }

  private visiblePages(): number[] {
    const first = Math.floor(this.top / PAGE) * PAGE;
    const end = Math.min(this.limit(), this.top + this.rows * ROW);
    const out: number[] = [];
    for (let p = first; p < end; p += PAGE) out.push(p);
    return out;
  }

  /** Reads the pages on screen (and `extra` the webview asked for) not read at this stop, then sends them. */
  private async fetchVisible(extra: readonly number[] = []): Promise<void> {
    const wanted = [...new Set([...this.visiblePages(), ...extra.filter((p) => Number.isInteger(p) && p >= 0 && p < this.limit() && p % PAGE === 0)])].sort((a, b) => a - b);
    const missing = wanted.filter((p) => !this.data.has(p));
    if (missing.length && this.status === 'stopped') {
      const epoch = this.epoch;
      try {
        await this.read(missing);
      } catch (e) {
        if (epoch === this.epoch) { this.error = (e as Error).message; this.postState(); }
      }
      if (epoch !== this.epoch) return;
    }
    for (const p of wanted) this.postPage(p, extra.includes(p));
  }

  /** One readMemory per run of consecutive pages (more only around unmapped holes) and one mover/translations per run. */
  private async read(pages: readonly number[]): Promise<void> {
    const runs: number[][] = [];
    for (const p of pages) {
      const run = runs.at(-1);
      if (run && run.at(-1)! + PAGE === p) run.push(p); else runs.push([p]);
    }
    const s = this.sessions.stoppedSession;
    if (!s) return;
    for (const run of runs) {
      const start = run[0], length = run.length * PAGE;
      const bytes = new Array<number>(length).fill(-1);
      for (let offset = 0; offset < length;) {
        this.count(`readMemory ${refOf(this.space, start)} +${offset} ${length - offset}`);
        const r = await s.customRequest('readMemory', { memoryReference: refOf(this.space, start), offset, count: length - offset }) as { data?: string; unreadableBytes?: number };
        const data = Buffer.from(r.data ?? '', 'base64');
        data.forEach((b, i) => { bytes[offset + i] = b; });
        const step = data.length + (r.unreadableBytes ?? 0);
        if (step <= 0) break;
        offset += step;
      }
      if (this.space !== 'PA') {
        const firstPage = Math.floor(start / TRANSLATION_PAGE), lastPage = Math.floor((start + length - 1) / TRANSLATION_PAGE);
        let need = false;
        for (let t = firstPage; t <= lastPage; t++) if (!this.translations.has(t)) need = true;
        if (need) {
          const t = await this.request('mover/translations', { space: this.space, va: hex(firstPage * TRANSLATION_PAGE), count: (lastPage - firstPage + 1) * TRANSLATION_PAGE });
          for (const p of t.pages) this.translations.set(p.vaNumber / TRANSLATION_PAGE, { pa: p.paNumber, chunk: p.chunk });
        }
      }
      run.forEach((p, i) => this.data.set(p, { bytes: bytes.slice(i * PAGE, (i + 1) * PAGE) }));
    }
    // Keep the cache bounded: drop the pages read first.
    for (const p of this.data.keys()) { if (this.data.size <= CACHE_PAGES) break; this.data.delete(p); }
  }

  private chunkAt(pa: number): string | null {
    return this.chunks.find((c) => pa >= c.baseNumber && pa < c.baseNumber + c.sizeNumber)?.name ?? null;
  }

  private row(address: number): MemoryRow {
    const page = Math.floor(address / PAGE) * PAGE;
    const at = address - page;
    const bytes = this.data.get(page)?.bytes.slice(at, at + ROW) ?? new Array<number>(ROW).fill(-1);
    const before = this.previous.get(page)?.bytes.slice(at, at + ROW);
    const changed: number[] = [], was: number[] = [];
    bytes.forEach((b, i) => {
      const p = before?.[i];
      if (b >= 0 && p !== undefined && p >= 0 && p !== b) { changed.push(i); was.push(p); }
    });
    let pa: number | null = address, chunk: string | null;
    if (this.space === 'PA') chunk = this.chunkAt(address);
    else {
      const t = this.translations.get(Math.floor(address / TRANSLATION_PAGE));
      pa = t?.pa === null || t === undefined ? null : t.pa + (address % TRANSLATION_PAGE);
      chunk = t?.chunk ?? null;
    }
    return { address, bytes, changed, before: was, pa, chunk, words: groupWords(bytes, this.grouping) };
  }

  private postPage(page: number, force = false): void {
    if (!force && this.sent.get(page) === this.epoch && this.data.has(page)) return;
    const rows: MemoryRow[] = [];
    for (let a = page; a < page + PAGE && a < this.limit(); a += ROW) rows.push(this.row(a));
    const msg: MemoryToWebview = { type: 'memory', ref: refOf(this.space, page), space: this.space, base: page, rows, stopped: this.status === 'stopped', epoch: this.epoch, ...(this.error ? { error: this.error } : {}) };
    if (this.data.has(page)) this.sent.set(page, this.epoch);
    if (page === Math.floor(this.top / PAGE) * PAGE) this.lastShown = msg;
    void this.panel.webview.postMessage(msg);
  }

  private postVisible(): void {
    for (const p of this.visiblePages()) this.postPage(p, true);
  }

  private postState(): void {
    const msg: MemoryState = {
      type: 'state', ref: this.ref(), space: this.space, top: this.top, topSeq: this.topSeq, limit: this.limit(), grouping: this.grouping, epoch: this.epoch,
      session: this.status, sessionName: this.sessionName, follow: this.follow, followed: this.followed, followError: this.followError, notice: this.notice, error: this.error,
      overlay: this.overlay, structs: this.structs, chunks: this.chunks.map((c) => c.name),
    };
    this.state = msg;
    this.panel.title = this.title();
    void this.panel.webview.postMessage(msg);
  }

  private title(): string {
    return `Memory ${this.ref()}${this.follow ? ` (${this.follow})` : ''}`;
  }

  private ref(): string {
    return refOf(this.space, this.top);
  }

  /** Moves the first row on screen (navigate, follow); a new space starts with no pictures. */
  private moveTo(space: string, address: number): void {
    if (space !== this.space) {
      this.space = space;
      this.previous.clear();
      this.invalidate();
      if (this.overlaySpec && this.overlaySpec.space !== space) { this.overlaySpec = null; this.overlay = null; }
    }
    this.top = this.clampTop(address);
    this.topSeq++;
  }

  // ---- what the webview asks ------------------------------------------------------------------------

  private async onMessage(m: MemoryFromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.sent.clear();
        this.postState();
        await this.fetchVisible();
        this.postVisible();
        return;
      case 'view': {
        if (!Number.isSafeInteger(m.top) || !Number.isSafeInteger(m.rows) || m.rows < 1 || m.rows > 400) return;
        this.rows = m.rows;
        const top = this.clampTop(m.top);
        const moved = top !== this.top;
        this.top = top;
        if (moved) this.panel.title = this.title();
        await this.fetchVisible(Array.isArray(m.need) ? m.need.slice(0, 64) : []);
        return;
      }
      case 'grouping':
        if (!WORD_SIZES.includes(m.size as WordSize)) return;
        this.grouping = m.size as WordSize;
        this.epoch++;
        this.postState();
        this.postVisible();
        return;
      case 'navigate': {
        const target = await this.resolve(String(m.ref));
        if (typeof target === 'string') { this.notice = target; this.postState(); return; }
        this.notice = null;
        this.moveTo(target.space, target.address);
        this.postState();
        await this.fetchVisible();
        return;
      }
      case 'follow':
        this.follow = typeof m.expression === 'string' && m.expression.trim() ? m.expression.trim() : null;
        this.followed = null;
        this.followError = null;
        if (this.follow && this.status === 'stopped') await this.evaluateFollow();
        this.postState();
        await this.fetchVisible();
        return;
      case 'write':
        return this.write(m.address, m.bytes);
      case 'overlay':
        await this.setOverlay(m.choice, m.address);
        this.postState();
        await this.fetchVisible();
        return;
      case 'openRef': {
        const r = parseRef(String(m.ref));
        if (!r) return;
        const panel = new MemoryPanel(this.extensionUri, this.sessions, r.space, r.address);
        panel.grouping = this.grouping;
        if (m.structType) await panel.receive({ type: 'overlay', choice: `s:${m.structType}`, address: r.address });
        this.lastOpened = panel;
        return;
      }
      case 'hexEditor':
        await this.openInHexEditor();
        return;
    }
  }

  /**
   * What the address box and follow take: a memory reference (pa:0x1_0000_0000, vs1:0x2000_0000), or an
   * expression the adapter evaluates (sp, r3 + 16, [r1], n_usr), optionally after a space (vs1:r2).
   */
  private async resolve(text: string): Promise<{ space: string; address: number } | string> {
    const direct = parseRef(text);
    if (direct) return this.checkSpace(direct);
    const s = this.sessions.stoppedSession;
    if (!s) return `"${text}" is not an address; an expression needs a stopped Mover session`;
    const m = /^\s*([A-Za-z_]\w*)\s*:\s*(.+)$/s.exec(text);
    const named = m && (m[1].toLowerCase() === 'pa' || this.spaces.includes(m[1].toUpperCase())) ? { space: spaceOf(m[1]), expression: m[2] } : null;
    const expression = named?.expression ?? text.trim();
    const frame = vscode.debug.activeStackItem instanceof vscode.DebugStackFrame && vscode.debug.activeStackItem.session.id === s.id ? vscode.debug.activeStackItem.frameId : undefined;
    try {
      this.count(`evaluate ${expression}`);
      const r = await s.customRequest('evaluate', { expression, context: 'watch', ...(frame !== undefined ? { frameId: frame } : {}) }) as { result: string; memoryReference?: string };
      if (named) {
        const n = /^0x([0-9a-f]+)/i.exec(r.result);
        if (!n) return `${expression} = ${r.result}: not an address`;
        return this.checkSpace({ space: named.space, address: parseInt(n[1], 16) });
      }
      const ref = r.memoryReference ? parseRef(r.memoryReference) : null;
      if (!ref) return `${expression} = ${r.result}: not an address in a space`;
      return ref;
    } catch (e) {
      return `${expression}: ${(e as Error).message}`;
    }
  }

  private checkSpace(r: { space: string; address: number }): { space: string; address: number } | string {
    const limit = r.space === 'PA' ? 2 ** 36 : 2 ** 32;
    if (r.address >= limit) return `${hex(r.address)} is beyond ${r.space === 'PA' ? 'the 36-bit physical space' : `${r.space} (a space is 32 bits)`}`;
    return r;
  }

  private async evaluateFollow(): Promise<void> {
    if (!this.follow) return;
    const r = await this.resolve(this.follow);
    if (typeof r === 'string') { this.followError = r; this.followed = null; return; }
    this.followError = null;
    this.followed = r.address;
    this.moveTo(r.space, r.address);
  }

  private async write(address: number, bytes: readonly number[]): Promise<void> {
    const ref = refOf(this.space, address);
    if (!Number.isSafeInteger(address) || !Array.isArray(bytes) || !bytes.length || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return;
    const s = this.sessions.stoppedSession;
    if (!s) { this.notice = `Cannot write ${ref}: memory can be written while a Mover session is stopped.`; this.postState(); return; }
    try {
      this.count(`writeMemory ${ref} ${bytes.length}`);
      await s.customRequest('writeMemory', { memoryReference: ref, data: Buffer.from(bytes).toString('base64') });
      this.notice = null;
    } catch (e) {
      this.notice = `Could not write ${ref}: ${(e as Error).message}`;
      void vscode.window.showErrorMessage(this.notice);
    }
    this.postState();
  }

  private async setOverlay(choice: string | null, address: number | undefined): Promise<void> {
    if (!choice) { this.overlaySpec = null; this.overlay = null; return; }
    const [kind, name] = [choice.slice(0, 2), choice.slice(2)];
    const pick = this.structs.find((c) => (kind === 'o:' ? c.kind === 'object' : c.kind === 'struct') && c.name === name);
    if (!pick) { this.notice = `No struct or object named ${name}`; return; }
    if (pick.kind === 'object') {
      const r = parseRef(pick.ref!)!;
      this.moveTo(r.space, r.address);
      this.overlaySpec = { type: pick.type, space: r.space, address: r.address };
    } else {
      this.overlaySpec = { type: pick.type, space: this.space, address: Number.isSafeInteger(address) ? address! : this.top };
    }
    await this.loadOverlay();
  }

  private async loadOverlay(): Promise<void> {
    const o = this.overlaySpec;
    if (!o) { this.overlay = null; return; }
    const ref = refOf(o.space, o.address);
    try {
      const v = await this.request('mover/structValues', { type: o.type, memoryReference: ref });
      this.overlay = { type: v.type, ref: v.memoryReference, address: o.address, size: v.size, fields: v.fields };
    } catch (e) {
      this.overlay = { type: o.type, ref, address: o.address, size: this.structs.find((c) => c.type === o.type)?.size ?? 0, fields: this.overlay?.type === o.type ? this.overlay.fields : [], error: (e as Error).message };
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    MemoryPanel.panels.delete(this);
    if (MemoryPanel.active === this) MemoryPanel.active = [...MemoryPanel.panels].at(-1);
    for (const d of this.subs) d.dispose();
    this.panel.dispose();
  }
}
