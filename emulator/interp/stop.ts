// Why a run stopped: a closed union, so every consumer (CLI, debug adapter) handles each case.

import type { PageFault } from '../processor';
import type { TlbFinding } from '../tlb-sanitizer';

export type RuntimeFault =
  | (PageFault & { readonly space: string })
  | { readonly kind: 'general-protection'; readonly message: string }
  | { readonly kind: 'divide-error' }
  | { readonly kind: 'assert'; readonly message: string; readonly actual: bigint; readonly expected: bigint }
  | { readonly kind: 'io-error'; readonly message: string }
  | { readonly kind: 'bad-jump'; readonly target: number }
  | { readonly kind: 'preempt-underflow' }
  | { readonly kind: 'double-fault'; readonly first: PageFault & { readonly space: string } }
  | { readonly kind: 'iret-outside-handler' }
  /** The thread went past the program's last instruction (fell through it, or jumped to a label after it). */
  | { readonly kind: 'ran-off-the-end' };

export interface Where {
  readonly thread: number;
  readonly cpu: number;
  /** Instruction index (text address / 4) the stop refers to. */
  readonly pc: number;
}

export interface WatchHit {
  readonly id: number;
  readonly access: 'read' | 'write';
  readonly va: number;
  readonly pa: number;
  readonly size: number;
  readonly space: string;
}

export type StopReason =
  /** Every thread has halted. */
  | { readonly kind: 'halted' }
  /** The instruction budget of this run was used up (the program goes on at the next run). */
  | { readonly kind: 'budget' }
  /** The stepped thread retired the requested instructions. */
  | ({ readonly kind: 'step' } & Where)
  /** A breakpoint instruction was reached; the instruction has not run. */
  | ({ readonly kind: 'breakpoint' } & Where)
  /** A watched address was accessed; the instruction has completed. */
  | ({ readonly kind: 'watchpoint'; readonly hit: WatchHit } & Where)
  /** The program cannot go on (no handler, or not a page fault): the instruction did not complete. */
  | ({ readonly kind: 'fault'; readonly fault: RuntimeFault } & Where)
  /** A page fault went to the thread's handler (reported only when asked for); pc is the handler. */
  | ({ readonly kind: 'fault-handled'; readonly fault: RuntimeFault; readonly faultingPc: number } & Where)
  /** A CR0/CR3 write changed the space the processor runs in; the instruction has completed. */
  | ({ readonly kind: 'vs-switch'; readonly from: string; readonly to: string; readonly fromCr3: number; readonly toCr3: number; readonly fromPaging: boolean; readonly toPaging: boolean } & Where)
  /** An access missed the TLB (reported only when asked for); the instruction has completed. */
  | ({ readonly kind: 'tlb-miss'; readonly va: number; readonly write: boolean; readonly space: string } & Where)
  /** An access used a stale TLB entry (the sanitizer's finding; reported only when asked for); the instruction has completed. */
  | ({ readonly kind: 'tlb-stale'; readonly finding: TlbFinding } & Where)
  /** An `event` instruction ran (e.g. the snapshot module's copy-on-first-write). */
  | ({ readonly kind: 'event'; readonly name: string; readonly a: bigint; readonly b: bigint } & Where);

export type StopKind = StopReason['kind'];
