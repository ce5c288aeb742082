// The typed request table of the adapter: every request it serves, standard and custom, with its
// arguments and response body, so the compiler checks each handler's reply; and the numbered error a
// handler throws to answer a request with a user-facing failure.

import type { DebugProtocol as P } from '@vscode/debugprotocol';
import { ErrorCode, type MoverRequests } from './protocol';

/** The standard DAP requests the adapter serves: command -> [arguments, response body]. */
export interface StandardRequests {
  initialize: [P.InitializeRequestArguments, P.Capabilities];
  launch: [P.LaunchRequestArguments, Record<string, never>];
  configurationDone: [P.ConfigurationDoneArguments, Record<string, never>];
  disconnect: [P.DisconnectArguments, Record<string, never>];
  terminate: [P.TerminateArguments, Record<string, never>];
  restart: [P.RestartArguments, Record<string, never>];
  setBreakpoints: [P.SetBreakpointsArguments, P.SetBreakpointsResponse['body']];
  setFunctionBreakpoints: [P.SetFunctionBreakpointsArguments, P.SetFunctionBreakpointsResponse['body']];
  setInstructionBreakpoints: [P.SetInstructionBreakpointsArguments, P.SetInstructionBreakpointsResponse['body']];
  setExceptionBreakpoints: [P.SetExceptionBreakpointsArguments, NonNullable<P.SetExceptionBreakpointsResponse['body']>];
  breakpointLocations: [P.BreakpointLocationsArguments, P.BreakpointLocationsResponse['body']];
  dataBreakpointInfo: [P.DataBreakpointInfoArguments, P.DataBreakpointInfoResponse['body']];
  setDataBreakpoints: [P.SetDataBreakpointsArguments, P.SetDataBreakpointsResponse['body']];
  threads: [Record<string, never>, P.ThreadsResponse['body']];
  stackTrace: [P.StackTraceArguments, P.StackTraceResponse['body']];
  scopes: [P.ScopesArguments, P.ScopesResponse['body']];
  variables: [P.VariablesArguments, P.VariablesResponse['body']];
  setVariable: [P.SetVariableArguments, P.SetVariableResponse['body']];
  setExpression: [P.SetExpressionArguments, P.SetExpressionResponse['body']];
  continue: [P.ContinueArguments, P.ContinueResponse['body']];
  next: [P.NextArguments, Record<string, never>];
  stepIn: [P.StepInArguments, Record<string, never>];
  stepOut: [P.StepOutArguments, Record<string, never>];
  stepBack: [P.StepBackArguments, Record<string, never>];
  reverseContinue: [P.ReverseContinueArguments, Record<string, never>];
  pause: [P.PauseArguments, Record<string, never>];
  gotoTargets: [P.GotoTargetsArguments, P.GotoTargetsResponse['body']];
  goto: [P.GotoArguments, Record<string, never>];
  source: [P.SourceArguments, P.SourceResponse['body']];
  evaluate: [P.EvaluateArguments, P.EvaluateResponse['body']];
  completions: [P.CompletionsArguments, P.CompletionsResponse['body']];
  exceptionInfo: [P.ExceptionInfoArguments, P.ExceptionInfoResponse['body']];
  readMemory: [P.ReadMemoryArguments, NonNullable<P.ReadMemoryResponse['body']>];
  writeMemory: [P.WriteMemoryArguments, NonNullable<P.WriteMemoryResponse['body']>];
  disassemble: [P.DisassembleArguments, NonNullable<P.DisassembleResponse['body']>];
  loadedSources: [P.LoadedSourcesArguments, P.LoadedSourcesResponse['body']];
}

export type Requests = StandardRequests & MoverRequests;
export type RequestName = keyof Requests;

/** A response body, and work to do once the response is on its way (the events it causes). */
export class After<B> {
  constructor(readonly body: B, readonly afterResponse: () => void) {}
}

/**
 * The handler of each request. Arguments arrive as JSON: their declared type is what a well-behaved
 * client sends, and each handler checks what it relies on before using it.
 */
export type Handlers = {
  [K in RequestName]: (args: Requests[K][0]) => Requests[K][1] | After<Requests[K][1]> | Promise<Requests[K][1] | After<Requests[K][1]>>;
};

export class RequestError extends Error {
  /** `showUser: false` for errors the client shows where they happened (the console, a watch) rather than as a notification. */
  constructor(readonly code: ErrorCode, message: string, readonly options: { readonly showUser?: boolean } = {}) { super(message); }
}

export const bad = (message: string): RequestError => new RequestError(ErrorCode.BadArguments, message);

/** The entries of a breakpoints array, each checked before any is kept (a bad one must not poison later requests). */
export function entries<T>(list: unknown, request: string, field: string, type: 'string' | 'number'): T[] {
  if (!Array.isArray(list)) throw bad(`${request} needs a breakpoints array`);
  for (const b of list) {
    if (typeof b !== 'object' || b === null || typeof (b as Record<string, unknown>)[field] !== type) throw bad(`${request}: every breakpoint needs a ${type} "${field}" (got ${JSON.stringify(b)})`);
  }
  return list as T[];
}
