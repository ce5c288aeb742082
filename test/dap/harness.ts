// The DAP test harness: the BUILT adapter (dist/debugAdapter.js, rebuilt when older than its sources)
// driven over stdio or a socket, with DAP's own framing. It keeps every message in order (for golden
// transcripts), buffers events so a test can wait for one that already arrived, and sends raw
// requests whose failures come back as responses rather than exceptions.

import { after, afterEach, before, describe } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import * as path from 'node:path';

import { ensureBuilt, root } from '../support/build';
import { takeFrames } from '../../bench/wire';

export { root };
export const adapterJs = path.join(root, 'dist', 'debugAdapter.js');
export const example = (name: string): string => path.join(root, 'examples', name);
export const fixture = (name: string): string => path.join(root, 'test', 'fixtures', 'dap', name);
export const program = (name: string): string => path.join(root, 'test', 'fixtures', 'programs', name);
export const layoutFixture = (name: string): string => path.join(root, 'test', 'fixtures', 'layouts', name);

/** How long a test waits for an event or response before failing (generous: CI machines are slow). */
export const TIMEOUT_MS = 10_000;

/** The body of a response type, present (the protocol types mark most bodies optional). */
export type Body<R extends { body?: unknown }> = NonNullable<R['body']>;

export type Message = DebugProtocol.Request | DebugProtocol.Response | DebugProtocol.Event;
type Args = Record<string, unknown>;

/** Where a session's bytes go: a fresh adapter process (stdio) or a connection to an adapter server. */
interface Wire {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  /** The adapter process, for a stdio session. */
  readonly process: ChildProcess | null;
  end(): void;
}

/**
 * One debug session over a real connection, framed as DAP frames messages (Content-Length headers):
 * a message log in order, an event buffer, and requests whose failures come back as responses.
 */
export class Dap {
  /** Every message in the order the client saw it (requests as sent). */
  readonly log: Message[] = [];
  private readonly pending: DebugProtocol.Event[] = [];
  private readonly waiters: { type: string; pred: (e: DebugProtocol.Event) => boolean; resolve: (e: DebugProtocol.Event) => void; timer: NodeJS.Timeout }[] = [];
  private closed = false;
  private readonly responseWaiters = new Map<number, (r: DebugProtocol.Response) => void>();
  private sequence = 1;
  private rawSeq = 1_000_000;
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly wire: Wire, readonly transport: Transport) {
    wire.input.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  /** The adapter process of a stdio session. */
  get process(): ChildProcess | null {
    return this.wire.process;
  }

  private receive(chunk: Buffer): void {
    const { messages, rest } = takeFrames(Buffer.concat([this.buffer, chunk]));
    this.buffer = rest;
    for (const m of messages) {
      const msg = m as Message;
      this.log.push(msg);
      if (msg.type === 'event') this.deliver(msg as DebugProtocol.Event);
      if (msg.type === 'response') this.responseWaiters.get((msg as DebugProtocol.Response).request_seq)?.(msg as DebugProtocol.Response);
    }
  }

  private send(seq: number, json: string, what: string): Promise<DebugProtocol.Response> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.responseWaiters.delete(seq); reject(new Error(`no response to ${what} after ${TIMEOUT_MS} ms (${this.transport})`)); }, TIMEOUT_MS);
      this.responseWaiters.set(seq, (r) => { clearTimeout(timer); this.responseWaiters.delete(seq); resolve(r); });
      this.writeRaw(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    });
  }

  private deliver(e: DebugProtocol.Event): void {
    const i = this.waiters.findIndex((w) => w.type === e.event && w.pred(e));
    if (i >= 0) this.waiters.splice(i, 1)[0].resolve(e);
    else this.pending.push(e);
  }

  /** Sends a request and resolves with its response, successful or not. */
  request(command: string, args?: unknown): Promise<DebugProtocol.Response> {
    const seq = this.sequence++;
    // As VS Code's client does: empty arguments are left out.
    const message: DebugProtocol.Request = { seq, type: 'request', command, ...(args !== undefined && args !== null && Object.keys(args).length ? { arguments: args } : {}) };
    this.log.push(message);
    return this.send(seq, JSON.stringify(message), command);
  }

  /** Sends a request that must succeed; returns its body. */
  async ok<T = Args>(command: string, args?: unknown): Promise<T> {
    const r = await this.request(command, args);
    assert.equal(r.success, true, `${command} failed: ${r.message}`);
    return (r.body ?? {}) as T;
  }

  /** Sends a request that must fail; returns the response (message and the numbered error). */
  async fails(command: string, args: unknown, message?: RegExp): Promise<DebugProtocol.ErrorResponse> {
    const r = (await this.request(command, args)) as DebugProtocol.ErrorResponse;
    assert.equal(r.success, false, `${command} should have failed but answered ${JSON.stringify(r.body)}`);
    assert.ok(r.message && r.message.length > 0, `${command} failed without a message`);
    if (message) assert.match(r.message, message);
    return r;
  }

  /** The first event of this type (and matching pred) not yet taken, waiting for it if need be. */
  event<E extends DebugProtocol.Event = DebugProtocol.Event>(type: string, pred: (e: E) => boolean = () => true, timeout = TIMEOUT_MS): Promise<E> {
    const p = pred as (e: DebugProtocol.Event) => boolean;
    const i = this.pending.findIndex((e) => e.event === type && p(e));
    if (i >= 0) return Promise.resolve(this.pending.splice(i, 1)[0] as E);
    return new Promise<E>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no '${type}' event after ${timeout} ms (${this.transport}); pending events: ${this.pending.map((e) => e.event).join(', ') || 'none'}`));
      }, timeout);
      const w = { type, pred: p, timer, resolve: (e: DebugProtocol.Event) => { clearTimeout(timer); resolve(e as E); } };
      this.waiters.push(w);
    });
  }

  /** Stops waiting for events of a type (the promises stay pending and are dropped). */
  private forget(type: string): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].type === type) { clearTimeout(this.waiters[i].timer); this.waiters.splice(i, 1); }
    }
  }

  /** Events of a type that arrived and were not taken (and takes them). */
  take(type: string): DebugProtocol.Event[] {
    const out: DebugProtocol.Event[] = [];
    for (let i = 0; i < this.pending.length;) {
      if (this.pending[i].event === type) out.push(this.pending.splice(i, 1)[0]);
      else i++;
    }
    return out;
  }

  stopped(pred: (e: DebugProtocol.StoppedEvent) => boolean = () => true): Promise<DebugProtocol.StoppedEvent> {
    return this.event<DebugProtocol.StoppedEvent>('stopped', pred);
  }

  /**
   * initialize + launch; `configure` runs between the initialized event and configurationDone
   * (breakpoints, filters). Resolves with the launch response (successful or not).
   */
  async launch(args: Args, configure: () => Promise<void> = async () => {}): Promise<DebugProtocol.Response> {
    const init = await this.ok<DebugProtocol.Capabilities>('initialize', { adapterID: 'mover', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', clientID: 'mover-tests' });
    assert.equal(init.supportsConfigurationDoneRequest, true);
    const launched = this.request('launch', args);
    const ready = await Promise.race([this.event('initialized'), launched]);
    this.forget('initialized');
    if ('event' in ready) {
      await configure();
      await this.ok('configurationDone');
    }
    return launched;
  }

  /** Launches with stopOnEntry and waits for the entry stop; returns its thread id. */
  async launchStopped(args: Args, configure?: () => Promise<void>): Promise<number> {
    const r = await this.launch({ stopOnEntry: true, ...args }, configure);
    assert.equal(r.success, true, `launch failed: ${r.message}`);
    const s = await this.stopped();
    assert.equal(s.body.reason, 'entry');
    return s.body.threadId ?? 1;
  }

  /** Sends a resuming request and waits for the stop it causes. */
  async resume(command: string, args: Args): Promise<DebugProtocol.StoppedEvent> {
    await this.ok(command, args);
    return this.stopped();
  }

  async topFrame(threadId: number): Promise<DebugProtocol.StackFrame> {
    const st = await this.ok<Body<DebugProtocol.StackTraceResponse>>('stackTrace', { threadId });
    assert.ok(st.stackFrames.length > 0, 'no stack frames');
    return st.stackFrames[0];
  }

  async evaluate(expression: string, context = 'repl', frameId?: number): Promise<Body<DebugProtocol.EvaluateResponse>> {
    return this.ok<Body<DebugProtocol.EvaluateResponse>>('evaluate', { expression, context, ...(frameId !== undefined ? { frameId } : {}) });
  }

  /** The variables of a scope (by name prefix) of a frame. */
  async scopeVariables(frameId: number, scopePrefix: string): Promise<DebugProtocol.Variable[]> {
    const { scopes } = await this.ok<Body<DebugProtocol.ScopesResponse>>('scopes', { frameId });
    const scope = scopes.find((s) => s.name.startsWith(scopePrefix));
    assert.ok(scope, `no scope ${scopePrefix} in ${scopes.map((s) => s.name).join(', ')}`);
    const { variables } = await this.ok<Body<DebugProtocol.VariablesResponse>>('variables', { variablesReference: scope.variablesReference });
    return variables;
  }

  /** A register's value from the Registers scope of the top frame. */
  async register(threadId: number, name: string): Promise<bigint> {
    const frame = await this.topFrame(threadId);
    const regs = await this.scopeVariables(frame.id, 'Registers');
    const v = regs.find((x) => x.name === name);
    assert.ok(v, `no register ${name}`);
    return BigInt(v.value.replace(/_/g, ''));
  }

  /**
   * Sends a message exactly as given (plus a seq far from the client's own), for requests DebugClient
   * would not send (no command, arguments that are not an object); resolves with the response to it.
   */
  sendRaw(message: Record<string, unknown>): Promise<DebugProtocol.Response> {
    const seq = this.rawSeq++;
    const json = JSON.stringify({ seq, type: 'request', ...message });
    return this.send(seq, json, `raw request ${json}`);
  }

  /** Writes raw bytes to the adapter (for malformed messages). */
  writeRaw(text: string): void {
    this.wire.output.write(text);
  }

  /** Disconnects (if the adapter still answers) and ends the process or socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) clearTimeout(w.timer);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => { timer = setTimeout(resolve, 2000); });
    await Promise.race([this.request('disconnect', {}).then(() => {}, () => {}), gaveUp]);
    clearTimeout(timer);
    this.wire.end();
  }
}

/** A session over stdio: a fresh adapter process. */
export async function stdioSession(): Promise<Dap> {
  const proc = spawn(process.execPath, [adapterJs], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => { proc.once('spawn', () => resolve()); proc.once('error', reject); });
  return new Dap({ input: proc.stdout!, output: proc.stdin!, process: proc, end: () => { if (proc.exitCode === null) proc.kill(); } }, 'stdio');
}

/** The adapter as a server (`--server=0`): the port it printed, and the process. */
export interface AdapterServer {
  readonly port: number;
  /** The token the server printed: a client presents it in initialize. */
  readonly token: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export function startServer(): Promise<AdapterServer> {
  const proc = spawn(process.execPath, [adapterJs, '--server=0'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => { proc.kill(); reject(new Error(`the adapter did not print its port: ${err}`)); }, TIMEOUT_MS);
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`the adapter server exited (${code}): ${err}`)));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => {
      err += d;
      const m = /listening on 127\.0\.0\.1:(\d+) \(token (\w+)\)/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]), token: m[2], process: proc,
        stop: () => new Promise<void>((done) => {
          if (proc.exitCode !== null) return done();
          proc.removeAllListeners('exit');
          proc.on('exit', () => done());
          proc.kill();
        }),
      });
    });
  });
}

/** A connection to an adapter server, not yet past the token. */
export async function connectTo(server: AdapterServer): Promise<Dap> {
  const socket = connect(server.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('error', reject); });
  socket.setNoDelay(true);
  return new Dap({ input: socket, output: socket, process: null, end: () => socket.destroy() }, 'socket');
}

/**
 * A session over a socket to a running adapter server, past the token: its first initialize carried
 * it, and neither it nor the initialized event after it is in the log or the event buffer (the tests'
 * own initialize, if any, comes after).
 */
export async function socketSession(server: AdapterServer): Promise<Dap> {
  const d = await connectTo(server);
  await d.ok('initialize', { adapterID: 'mover', moverToken: server.token });
  await d.event('initialized');
  d.log.length = 0;
  return d;
}

/** Decodes readMemory's base64. */
export function bytes(body: Body<DebugProtocol.ReadMemoryResponse>): Buffer {
  return Buffer.from(body.data ?? '', 'base64');
}

/** The 1-based line of the first line of a file containing `text` (so tests do not hard-code line numbers). */
export function lineOf(text: string, source: string, occurrence = 1): number {
  const lines = source.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i].includes(text) && ++seen === occurrence) return i + 1;
  throw new Error(`no line with ${JSON.stringify(text)}`);
}

export type Transport = 'stdio' | 'socket';

/**
 * Declares the same tests over stdio (a process per session) and over a socket (one `--server=0`
 * process, a connection per session). `open` starts a session that is closed after each test. The two
 * transports run side by side (their adapters are separate processes); within one, tests run in turn.
 */
export function overBothTransports(name: string, body: (open: () => Promise<Dap>, transport: Transport) => void): void {
  describe(name, { concurrency: 2 }, () => {
    for (const transport of ['stdio', 'socket'] as const) {
      describe(`[${transport}]`, { concurrency: 1 }, () => {
        let server: AdapterServer | undefined;
        const sessions: Dap[] = [];
        before(async () => {
          ensureBuilt('debugAdapter.js', ['debug-adapter', 'emulator']);
          if (transport === 'socket') server = await startServer();
        });
        afterEach(async () => { await Promise.all(sessions.splice(0).map((s) => s.close())); });
        after(async () => { await server?.stop(); });
        body(async () => {
          const s = transport === 'stdio' ? await stdioSession() : await socketSession(server!);
          sessions.push(s);
          return s;
        }, transport);
      });
    }
  });
}
