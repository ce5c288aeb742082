// What a stop is called in the stopped event: DAP's reason (VS Code shows its exception box only for
// 'exception', so stops the user asked for, VS switches, TLB misses, stale TLB uses and module events,
// get reasons of their own) and the description the Call Stack and the console show.

import { describeStop, type Program } from '../emulator/index';
import { STOP_COFW, STOP_TLB_MISS, STOP_TLB_STALE, STOP_VS_SWITCH } from './protocol';
import { describeHistoryStop, type RuntimeStop } from './runtime';

/** [reason, description] of a stop; `breakpointReason` names the kind of breakpoint at a pc. */
export function describeRuntimeStop(stop: RuntimeStop, p: Program, retired: number, breakpointReason: (pc: number) => string): [string, string] {
  switch (stop.kind) {
    case 'entry': return ['entry', 'Paused on entry'];
    case 'pause': case 'budget': return ['pause', 'Paused'];
    case 'step-limit': return ['pause', `Stopped after ${retired} instructions (maxSteps): the program had not halted`];
    case 'start-of-history': return ['step', describeHistoryStop(stop)];
    case 'step': return ['step', 'Step'];
    case 'breakpoint': return [breakpointReason(stop.pc), describeStop(stop, p)];
    case 'watchpoint': return ['data breakpoint', describeStop(stop, p)];
    case 'fault': case 'fault-handled': return ['exception', describeStop(stop, p)];
    case 'vs-switch': return [STOP_VS_SWITCH, describeStop(stop, p)];
    case 'tlb-miss': return [STOP_TLB_MISS, describeStop(stop, p)];
    case 'tlb-stale': return [STOP_TLB_STALE, describeStop(stop, p)];
    case 'event': return [stop.name === 'cofw' ? STOP_COFW : `event ${stop.name}`, describeStop(stop, p)];
    case 'halted': return ['exited', 'halted'];
  }
}
