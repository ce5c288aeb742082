// A bundle of dist/ spawned as a process and spoken to over stdio with Content-Length framing, the
// framing DAP and LSP's JSON-RPC share. Every message that arrives is kept with the time it arrived, so a
// figure can be taken from the spawn (or from a request sent) to any message, including one that came
// before anyone waited for it.

import { spawn, type ChildProcess } from 'node:child_process';
import { nowNs } from './harness';

/** How long a bench waits for one message before it fails (cold processes on a busy machine are slow). */
const MESSAGE_TIMEOUT_MS = 30_000;

export type Json = Record<string, unknown>;

/** A message and when it arrived (nanoseconds, `nowNs`). */
export interface Arrival {
  readonly message: Json;
  readonly at: number;
}

/**
 * The whole messages at the start of `buffer` (Content-Length framing), and what is left after them (a
 * message still arriving). The one reader of the framing for the bench and the DAP test harness.
 */
export function takeFrames(buffer: Buffer): { readonly messages: unknown[]; readonly rest: Buffer } {
  const messages: unknown[] = [];
  let rest = buffer;
  for (;;) {
    const head = rest.indexOf('\r\n\r\n');
    if (head < 0) break;
    const length = Number(/Content-Length: (\d+)/i.exec(rest.subarray(0, head).toString('ascii'))?.[1]);
    if (!Number.isInteger(length) || rest.length < head + 4 + length) break;
    messages.push(JSON.parse(rest.subarray(head + 4, head + 4 + length).toString('utf8')));
    rest = rest.subarray(head + 4 + length);
  }
  return { messages, rest };
}

export class FramedProcess {
  /** When the process was spawned (nanoseconds, `nowNs`): the origin of start-up figures. */
  readonly spawnedAt: number;
  private readonly proc: ChildProcess;
  private readonly arrived: Arrival[] = [];
  private readonly waiters: { pred: (m: Json) => boolean; resolve: (a: Arrival) => void }[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private stderr = '';

  constructor(script: string, args: readonly string[] = []) {
    this.spawnedAt = nowNs();
    this.proc = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (chunk: Buffer) => this.receive(chunk));
    this.proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
  }

  private receive(chunk: Buffer): void {
    const at = nowNs();
    const { messages, rest } = takeFrames(Buffer.concat([this.buffer, chunk]));
    this.buffer = rest;
    for (const m of messages) {
      const message = m as Json;
      const arrival = { message, at };
      const i = this.waiters.findIndex((w) => w.pred(message));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(arrival);
      else this.arrived.push(arrival);
    }
  }

  /** Writes one message; returns when it was written (nanoseconds, `nowNs`). */
  send(message: Json): number {
    const json = JSON.stringify(message);
    const at = nowNs();
    this.proc.stdin!.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    return at;
  }

  /** The first message matching `pred` not yet taken (that arrived at `since` or later), waiting for it if it has not come. */
  next(pred: (m: Json) => boolean, what: string, since = 0): Promise<Arrival> {
    const i = this.arrived.findIndex((a) => a.at >= since && pred(a.message));
    if (i >= 0) return Promise.resolve(this.arrived.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} after ${MESSAGE_TIMEOUT_MS} ms; stderr: ${this.stderr.slice(-500)}`)), MESSAGE_TIMEOUT_MS);
      this.waiters.push({ pred, resolve: (a) => { clearTimeout(timer); resolve(a); } });
    });
  }

  /** Ends the process and waits for it to exit. */
  async close(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill();
    await exited;
  }
}

/** Milliseconds between two `nowNs` readings. */
export const msBetween = (from: number, to: number): number => (to - from) / 1e6;
