// Memory webview script: a hex view of 256 bytes at a memory reference (pa:... or vsN:...), read
// through the adapter's readMemory (no side effects), with bytes changed since the last stop marked
// and any byte editable (written through writeMemory).

import type { MemoryFromWebview, MemoryToWebview } from './messages';

declare function acquireVsCodeApi(): { postMessage(m: MemoryFromWebview): void; setState(s: unknown): void; getState(): unknown };
const api = acquireVsCodeApi();
const root = document.getElementById('root')!;

let last: Extract<MemoryToWebview, { type: 'memory' }> | null = (api.getState() as Extract<MemoryToWebview, { type: 'memory' }> | null) ?? null;

function hex(n: number, w: number): string {
  return n.toString(16).padStart(w, '0');
}

function addr(n: number): string {
  const h = n.toString(16).padStart(8, '0');
  return '0x' + h.replace(/(?=(?:[0-9a-f]{4})+$)(?!^)/g, '_');
}

function draw(): void {
  root.textContent = '';
  root.className = '';
  const bar = document.createElement('div');
  bar.className = 'bar';
  const input = document.createElement('input');
  input.value = last?.ref ?? 'pa:0x0';
  input.size = 28;
  input.className = 'mono';
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') api.postMessage({ type: 'navigate', ref: input.value }); });
  const prev = document.createElement('button');
  prev.textContent = '◀ 256';
  prev.addEventListener('click', () => api.postMessage({ type: 'page', delta: -256 }));
  const next = document.createElement('button');
  next.textContent = '256 ▶';
  next.addEventListener('click', () => api.postMessage({ type: 'page', delta: 256 }));
  bar.append(input, ' ', prev, ' ', next);
  root.appendChild(bar);
  if (!last) return;
  const note = document.createElement('div');
  note.className = 'muted';
  note.textContent = last.error ?? `${last.space === 'PA' ? 'physical memory' : `${last.space}: virtual addresses through its page tables`}${last.stopped ? '' : ' (running: as at the last stop)'}`;
  root.appendChild(note);
  const table = document.createElement('table');
  table.className = 'mono hex';
  for (const row of last.rows) {
    const tr = document.createElement('tr');
    const a = document.createElement('td');
    a.textContent = addr(row.address);
    a.className = 'muted';
    tr.appendChild(a);
    row.bytes.forEach((b, i) => {
      const td = document.createElement('td');
      td.className = 'byte' + (i === 8 ? ' gap' : '') + (b < 0 ? ' unreadable' : row.changed.includes(i) ? ' changed' : '');
      td.textContent = b < 0 ? '??' : hex(b, 2);
      td.title = `${addr(row.address + i)}${b < 0 ? ' (not mapped)' : ''}`;
      if (b >= 0 && last!.stopped) td.addEventListener('dblclick', () => edit(td, row.address + i, b));
      tr.appendChild(td);
    });
    const ascii = document.createElement('td');
    ascii.className = 'ascii';
    ascii.textContent = row.bytes.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    tr.appendChild(ascii);
    table.appendChild(tr);
  }
  const scroll = document.createElement('div');
  scroll.className = 'scroll';
  scroll.appendChild(table);
  root.appendChild(scroll);
}

function edit(td: HTMLElement, address: number, old: number): void {
  const input = document.createElement('input');
  input.value = hex(old, 2);
  input.size = 2;
  input.className = 'mono';
  td.textContent = '';
  td.appendChild(input);
  input.focus();
  input.select();
  const done = (commit: boolean) => {
    const v = parseInt(input.value, 16);
    if (commit && Number.isInteger(v) && v >= 0 && v <= 255 && v !== old) api.postMessage({ type: 'write', address, value: v });
    else draw();
  };
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') done(true); if (e.key === 'Escape') done(false); });
  input.addEventListener('blur', () => done(true));
}

window.addEventListener('message', (e: MessageEvent<MemoryToWebview>) => {
  if (e.data.type === 'memory') {
    last = e.data;
    api.setState(last);
    draw();
  }
});

draw();
api.postMessage({ type: 'ready' });
