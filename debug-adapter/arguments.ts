// The declared type of every request's arguments, checked before the handler runs: JSON from a client
// may hold anything, and a wrong-typed field (a string space, a fractional id, a null entry) must come
// back as a clear BadArguments error, never reach a handler as an exception. Presence is each
// handler's business (it says what is missing); here only the type of what is present.

import { ErrorCode } from './protocol';
import { RequestError, type RequestName } from './request';

/** A field's type: ids, lines, counts and offsets are 'integer' (safe integers). */
export type Field = 'string' | 'integer' | 'boolean' | 'object' | 'any' | { readonly array: Field } | { readonly shape: Shape } | { readonly nullable: Field };
export interface Shape { readonly [field: string]: Field }

const SOURCE: Field = { shape: { name: 'string', path: 'string', sourceReference: 'integer', presentationHint: 'string', origin: 'string', adapterData: 'any', sources: 'any', checksums: 'any' } };
const THREAD: Shape = { threadId: 'integer', singleThread: 'boolean', granularity: 'string' };
const FORMAT = 'object';

/** Every request's arguments, by field (fields not listed are ignored). */
export const ARGUMENT_SHAPES: { readonly [K in RequestName]: Shape } = {
  initialize: { clientID: 'string', clientName: 'string', adapterID: 'string', locale: 'string', linesStartAt1: 'boolean', columnsStartAt1: 'boolean', pathFormat: 'string', moverToken: 'string' },
  // launch has its own schema (launch-args.ts, checked against package.json).
  launch: { noDebug: 'boolean' },
  configurationDone: {},
  disconnect: { restart: 'boolean', terminateDebuggee: 'boolean', suspendDebuggee: 'boolean' },
  terminate: { restart: 'boolean' },
  restart: { arguments: 'object' },
  setBreakpoints: { source: SOURCE, breakpoints: { array: { shape: { line: 'integer', column: 'integer', condition: 'string', hitCondition: 'string', logMessage: 'string', mode: 'string' } } }, lines: { array: 'integer' }, sourceModified: 'boolean' },
  setFunctionBreakpoints: { breakpoints: { array: { shape: { name: 'string', condition: 'string', hitCondition: 'string' } } } },
  setInstructionBreakpoints: { breakpoints: { array: { shape: { instructionReference: 'string', offset: 'integer', condition: 'string', hitCondition: 'string', mode: 'string' } } } },
  setExceptionBreakpoints: { filters: { array: 'string' }, filterOptions: { array: { shape: { filterId: 'string', condition: 'string', mode: 'string' } } }, exceptionOptions: { array: 'object' } },
  breakpointLocations: { source: SOURCE, line: 'integer', column: 'integer', endLine: 'integer', endColumn: 'integer' },
  dataBreakpointInfo: { variablesReference: 'integer', name: 'string', frameId: 'integer', bytes: 'integer', asAddress: 'boolean', mode: 'string' },
  setDataBreakpoints: { breakpoints: { array: { shape: { dataId: 'string', accessType: 'string', condition: 'string', hitCondition: 'string' } } } },
  threads: {},
  stackTrace: { threadId: 'integer', startFrame: 'integer', levels: 'integer', format: FORMAT },
  scopes: { frameId: 'integer' },
  variables: { variablesReference: 'integer', filter: 'string', start: 'integer', count: 'integer', format: FORMAT },
  setVariable: { variablesReference: 'integer', name: 'string', value: 'string', format: FORMAT },
  setExpression: { expression: 'string', value: 'string', frameId: 'integer', format: FORMAT },
  continue: THREAD,
  next: THREAD,
  stepIn: { ...THREAD, targetId: 'integer' },
  stepOut: THREAD,
  stepBack: THREAD,
  reverseContinue: THREAD,
  pause: { threadId: 'integer' },
  gotoTargets: { source: SOURCE, line: 'integer', column: 'integer' },
  goto: { threadId: 'integer', targetId: 'integer' },
  source: { source: SOURCE, sourceReference: 'integer' },
  evaluate: { expression: 'string', frameId: 'integer', line: 'integer', column: 'integer', source: SOURCE, context: 'string', format: FORMAT },
  completions: { frameId: 'integer', text: 'string', column: 'integer', line: 'integer' },
  exceptionInfo: { threadId: 'integer' },
  readMemory: { memoryReference: 'string', offset: 'integer', count: 'integer' },
  writeMemory: { memoryReference: 'string', offset: 'integer', allowPartial: 'boolean', data: 'string' },
  disassemble: { memoryReference: 'string', offset: 'integer', instructionOffset: 'integer', instructionCount: 'integer', resolveSymbols: 'boolean' },
  loadedSources: {},
  'mover/layout': {},
  'mover/walk': { va: 'string', space: 'string', cpu: 'integer' },
  'mover/lastWalk': { cpu: 'integer' },
  'mover/tlb': { cpu: 'integer' },
  'mover/controlRegisters': {},
  'mover/objects': {},
  'mover/whereis': { pa: 'string' },
  'mover/compare': { va: 'string', length: 'integer' },
  'mover/diff': { back: 'integer' },
  'mover/snapshots': {},
  'mover/dnlc': {},
  'mover/thread': { threadId: 'integer' },
  'mover/breakOnVsSwitch': { targets: { nullable: { array: 'string' } } },
  'mover/translations': { space: 'string', va: 'string', count: 'integer' },
  'mover/structs': {},
  'mover/structValues': { type: 'string', memoryReference: 'string' },
};

function describe(f: Field): string {
  if (typeof f === 'string') return f === 'integer' ? 'a whole number' : f === 'object' ? 'an object' : `a ${f}`;
  if ('array' in f) return `an array of ${describe(f.array).replace(/^an? /, '')}s`;
  if ('nullable' in f) return `${describe(f.nullable)} or null`;
  return 'an object';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a value is not of a field's type (with the path to the bad part), or null when it is. */
function problem(v: unknown, f: Field, at: string): string | null {
  if (f === 'any') return null;
  const wrong = () => `${at} must be ${describe(f)} (got ${JSON.stringify(v) ?? typeof v})`;
  if (f === 'string' || f === 'boolean') return typeof v === f ? null : wrong();
  if (f === 'integer') return Number.isSafeInteger(v) ? null : wrong();
  if (f === 'object') return isObject(v) ? null : wrong();
  if ('nullable' in f) return v === null ? null : problem(v, f.nullable, at);
  if ('array' in f) {
    if (!Array.isArray(v)) return wrong();
    for (let i = 0; i < v.length; i++) { const p = problem(v[i], f.array, `${at}[${i}]`); if (p) return p; }
    return null;
  }
  if (!isObject(v)) return wrong();
  return shapeProblem(v, f.shape, at);
}

function shapeProblem(v: Record<string, unknown>, shape: Shape, at: string): string | null {
  for (const [name, f] of Object.entries(shape)) {
    if (!Object.hasOwn(v, name) || v[name] === undefined) continue;
    const p = problem(v[name], f, at ? `${at}.${name}` : name);
    if (p) return p;
  }
  return null;
}

/** Throws BadArguments when a present field of the arguments is not of its declared type. */
export function checkArguments(command: RequestName, args: Record<string, unknown>): void {
  const p = shapeProblem(args, ARGUMENT_SHAPES[command], '');
  if (p) throw new RequestError(ErrorCode.BadArguments, `${command}: ${p}`);
}
