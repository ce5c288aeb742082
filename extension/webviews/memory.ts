// Memory webview script: a virtualized hex view over a whole space (pa: or vsN:). Only the rows on
// screen are drawn; the pages (256 bytes) they need are asked of the extension, which reads them
// through readMemory (no side effects). Words of 1/2/4/8 bytes (little-endian), a PA column and a chunk
// band for a space's view, bytes changed since the last stop marked (hover: the previous value), typed
// hex written over the selected byte or word, follow an expression, struct overlays.

import type { MemoryFromWebview, MemoryRow, MemoryState, MemoryToWebview, WordSize } from './messages';
import { WORD_SIZES } from './messages';
import { groupedAddress, wordBytes } from './memory-format';

declare function acquireVsCodeApi(): { postMessage(m: MemoryFromWebview): void; setState(s: unknown): void; getState(): unknown };
const api = acquireVsCodeApi();
const root = document.getElementById('root')!;

const ROW = 16;
const PAGE = 256;
const ROW_HEIGHT = 18;
/** Pages kept in the webview (the ones on screen are never dropped). */
const KEEP_PAGES = 256;

interface Saved { readonly state: MemoryState | null; readonly pages: [number, { epoch: number; rows: readonly MemoryRow[] }][] }

const saved = (api.getState() as Saved | null) ?? null;
let state: MemoryState | null = saved?.state ?? null;
const pages = new Map<number, { epoch: number; rows: readonly MemoryRow[] }>(saved?.pages ?? []);
let top = state?.top ?? 0;
let topSeq = state?.topSeq ?? -1;
let rowsOnScreen = 16;
let selected: number | null = null;
let editing: { address: number; digits: string } | null = null;
let localNotice: string | null = null;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function post(m: MemoryFromWebview): void {
  api.postMessage(m);
}

function grouping(): WordSize {
  return state?.grouping ?? 1;
}

function limit(): number {
  return state?.limit ?? 2 ** 32;
}

function maxTop(): number {
  return Math.max(0, limit() - rowsOnScreen * ROW);
}

// ---- the fixed parts: bar, hint, status, grid, scrollbar, overlay ---------------------------------

const bar = el('div', 'bar memory-bar');
const address = el('input', 'mono address');
address.id = 'address';
address.title = 'A memory reference (pa:0x1_0000_0000, vs1:0x2000_0000) or an expression (sp, r3 + 16, [r1], vs1:r2); Enter goes there';
address.spellcheck = false;
address.addEventListener('keydown', (e) => { if (e.key === 'Enter') { post({ type: 'navigate', ref: address.value }); address.blur(); } });
const groupButtons = WORD_SIZES.map((n) => {
  const b = el('button', 'group', String(n));
  b.title = `Words of ${n} byte${n > 1 ? 's' : ''}, little-endian`;
  b.dataset.size = String(n);
  b.addEventListener('click', () => post({ type: 'grouping', size: n }));
  return b;
});
const follow = el('input', 'mono follow');
follow.id = 'follow';
follow.placeholder = 'follow: sp, r3, [r1]';
follow.title = 'An expression evaluated at every stop; the view moves to where it points. Empty: stop following';
follow.spellcheck = false;
follow.addEventListener('keydown', (e) => { if (e.key === 'Enter') { post({ type: 'follow', expression: follow.value.trim() || null }); follow.blur(); } });
const picker = el('select', 'picker');
picker.id = 'struct-picker';
picker.title = 'Lay a .struct of the program over the selected address, or go to a declared .object';
picker.addEventListener('change', () => {
  const v = picker.value;
  post({ type: 'overlay', choice: v || null, ...(v.startsWith('s:') ? { address: selected ?? top } : {}) });
});
const hexButton = el('button', 'secondary', 'Open in Hex Editor');
hexButton.id = 'hex-editor';
hexButton.title = 'Open these bytes in VS Code\'s Hex Editor (ms-vscode.hexeditor)';
hexButton.addEventListener('click', () => post({ type: 'hexEditor' }));
const wordLabel = el('span', 'muted', ' word ');
const words = el('span', 'words');
words.append(wordLabel, ...groupButtons);
bar.append(address, words, follow, picker, hexButton);

const hint = el('div', 'hint muted', 'Click a byte and type hex to overwrite it (Enter writes early, Esc cancels) · arrows move · wheel, PgUp/PgDn scroll · changed bytes are bold: hover for the value before');
hint.id = 'hint';
const status = el('div', 'status');
status.id = 'status';
const notice = el('div', 'notice');
notice.id = 'notice';
const frame = el('div', 'frame');
const grid = el('div', 'grid mono');
grid.id = 'grid';
grid.tabIndex = 0;
const track = el('div', 'track');
const thumb = el('div', 'thumb');
track.appendChild(thumb);
frame.append(grid, track);
const overlayBox = el('div', 'overlay');
overlayBox.id = 'overlay';
root.textContent = '';
root.className = '';
root.append(bar, hint, status, notice, frame, overlayBox);

// ---- scrolling --------------------------------------------------------------------------------------

let viewTimer: number | undefined;
function setTop(t: number, tell = true): void {
  const next = Math.max(0, Math.min(maxTop(), Math.floor(t / ROW) * ROW));
  if (next === top && !tell) return;
  top = next;
  drawGrid();
  if (tell) requestView();
}

function requestView(): void {
  if (viewTimer !== undefined) return;
  viewTimer = window.setTimeout(() => {
    viewTimer = undefined;
    const need: number[] = [];
    for (let p = Math.floor(top / PAGE) * PAGE; p < top + rowsOnScreen * ROW && p < limit(); p += PAGE) {
      const have = pages.get(p);
      if (!have || have.epoch !== state?.epoch) need.push(p);
    }
    post({ type: 'view', top, rows: rowsOnScreen, need });
  }, 16);
}

let wheelRest = 0;
grid.addEventListener('wheel', (e) => {
  // Sideways (a narrow panel scrolls its columns) is the browser's; up and down move through the space.
  if (Math.abs(e.deltaX) > Math.abs(e.deltaY) || e.shiftKey) return;
  e.preventDefault();
  const px = e.deltaMode === 1 ? e.deltaY * ROW_HEIGHT : e.deltaMode === 2 ? e.deltaY * rowsOnScreen * ROW_HEIGHT : e.deltaY;
  wheelRest += px;
  const rows = Math.trunc(wheelRest / ROW_HEIGHT);
  if (rows) { wheelRest -= rows * ROW_HEIGHT; setTop(top + rows * ROW); }
}, { passive: false });

// The scrollbar maps the whole space onto the track (a 4 GiB space has 2^28 rows: no native scroll
// height holds them).
let drag: { y: number; top: number } | null = null;
thumb.addEventListener('mousedown', (e) => { drag = { y: e.clientY, top }; e.preventDefault(); e.stopPropagation(); });
window.addEventListener('mousemove', (e) => {
  if (!drag) return;
  const room = track.clientHeight - thumb.offsetHeight;
  if (room <= 0) return;
  setTop(drag.top + ((e.clientY - drag.y) / room) * maxTop());
});
window.addEventListener('mouseup', () => { drag = null; });
track.addEventListener('mousedown', (e) => {
  const r = thumb.getBoundingClientRect();
  setTop(top + (e.clientY < r.top ? -1 : 1) * (rowsOnScreen - 1) * ROW);
});

function placeThumb(): void {
  const h = track.clientHeight;
  const size = Math.max(24, Math.min(h, (h * rowsOnScreen * ROW) / limit()));
  thumb.style.height = `${size}px`;
  thumb.style.top = `${maxTop() ? ((h - size) * top) / maxTop() : 0}px`;
}

function measure(): void {
  const room = window.innerHeight - grid.getBoundingClientRect().top - overlayBox.offsetHeight - 12;
  const rows = Math.max(4, Math.floor((room - 12) / ROW_HEIGHT) - 1);
  // Room for the header row and, in a narrow panel, the sideways scrollbar.
  grid.style.height = `${(rows + 1) * ROW_HEIGHT + 12}px`;
  track.style.height = grid.style.height;
  if (rows !== rowsOnScreen) { rowsOnScreen = rows; setTop(top); }
}
window.addEventListener('resize', measure);

// ---- selection and typed hex ------------------------------------------------------------------------

grid.addEventListener('keydown', (e) => {
  const g = grouping();
  if (e.key === 'PageDown' || e.key === 'PageUp') { e.preventDefault(); setTop(top + (e.key === 'PageDown' ? 1 : -1) * (rowsOnScreen - 1) * ROW); return; }
  if (editing) {
    if (e.key === 'Escape') { editing = null; drawGrid(); return; }
    if (e.key === 'Backspace') { editing.digits = editing.digits.slice(0, -1); drawGrid(); e.preventDefault(); return; }
    if (e.key === 'Enter') { commit(); e.preventDefault(); return; }
  }
  if (selected === null) return;
  const moves: Record<string, number> = { ArrowLeft: -g, ArrowRight: g, ArrowUp: -ROW, ArrowDown: ROW };
  if (e.key in moves) {
    e.preventDefault();
    if (editing) editing = null;
    select(selected + moves[e.key]);
    return;
  }
  if (/^[0-9a-fA-F]$/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    if (state?.session !== 'stopped') { localNotice = 'Editing needs a stopped Mover session.'; drawStatus(); return; }
    if (!editing || editing.address !== selected) editing = { address: selected, digits: '' };
    editing.digits += e.key.toLowerCase();
    if (editing.digits.length >= g * 2) commit();
    else drawGrid();
  }
});

function commit(): void {
  if (!editing || !editing.digits) { editing = null; drawGrid(); return; }
  const g = grouping();
  const bytes = wordBytes(editing.digits, g);
  const at = editing.address;
  editing = null;
  if (bytes) post({ type: 'write', address: at, bytes });
  select(at + g);
}

function select(a: number): void {
  const g = grouping();
  selected = Math.max(0, Math.min(limit() - g, Math.floor(a / g) * g));
  if (selected < top) setTop(Math.floor(selected / ROW) * ROW);
  else if (selected >= top + rowsOnScreen * ROW) setTop(Math.floor(selected / ROW) * ROW - (rowsOnScreen - 1) * ROW);
  else drawGrid();
}

// ---- drawing ------------------------------------------------------------------------------------------

function rowAt(a: number): MemoryRow | undefined {
  const p = Math.floor(a / PAGE) * PAGE;
  return pages.get(p)?.rows[(a - p) / ROW];
}

/** The overlay field a byte is in, and its index. */
function fieldAt(a: number): { index: number; name: string; value: string; type: string } | null {
  const o = state?.overlay;
  if (!o || o.ref.split(':')[0].toUpperCase() !== (state?.space === 'PA' ? 'PA' : state?.space.toUpperCase()) || a < o.address || a >= o.address + o.size) return null;
  const index = o.fields.findIndex((f) => a >= o.address + f.offset && a < o.address + f.offset + f.size);
  return index < 0 ? null : { index, name: o.fields[index].name, value: o.fields[index].value, type: o.fields[index].type };
}

function chunkClass(chunk: string | null): string {
  const i = chunk ? state?.chunks.indexOf(chunk) ?? -1 : -1;
  return i < 0 ? 'band none' : `band c${i % 6}`;
}

function drawGrid(): void {
  grid.textContent = '';
  const g = grouping();
  const inSpace = state ? state.space !== 'PA' : false;
  const live = state?.session === 'stopped';
  grid.classList.toggle('stale', state?.session === 'none');
  const head = el('div', 'row head');
  head.append(el('span', 'addr', state?.space === 'PA' ? 'PA' : `${state?.space ?? ''} VA`));
  if (inSpace) head.append(el('span', 'pa', 'PA'));
  head.append(el('span', 'band head-band', ''));
  for (let i = 0; i < ROW; i += g) head.append(el('span', `cell w${g}${i === 8 ? ' gap' : ''}`, g === 1 ? hex2(i) : `+${i.toString(16)}`));
  head.append(el('span', 'ascii', 'ASCII'));
  grid.appendChild(head);
  let lastChunk: string | null | undefined;
  for (let r = 0; r < rowsOnScreen; r++) {
    const a = top + r * ROW;
    if (a >= limit()) break;
    const row = rowAt(a);
    const line = el('div', 'row');
    line.dataset.address = String(a);
    line.append(el('span', 'addr', groupedAddress(a)));
    if (inSpace) {
      const pa = el('span', 'pa', row ? (row.pa === null ? 'not mapped' : groupedAddress(row.pa, 1)) : '');
      if (row && row.pa === null) pa.classList.add('unreadable');
      line.append(pa);
    }
    const chunk = row?.chunk ?? null;
    const band = el('span', chunkClass(chunk), chunk !== lastChunk || r === 0 ? chunk ?? '' : '');
    band.title = chunk ? `chunk ${chunk}` : 'no chunk';
    lastChunk = chunk;
    line.append(band);
    for (let i = 0; i < ROW; i += g) {
      const at = a + i;
      const bytes = row ? row.bytes.slice(i, i + g) : [];
      const word = row?.words[i / g];
      const cell = el('span', `cell w${g}${i === 8 ? ' gap' : ''}`);
      cell.dataset.address = String(at);
      const changedIdx: number[] = [];
      if (row) for (let k = i; k < i + g; k++) if (row.changed.includes(k)) changedIdx.push(k);
      const unreadable = !row || bytes.some((b) => b < 0);
      if (editing && editing.address === at) {
        cell.textContent = editing.digits.padEnd(g * 2, '_');
        cell.classList.add('editing');
      } else cell.textContent = row ? word ?? '' : '··'.repeat(g);
      if (row && unreadable) cell.classList.add('unreadable');
      if (changedIdx.length) cell.classList.add('changed');
      if (selected !== null && at === selected) cell.classList.add('selected');
      const f = fieldAt(at);
      if (f) { cell.classList.add('ov', `ov${f.index % 2}`); if (at === state!.overlay!.address + state!.overlay!.fields[f.index].offset) cell.classList.add('ov-start'); }
      if (state?.followed !== null && state?.followed !== undefined && at <= state.followed && state.followed < at + g) cell.classList.add('followed');
      const tip = [`${state?.space === 'PA' ? 'pa' : state?.space.toLowerCase()}:${groupedAddress(at)}`];
      if (inSpace && row && row.pa !== null) tip.push(`PA ${groupedAddress(row.pa + i, 1)}`);
      if (row && unreadable) tip.push('not mapped');
      if (changedIdx.length && row) {
        const before = row.bytes.slice(i, i + g).map((b, k) => { const j = row.changed.indexOf(i + k); return j < 0 ? b : row.before[j]; });
        tip.push(`changed since the last stop: was ${g === 1 ? hex2(before[0]) : before.slice().reverse().map(hex2).join('')}`);
        cell.dataset.before = g === 1 ? hex2(before[0]) : before.slice().reverse().map(hex2).join('');
      }
      if (f) tip.push(`${f.name} (${f.type}) = ${f.value}`);
      cell.title = tip.join('\n');
      cell.addEventListener('mousedown', () => { editing = null; selected = at; drawGrid(); grid.focus(); });
      line.append(cell);
    }
    const ascii = el('span', 'ascii');
    if (row) {
      row.bytes.forEach((b, i) => {
        const c = el('span', row.changed.includes(i) ? 'changed' : b < 0 ? 'unreadable' : '', b >= 32 && b < 127 ? String.fromCharCode(b) : b < 0 ? '?' : '.');
        ascii.append(c);
      });
    }
    line.append(ascii);
    if (!live) line.classList.add('dim');
    grid.appendChild(line);
  }
  placeThumb();
}

function drawStatus(): void {
  const s = state;
  status.textContent = '';
  if (!s) { status.textContent = 'Waiting for the debug session…'; return; }
  const where = s.space === 'PA' ? 'physical memory (36-bit)' : `${s.space}: virtual addresses through its page tables, PA beside each row`;
  const session = s.session === 'stopped' ? `${s.sessionName ?? 'session'}: stopped` : s.session === 'running' ? `${s.sessionName ?? 'session'}: running (bytes as at the last stop)` : 'No Mover debug session: the last bytes are kept (greyed); the view reattaches to the next session';
  status.append(el('span', '', `${where} · ${session}`));
  if (s.follow) status.append(el('span', s.followError ? 'error' : 'following', s.followError ? ` · follow ${s.follow}: ${s.followError}` : ` · following ${s.follow}${s.followed !== null ? ` → ${groupedAddress(s.followed)}` : ''}`));
  const text = [s.error, s.notice, localNotice].filter((x) => x).join(' · ');
  notice.textContent = text;
  notice.style.display = text ? '' : 'none';
}

function drawBar(): void {
  const s = state;
  if (document.activeElement !== address) address.value = s?.ref ?? '';
  if (document.activeElement !== follow) follow.value = s?.follow ?? '';
  for (const b of groupButtons) b.classList.toggle('on', Number(b.dataset.size) === grouping());
  // The picker: objects (go there), structs (over the selected address).
  const want = s?.overlay ? (s.structs.find((c) => c.kind === 'object' && c.type === s.overlay!.type && c.ref === s.overlay!.ref) ? `o:${s.structs.find((c) => c.kind === 'object' && c.type === s.overlay!.type && c.ref === s.overlay!.ref)!.name}` : `s:${s.overlay.type}`) : '';
  const key = JSON.stringify(s?.structs ?? []);
  if (picker.dataset.key !== key) {
    picker.dataset.key = key;
    picker.textContent = '';
    picker.append(new Option('Struct overlay…', ''));
    const objects = (s?.structs ?? []).filter((c) => c.kind === 'object');
    const structs = (s?.structs ?? []).filter((c) => c.kind === 'struct');
    if (objects.length) {
      const og = el('optgroup');
      og.label = 'Objects (.object)';
      for (const o of objects) og.append(new Option(`${o.name}: ${o.type} @ ${o.ref}`, `o:${o.name}`));
      picker.append(og);
    }
    if (structs.length) {
      const sg = el('optgroup');
      sg.label = 'Structs (.struct) at the selected byte';
      for (const t of structs) sg.append(new Option(`${t.name} (${t.size} bytes)`, `s:${t.name}`));
      picker.append(sg);
    }
    picker.disabled = !(s?.structs.length);
  }
  picker.value = want;
}

function drawOverlay(): void {
  const o = state?.overlay;
  overlayBox.textContent = '';
  if (!o) { overlayBox.style.display = 'none'; return; }
  overlayBox.style.display = '';
  const head = el('div', 'overlay-head');
  head.append(el('b', '', o.type), el('span', 'muted', ` at ${o.ref} · ${o.size} bytes`));
  const close = el('button', 'secondary small', '×');
  close.title = 'Remove the overlay';
  close.addEventListener('click', () => post({ type: 'overlay', choice: null }));
  head.append(' ', close);
  overlayBox.append(head);
  if (o.error) overlayBox.append(el('div', 'error', o.error));
  const table = el('table', 'fields mono');
  const hr = el('tr');
  for (const h of ['offset', 'field', 'type', 'value']) hr.append(el('th', '', h));
  table.append(hr);
  o.fields.forEach((f, i) => {
    const tr = el('tr', `field ov${i % 2}`);
    tr.dataset.field = f.name;
    tr.append(el('td', 'muted', `+0x${f.offset.toString(16)}`), el('td', 'name', f.name), el('td', 'muted', f.type));
    const value = el('td', 'value');
    if (f.pointer) {
      const link = el('a', 'pointer', f.value);
      link.href = '#';
      link.title = `Open memory at ${f.pointer}`;
      const target = f.type.endsWith('*') ? f.type.slice(0, -1) : undefined;
      link.addEventListener('click', (e) => { e.preventDefault(); post({ type: 'openRef', ref: f.pointer!, ...(target ? { structType: target } : {}) }); });
      value.append(link);
    } else value.textContent = f.value;
    tr.append(value);
    tr.addEventListener('click', (e) => { if ((e.target as HTMLElement).tagName !== 'A') select(o.address + f.offset); });
    table.append(tr);
  });
  overlayBox.append(table);
}

function drawAll(): void {
  drawBar();
  drawStatus();
  drawOverlay();
  measure();
  drawGrid();
}

function save(): void {
  api.setState({ state, pages: [...pages].filter(([p]) => p >= top - 8 * PAGE && p < top + 16 * PAGE) } satisfies Saved);
}

window.addEventListener('message', (e: MessageEvent<MemoryToWebview>) => {
  const m = e.data;
  if (m.type === 'state') {
    const epochChanged = state?.epoch !== m.epoch;
    const spaceChanged = state?.space !== m.space;
    state = m;
    localNotice = null;
    if (spaceChanged) pages.clear();
    if (m.topSeq !== topSeq) { topSeq = m.topSeq; top = m.top; }
    if (epochChanged) {
      // Rows on screen stay until their new reading arrives; others go.
      for (const p of pages.keys()) if (p + PAGE <= top || p >= top + rowsOnScreen * ROW) pages.delete(p);
    }
    drawAll();
    requestView();
    save();
    return;
  }
  if (m.type === 'memory') {
    if (state && m.space !== state.space) return;
    pages.set(m.base, { epoch: m.epoch, rows: m.rows });
    if (pages.size > KEEP_PAGES) for (const p of pages.keys()) { if (pages.size <= KEEP_PAGES) break; if (p + PAGE <= top || p >= top + rowsOnScreen * ROW) pages.delete(p); }
    if (m.base + PAGE > top && m.base < top + rowsOnScreen * ROW) drawGrid();
    save();
  }
});

drawAll();
post({ type: 'ready' });
