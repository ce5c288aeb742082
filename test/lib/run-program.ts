// Assembles a generated mover program (with lib/ on the include path) and runs it to a halt.
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { Interpreter, Machine, assemble, nodeSourceHost, type StopReason } from '../../emulator/index';

export const LIB = path.resolve(__dirname, '..', '..', 'lib');

export function runProgram(source: string, options: { cpus?: number; timerQuantum?: number; budget?: number } = {}): { interp: Interpreter; machine: Machine; stop: StopReason; lines: string[] } {
  const r = assemble(path.join(LIB, '..', 'test', 'lib', 'generated.mover'), source, { host: nodeSourceHost, includePath: [LIB] });
  assert.ok(r.program, r.diagnostics.map((d) => `${d.span.line + 1}:${d.span.col + 1} ${d.message}`).join('\n'));
  const machine = new Machine({ cpus: options.cpus ?? 1 });
  const interp = new Interpreter(machine, r.program, options.timerQuantum ? { timerQuantum: options.timerQuantum } : {});
  const stop = interp.run(options.budget ?? 200_000_000);
  return { interp, machine, stop, lines: interp.output.map((l) => l.text) };
}

/** Deterministic random numbers (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
