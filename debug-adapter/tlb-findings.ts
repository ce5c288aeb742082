// The TLB sanitizer's findings on their way to the client (mover/tlbFindings): each finding once, with
// its source position and the position of the write that made the entry stale, in the client's line
// and column bases. A finding met again after time travel is not sent twice.

import { findingPosition, hex, type Program } from '../emulator/index';
import type { TlbFindingView, TlbFindingsBody } from './protocol';
import type { MoverRuntime } from './runtime';
import type { ProgramSources } from './sources';

export class FindingsOutbox {
  /** Ids of the findings already sent. */
  private readonly sent = new Set<string>();

  constructor(private readonly lines: ProgramSources, private readonly toClientPath: (file: string) => string) {}

  /** The findings not sent yet (null when there are none); at the end (`final`) the sanitizer first reports missing shootdowns. */
  take(runtime: MoverRuntime, program: Program, final: boolean): TlbFindingsBody | null {
    const san = runtime.interp.sanitizer;
    if (!san) return null;
    if (final) san.finish();
    const pos = (pc: number) => {
      const at = findingPosition(program, pc);
      return at ? { path: this.toClientPath(at.file), line: this.lines.toClientLine(at.line + 1), column: this.lines.toClientColumn(at.col + 1) } : null;
    };
    const fresh: TlbFindingView[] = [];
    for (const f of san.findings) {
      const id = `${f.kind}:${f.cpu}:${f.pc}:${f.clock}:${f.va}`;
      if (this.sent.has(id)) continue;
      this.sent.add(id);
      fresh.push({
        id, kind: f.kind, severity: f.severity, expected: f.expected, message: f.message, cpu: f.cpu, space: f.space, va: hex(f.va, 8), source: pos(f.pc),
        tlbSaid: f.tlbSaid, tablesSay: f.tablesSay, ago: f.ago, fix: f.fix, clock: f.clock,
        write: f.write ? { cpu: f.write.cpu, kind: f.write.kind, pa: hex(f.write.pa), level: f.write.level, clock: f.write.clock, source: pos(f.write.pc) } : null,
      });
    }
    return fresh.length ? { findings: fresh, final } : null;
  }
}
