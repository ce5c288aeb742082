// Chunk map webview script (runs in the webview): physical memory drawn like FIG. 5, to scale with a
// readable minimum height for small chunks; each space's VA ranges drawn against the chunks they map;
// the processors' current spaces, their last accesses and the address under the cursor marked.
// The drawing is scaled to the window's height, so in the editor area ("Open Chunk Map in Editor") the
// whole of FIG. 5 fits. Labels over the drawing sit on the theme's background in its foreground colour
// and are shortened to their column's width, so they never run into the next column.
// Everything from the program or layout is inserted as text (never as markup).

import type { LayoutView } from '../../debug-adapter/protocol';
import { chunkRef, mappingRef } from '../views/chunk-map-targets';
import type { ChunkMapFromWebview, ChunkMapToWebview } from './messages';

declare function acquireVsCodeApi(): { postMessage(m: ChunkMapFromWebview): void; setState(s: unknown): void; getState(): unknown };

const vscodeApi = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';
const root = document.getElementById('root')!;
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

interface State { layout: LayoutView | null; running: boolean; cursor: number | null }
let state: State = (vscodeApi.getState() as State | undefined) ?? { layout: null, running: false, cursor: null };

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

function text(parent: Element, x: number, y: number, s: string, anchor = 'start'): SVGTextElement {
  const t = el('text', { x, y, 'text-anchor': anchor }, parent);
  t.textContent = s;
  return t;
}

/**
 * A label on the drawing: the first of `variants` that fits `width`, on a backdrop of the theme's
 * background so it reads over coloured bands (theme colours through CSSOM: the CSP allows no inline styles).
 */
function label(parent: Element, x: number, y: number, width: number, variants: readonly string[], cls?: string): SVGTextElement {
  const back = el('rect', { x: x - 1, y: y - 10, width: 0, height: 13, rx: 2 }, parent);
  back.style.fill = 'var(--vscode-editor-background)';
  back.style.opacity = '0.85';
  const t = text(parent, x, y, variants[0]);
  t.style.fill = 'var(--vscode-foreground)';
  if (cls) t.setAttribute('class', cls);
  for (const v of variants) {
    t.textContent = v;
    if (t.getComputedTextLength() <= width) break;
  }
  // Still too wide (a very narrow column): cut to the width, the whole text stays in the tooltip.
  if (t.getComputedTextLength() > width) {
    const full = t.textContent ?? '';
    let n = full.length;
    while (n > 1 && t.getComputedTextLength() > width) t.textContent = full.slice(0, --n) + '…';
  }
  back.setAttribute('width', String(Math.min(width, t.getComputedTextLength()) + 2));
  const tip = el('title', {}, t);
  tip.textContent = variants[0];
  return t;
}

const GIB = 2 ** 30;
function size(n: number): string {
  if (n >= GIB) return `${+(n / GIB).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${+(n / 2 ** 20).toFixed(2)} MiB`;
  return `${+(n / 1024).toFixed(1)} KiB`;
}

function draw(): void {
  root.textContent = '';
  const L = state.layout;
  if (!L) {
    root.className = 'muted';
    root.textContent = 'Start debugging a mover script to see the machine.';
    return;
  }
  root.className = '';
  const head = document.createElement('div');
  head.textContent = `${L.name}${state.running ? ' (running: shown as at the last stop)' : ''}`;
  head.className = 'muted';
  root.appendChild(head);

  // Physical column: chunks in address order from the bottom, heights proportional to size with a
  // minimum, gaps between chunks drawn short and labelled.
  // Heights fit the window (at least 300 px in all), the small chunks kept at a readable minimum.
  const MIN = 34, GAP = 14;
  const chunks = [...L.chunks].sort((a, b) => a.baseNumber - b.baseNumber);
  const avail = Math.max(300, (window.innerHeight || 0) - head.offsetHeight - 70) - GAP * (chunks.length - 1);
  let SCALE = avail / chunks.reduce((a, c) => a + c.sizeNumber, 0);
  for (let i = 0; i < 3; i++) {
    const small = chunks.filter((c) => c.sizeNumber * SCALE < MIN);
    const big = chunks.reduce((a, c) => a + (c.sizeNumber * SCALE < MIN ? 0 : c.sizeNumber), 0);
    if (big > 0) SCALE = Math.max(1e-12, (avail - MIN * small.length) / big);
  }
  const heights = chunks.map((c) => Math.max(MIN, c.sizeNumber * SCALE));
  const total = heights.reduce((a, b) => a + b, 0) + GAP * (chunks.length - 1);
  // Widths follow the view: the physical column takes about a third, the spaces share the rest.
  const spaceCols = L.spaces.length;
  const W = Math.max(300, (document.body.clientWidth || 600) - 8), H = total + 60;
  const PW = Math.round(Math.min(170, W * 0.34));
  const GAPX = Math.max(24, Math.round(W * 0.08));
  const SW = Math.max(40, Math.floor((W - 10 - PW - GAPX - 6 * spaceCols) / spaceCols));
  const svg = el('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img' });
  root.appendChild(svg);
  text(svg, 10, 14, 'Physical');
  const chunkPos = new Map<string, { y0: number; y1: number; base: number; size: number; color: string }>();
  let y = H - 20;
  chunks.forEach((c, i) => {
    const h = heights[i];
    const color = COLORS[i % COLORS.length];
    const r = el('rect', { x: 10, y: y - h, width: PW, height: h, fill: color, class: 'chunk', 'fill-opacity': 0.55 }, svg);
    r.addEventListener('click', () => vscodeApi.postMessage({ type: 'openMemory', ref: chunkRef(c) }));
    const title = el('title', {}, r);
    title.textContent = `${c.name}: ${c.base} .. ${c.end} (${size(c.sizeNumber)})${c.purpose ? ` — ${c.purpose}` : ''}`;
    text(svg, 16, y - h + 13, `${c.name}  ${size(c.sizeNumber)}`);
    text(svg, 16, y - h + 25, c.base).setAttribute('class', 'muted');
    const fit = Math.max(6, Math.floor((PW - 10) / 6));
    if (h >= 46) text(svg, 16, y - h + 37, c.purpose.length > fit ? c.purpose.slice(0, fit - 1) + '…' : c.purpose);
    chunkPos.set(c.name, { y0: y - h, y1: y, base: c.baseNumber, size: c.sizeNumber, color });
    y -= h + GAP;
  });

  // Space columns: 4 GiB each, scaled to the same height; mappings as bands linked to their chunks.
  const SH = total;
  L.spaces.forEach((s, k) => {
    const x = 10 + PW + GAPX + k * (SW + 6);
    const here = L.processors.filter((p) => p.space === s.name).map((p) => `cpu${p.cpu}`);
    text(svg, x, 14, s.name);
    if (here.length) label(svg, x, 27, SW, [`◀ ${here.join(' ')}`, `◀ ${here.map((h) => h.slice(3)).join(' ')}`]);
    el('rect', { x, y: H - 20 - SH, width: SW, height: SH, fill: 'none', stroke: 'currentColor', 'stroke-opacity': 0.3 }, svg);
    const vy = (va: number) => H - 20 - (va / 2 ** 32) * SH;
    for (const m of s.mappings) {
      const c = chunkPos.get(m.chunk);
      if (!c) continue;
      const top = vy(m.vaNumber + m.sizeNumber), bottom = vy(m.vaNumber);
      // The band from the chunk's window to the VA range.
      const py0 = c.y1 - ((m.paNumber - c.base + m.sizeNumber) / c.size) * (c.y1 - c.y0);
      const py1 = c.y1 - ((m.paNumber - c.base) / c.size) * (c.y1 - c.y0);
      el('polygon', { points: `${10 + PW},${py0} ${x},${top} ${x},${bottom} ${10 + PW},${py1}`, fill: c.color, class: 'link' }, svg);
      const band = el('rect', { x, y: top, width: SW, height: Math.max(1, bottom - top), fill: c.color, 'fill-opacity': 0.7, class: 'mapping' }, svg);
      band.addEventListener('click', () => vscodeApi.postMessage({ type: 'openMemory', ref: mappingRef(s.name, m) }));
      const t = el('title', {}, band);
      t.textContent = `${s.name} ${m.va} (+${size(m.sizeNumber)}) → ${m.chunk} at ${m.pa}${m.global ? ' (global pages)' : ''}`;
      if (bottom - top > 14) text(svg, x + 4, top + 12, `${m.chunk}${m.global ? ' G' : ''}`);
    }
    for (const p of L.processors) {
      if (p.space !== s.name || !p.lastVa) continue;
      const yy = vy(parseInt(p.lastVa.replace(/_/g, ''), 16));
      el('line', { x1: x - 4, y1: yy, x2: x + SW + 4, y2: yy, class: 'marker' }, svg);
      label(svg, x + 2, yy - 3, SW - 4, [`cpu${p.cpu} ${p.lastVa}`, `cpu${p.cpu} ${p.lastVa.replace(/^0x/, '')}`, `cpu${p.cpu}`], 'last-access');
    }
    if (state.cursor !== null) {
      const yy = vy(state.cursor);
      el('line', { x1: x - 4, y1: yy, x2: x + SW + 4, y2: yy, class: 'cursor' }, svg);
    }
  });
}

window.addEventListener('message', (e: MessageEvent<ChunkMapToWebview>) => {
  const m = e.data;
  if (m.type === 'layout') state = { ...state, layout: m.layout, running: m.running };
  else if (m.type === 'cursor') state = { ...state, cursor: m.va };
  vscodeApi.setState(state);
  draw();
});

window.addEventListener('resize', () => draw());
draw();
vscodeApi.postMessage({ type: 'ready' });
