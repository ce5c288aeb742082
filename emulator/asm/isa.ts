// The mover-script instruction set: one table that the assembler checks operands against, the
// language server documents, and docs/language.md is generated from.
//
// Operand kinds in a form:
//   R  a general register (r0..r15; sp = r15, fp = r14)      C  a control register (cr0, cr2, cr3, cr4)
//   I  a constant expression (64-bit)                        M  a memory operand [base + index*scale + disp]
//   L  a code label (or constant code address)                S  a string literal
// A form's opcode is the pre-decoded operation the interpreter runs.

export const enum Op {
  NOP = 0, HALT, BREAK, YIELD,
  MOV_RR, MOV_RI, MOV_RC, MOV_CR, LEA,
  LD8, LD16, LD32, LD64, LDS8, LDS16, LDS32,
  ST8, ST16, ST32, ST64, ST8_I, ST16_I, ST32_I, ST64_I,
  ADD_RRR, ADD_RRI, SUB_RRR, SUB_RRI, MUL_RRR, MUL_RRI, DIV_RRR, DIV_RRI, MOD_RRR, MOD_RRI,
  IDIV_RRR, IDIV_RRI, IMOD_RRR, IMOD_RRI, AND_RRR, AND_RRI, OR_RRR, OR_RRI, XOR_RRR, XOR_RRI,
  SHL_RRR, SHL_RRI, SHR_RRR, SHR_RRI, SAR_RRR, SAR_RRI, NOT, NEG,
  BEQ_RR, BEQ_RI, BNE_RR, BNE_RI, BLT_RR, BLT_RI, BGE_RR, BGE_RI, BGT_RR, BGT_RI, BLE_RR, BLE_RI,
  BLTU_RR, BLTU_RI, BGEU_RR, BGEU_RI, BGTU_RR, BGTU_RI, BLEU_RR, BLEU_RI,
  JMP, JMP_R, CALL, CALL_R, RET, PUSH_R, PUSH_I, POP,
  INVLPG, FLUSH_RANGE, FLUSH_ALL, PREEMPT_OFF, PREEMPT_ON, SPIN_LOCK, SPIN_UNLOCK,
  CPUID, TID, BREAD, BWRITE, VOL_NEW, PRINT, HANDLER, IRET, EVENT, ASSERT,
}

export type OperandKind = 'R' | 'C' | 'I' | 'M' | 'L' | 'S';
/** One operand slot: the kinds it accepts. "RI" takes a register or a constant. */
export type OperandSpec = string;

export interface InstructionForm {
  readonly operands: readonly OperandSpec[];
  /** Opcodes chosen by the kinds actually written, keyed by the kinds joined ("RR", "RI", ...). */
  readonly op: Op | Readonly<Record<string, Op>>;
}

export type InstructionGroup = 'data movement' | 'memory' | 'arithmetic' | 'logic' | 'branches' | 'calls and stack' | 'paging and TLB' | 'processor' | 'block I/O' | 'console and debugging' | 'threads';

export interface InstructionDoc {
  readonly mnemonic: string;
  readonly group: InstructionGroup;
  readonly syntax: readonly string[];
  readonly summary: string;
  readonly example: string;
  /** Runs only at privilege level 0 (all mover code does, [00037]). */
  readonly privileged?: boolean;
  readonly forms: readonly InstructionForm[];
}

const alu = (mnemonic: string, rrr: Op, rri: Op, summary: string, example: string, group: InstructionGroup = 'arithmetic'): InstructionDoc => ({
  mnemonic, group, syntax: [`${mnemonic} rd, rs, rt|imm`, `${mnemonic} rd, rt|imm`], summary, example,
  forms: [{ operands: ['R', 'R', 'RI'], op: { RRR: rrr, RRI: rri } }, { operands: ['R', 'RI'], op: { RR: rrr, RI: rri } }],
});

const branch = (mnemonic: string, rr: Op, ri: Op, summary: string): InstructionDoc => ({
  mnemonic, group: 'branches', syntax: [`${mnemonic} rs, rt|imm, label`], summary, example: `${mnemonic} r1, r2, .loop`,
  forms: [{ operands: ['R', 'RI', 'L'], op: { RRL: rr, RIL: ri } }],
});

const load = (mnemonic: string, op: Op, bits: number, signed: boolean): InstructionDoc => ({
  mnemonic, group: 'memory', syntax: [`${mnemonic} rd, [address]`],
  summary: `Loads ${bits} bits from the virtual address through the current space (TLB, walk, faults) and ${signed ? 'sign' : 'zero'}-extends them to 64.`,
  example: `${mnemonic} r1, [r2 + dnlc_entry.inode]`, forms: [{ operands: ['R', 'M'], op }],
});

const store = (mnemonic: string, reg: Op, imm: Op, bits: number): InstructionDoc => ({
  mnemonic, group: 'memory', syntax: [`${mnemonic} [address], rs|imm`],
  summary: `Stores the low ${bits} bits of a register or constant at the virtual address through the current space.`,
  example: `${mnemonic} [sp + 8], r3`, forms: [{ operands: ['M', 'RI'], op: { MR: reg, MI: imm } }],
});

export const INSTRUCTIONS: readonly InstructionDoc[] = [
  { mnemonic: 'nop', group: 'processor', syntax: ['nop'], summary: 'Does nothing for one instruction.', example: 'nop', forms: [{ operands: [], op: Op.NOP }] },
  { mnemonic: 'halt', group: 'threads', syntax: ['halt'], summary: 'Ends the running thread. The program ends when every thread has halted.', example: 'halt', forms: [{ operands: [], op: Op.HALT }] },
  { mnemonic: 'yield', group: 'threads', syntax: ['yield'], summary: 'Gives the processor to the next ready thread on it (if preemption is on), as a timer interrupt would.', example: 'yield', forms: [{ operands: [], op: Op.YIELD }] },
  {
    mnemonic: 'mov', group: 'data movement', syntax: ['mov rd, rs|imm', 'mov rd, crN', 'mov crN, rs'],
    summary: 'Copies a register or a 64-bit constant into a register. With a control register it is MOV to/from CR0, CR2, CR3, CR4: writing CR3 under paging loads the four PDPTEs and flushes non-global TLB entries; clearing CR0.PG flushes the whole TLB; a value the architecture refuses raises #GP.',
    example: 'mov r1, VS1_CR3\nmov cr3, r1', privileged: true,
    forms: [{ operands: ['R', 'RI'], op: { RR: Op.MOV_RR, RI: Op.MOV_RI } }, { operands: ['R', 'C'], op: Op.MOV_RC }, { operands: ['C', 'R'], op: Op.MOV_CR }],
  },
  { mnemonic: 'lea', group: 'data movement', syntax: ['lea rd, [address]'], summary: 'Computes base + index*scale + disp (32 bits) without touching memory.', example: 'lea r2, [r1 + r3*8 + 16]', forms: [{ operands: ['R', 'M'], op: Op.LEA }] },
  load('ld8', Op.LD8, 8, false), load('ld16', Op.LD16, 16, false), load('ld32', Op.LD32, 32, false), load('ld64', Op.LD64, 64, false),
  load('lds8', Op.LDS8, 8, true), load('lds16', Op.LDS16, 16, true), load('lds32', Op.LDS32, 32, true),
  store('st8', Op.ST8, Op.ST8_I, 8), store('st16', Op.ST16, Op.ST16_I, 16), store('st32', Op.ST32, Op.ST32_I, 32), store('st64', Op.ST64, Op.ST64_I, 64),
  alu('add', Op.ADD_RRR, Op.ADD_RRI, 'Adds, modulo 2^64.', 'add r1, r1, 8'),
  alu('sub', Op.SUB_RRR, Op.SUB_RRI, 'Subtracts, modulo 2^64.', 'sub sp, 16'),
  alu('mul', Op.MUL_RRR, Op.MUL_RRI, 'Multiplies, keeping the low 64 bits.', 'mul r2, r1, dnlc_entry_size'),
  alu('div', Op.DIV_RRR, Op.DIV_RRI, 'Unsigned division. Dividing by zero stops the program with a divide error.', 'div r1, r1, 4096'),
  alu('mod', Op.MOD_RRR, Op.MOD_RRI, 'Unsigned remainder. Zero divisor: divide error.', 'mod r2, r1, 64'),
  alu('idiv', Op.IDIV_RRR, Op.IDIV_RRI, 'Signed division, rounding toward zero. Zero divisor: divide error.', 'idiv r1, r1, r2'),
  alu('imod', Op.IMOD_RRR, Op.IMOD_RRI, 'Signed remainder (sign of the dividend). Zero divisor: divide error.', 'imod r1, r1, r2'),
  alu('and', Op.AND_RRR, Op.AND_RRI, 'Bitwise AND.', 'and r2, r1, 0xF_FFFF_F000', 'logic'),
  alu('or', Op.OR_RRR, Op.OR_RRI, 'Bitwise OR.', 'or r1, r1, CR0_PG', 'logic'),
  alu('xor', Op.XOR_RRR, Op.XOR_RRI, 'Bitwise exclusive OR.', 'xor r1, r1, r1', 'logic'),
  alu('shl', Op.SHL_RRR, Op.SHL_RRI, 'Shifts left by the count modulo 64.', 'shl r1, r1, 12', 'logic'),
  alu('shr', Op.SHR_RRR, Op.SHR_RRI, 'Logical shift right by the count modulo 64.', 'shr r1, r1, 21', 'logic'),
  alu('sar', Op.SAR_RRR, Op.SAR_RRI, 'Arithmetic shift right by the count modulo 64.', 'sar r1, r1, 1', 'logic'),
  { mnemonic: 'not', group: 'logic', syntax: ['not rd, rs', 'not rd'], summary: 'Bitwise complement.', example: 'not r1, r2', forms: [{ operands: ['R', 'R'], op: Op.NOT }, { operands: ['R'], op: Op.NOT }] },
  { mnemonic: 'neg', group: 'arithmetic', syntax: ['neg rd, rs', 'neg rd'], summary: 'Two\'s complement negation.', example: 'neg r1', forms: [{ operands: ['R', 'R'], op: Op.NEG }, { operands: ['R'], op: Op.NEG }] },
  branch('beq', Op.BEQ_RR, Op.BEQ_RI, 'Branches when equal.'),
  branch('bne', Op.BNE_RR, Op.BNE_RI, 'Branches when not equal.'),
  branch('blt', Op.BLT_RR, Op.BLT_RI, 'Branches when less (signed).'),
  branch('bge', Op.BGE_RR, Op.BGE_RI, 'Branches when greater or equal (signed).'),
  branch('bgt', Op.BGT_RR, Op.BGT_RI, 'Branches when greater (signed).'),
  branch('ble', Op.BLE_RR, Op.BLE_RI, 'Branches when less or equal (signed).'),
  branch('bltu', Op.BLTU_RR, Op.BLTU_RI, 'Branches when below (unsigned).'),
  branch('bgeu', Op.BGEU_RR, Op.BGEU_RI, 'Branches when above or equal (unsigned).'),
  branch('bgtu', Op.BGTU_RR, Op.BGTU_RI, 'Branches when above (unsigned).'),
  branch('bleu', Op.BLEU_RR, Op.BLEU_RI, 'Branches when below or equal (unsigned).'),
  { mnemonic: 'jmp', group: 'branches', syntax: ['jmp label', 'jmp rs'], summary: 'Jumps to a label, or to the code address in a register.', example: 'jmp .done', forms: [{ operands: ['L'], op: Op.JMP }, { operands: ['R'], op: Op.JMP_R }] },
  { mnemonic: 'call', group: 'calls and stack', syntax: ['call label', 'call rs'], summary: 'Pushes the return address (8 bytes, through the current space) and jumps. The debugger shows a stack frame per call.', example: 'call dnlc_lookup', forms: [{ operands: ['L'], op: Op.CALL }, { operands: ['R'], op: Op.CALL_R }] },
  { mnemonic: 'ret', group: 'calls and stack', syntax: ['ret'], summary: 'Pops the return address and jumps to it.', example: 'ret', forms: [{ operands: [], op: Op.RET }] },
  { mnemonic: 'push', group: 'calls and stack', syntax: ['push rs|imm'], summary: 'sp -= 8, then stores the 64-bit value at [sp].', example: 'push r1', forms: [{ operands: ['RI'], op: { R: Op.PUSH_R, I: Op.PUSH_I } }] },
  { mnemonic: 'pop', group: 'calls and stack', syntax: ['pop rd'], summary: 'Loads the 64-bit value at [sp], then sp += 8.', example: 'pop r1', forms: [{ operands: ['R'], op: Op.POP }] },
  { mnemonic: 'invlpg', group: 'paging and TLB', syntax: ['invlpg [address]'], summary: 'Drops this processor\'s TLB entry for the page holding the address (global or not; all of a 2 MiB page).', example: 'invlpg [r1]', privileged: true, forms: [{ operands: ['M'], op: Op.INVLPG }] },
  { mnemonic: 'flush.range', group: 'paging and TLB', syntax: ['flush.range start, end'], summary: 'The patent\'s range flush ([00043], [00045]): drops this processor\'s TLB entries for every page in [start, end), global ones included.', example: 'flush.range 0x2000_0000, 0xF000_0000', privileged: true, forms: [{ operands: ['RI', 'RI'], op: Op.FLUSH_RANGE }] },
  { mnemonic: 'flush.all', group: 'paging and TLB', syntax: ['flush.all'], summary: 'Drops every entry of this processor\'s TLB, global ones included.', example: 'flush.all', privileged: true, forms: [{ operands: [], op: Op.FLUSH_ALL }] },
  { mnemonic: 'preempt.off', group: 'threads', syntax: ['preempt.off'], summary: 'Increments this processor\'s preemption count ([00041] step 91): the timer will not switch threads until it is back to zero.', example: 'preempt.off', forms: [{ operands: [], op: Op.PREEMPT_OFF }] },
  { mnemonic: 'preempt.on', group: 'threads', syntax: ['preempt.on'], summary: 'Decrements the preemption count ([00041] step 98). Below zero is an error.', example: 'preempt.on', forms: [{ operands: [], op: Op.PREEMPT_ON }] },
  { mnemonic: 'spin.lock', group: 'threads', syntax: ['spin.lock [address]'], summary: 'Acquires the spinlock word at the address: if it is 0, writes the thread number + 1 and increments the preemption count ([00041]); otherwise spins on this instruction.', example: 'spin.lock [dnlc_lock]', forms: [{ operands: ['M'], op: Op.SPIN_LOCK }] },
  { mnemonic: 'spin.unlock', group: 'threads', syntax: ['spin.unlock [address]'], summary: 'Releases the spinlock (writes 0) and decrements the preemption count.', example: 'spin.unlock [dnlc_lock]', forms: [{ operands: ['M'], op: Op.SPIN_UNLOCK }] },
  { mnemonic: 'cpuid', group: 'processor', syntax: ['cpuid rd'], summary: 'The number of the processor running this thread (0, 1, ...): selects the per-processor data region ([00042]).', example: 'cpuid r1', forms: [{ operands: ['R'], op: Op.CPUID }] },
  { mnemonic: 'tid', group: 'threads', syntax: ['tid rd'], summary: 'The number of the running thread (in .thread order, from 0).', example: 'tid r1', forms: [{ operands: ['R'], op: Op.TID }] },
  { mnemonic: 'bread', group: 'block I/O', syntax: ['bread volume, block, count, pa'], summary: 'DMA from a volume to physical memory: count blocks from block to the physical address (no translation).', example: 'bread CLONE, r1, 1, r2', forms: [{ operands: ['RI', 'RI', 'RI', 'RI'], op: Op.BREAD }] },
  { mnemonic: 'bwrite', group: 'block I/O', syntax: ['bwrite volume, block, count, pa'], summary: 'DMA from physical memory to a volume.', example: 'bwrite CLONE, r1, 1, r2', forms: [{ operands: ['RI', 'RI', 'RI', 'RI'], op: Op.BWRITE }] },
  { mnemonic: 'vol.new', group: 'block I/O', syntax: ['vol.new rd, blocks'], summary: 'Creates a volume of 4 KiB blocks and puts its number in rd (a save volume per snapshot, [00051]).', example: 'vol.new r1, 1024', forms: [{ operands: ['R', 'RI'], op: Op.VOL_NEW }] },
  { mnemonic: 'print', group: 'console and debugging', syntax: ['print "text {r1} {r2:d}"'], summary: 'Writes a line to the console. {rN} prints a register in hex, {rN:d} in decimal, {rN:s} the zero-terminated string at that virtual address, {cpu}, {tid} and {space} the context.', example: 'print "inode {r0:d} from {space}"', forms: [{ operands: ['S'], op: Op.PRINT }] },
  { mnemonic: 'handler', group: 'processor', syntax: ['handler label', 'handler 0'], summary: 'Installs this thread\'s page-fault handler: on a fault, the faulting instruction\'s address and then the error code are pushed, and the handler runs (CR2 holds the address). 0 removes it.', example: 'handler on_fault', forms: [{ operands: ['L'], op: Op.HANDLER }] },
  { mnemonic: 'iret', group: 'processor', syntax: ['iret'], summary: 'Returns from the fault handler: pops the address of the faulting instruction and retries it (pop the error code first).', example: 'pop r1\niret', forms: [{ operands: [], op: Op.IRET }] },
  { mnemonic: 'event', group: 'console and debugging', syntax: ['event name, a, b'], summary: 'Tells the debugger that something a module defines happened (the snapshot module\'s copy-on-first-write: event cofw, block, save_block). Does nothing else.', example: 'event cofw, r1, r4', forms: [{ operands: ['I', 'RI', 'RI'], op: Op.EVENT }] },
  { mnemonic: 'assert', group: 'console and debugging', syntax: ['assert rs, rt|imm, "message"'], summary: 'Stops the program with the message unless rs equals the value: a check that examples and tests rely on.', example: 'assert r0, 42, "lookup found the inode"', forms: [{ operands: ['R', 'RI', 'S'], op: Op.ASSERT }] },
];

export const INSTRUCTION_BY_MNEMONIC: ReadonlyMap<string, InstructionDoc> = new Map(INSTRUCTIONS.map((d) => [d.mnemonic, d]));

/** Register names: r0..r15, with sp = r15 and fp = r14. */
export const REGISTER_ALIASES: Readonly<Record<string, number>> = { sp: 15, fp: 14 };
export const CONTROL_REGISTERS: Readonly<Record<string, number>> = { cr0: 0, cr2: 2, cr3: 3, cr4: 4 };

export function registerIndex(name: string): number | undefined {
  const n = name.toLowerCase();
  if (n in REGISTER_ALIASES) return REGISTER_ALIASES[n];
  const m = /^r(\d{1,2})$/.exec(n);
  if (m && Number(m[1]) < 16) return Number(m[1]);
  return undefined;
}

export function registerName(index: number): string {
  return index === 15 ? 'sp' : index === 14 ? 'fp' : `r${index}`;
}

export interface DirectiveDoc {
  readonly name: string;
  readonly syntax: string;
  readonly summary: string;
  readonly example: string;
}

export const DIRECTIVES: readonly DirectiveDoc[] = [
  { name: '.equ', syntax: '.equ NAME, expression', summary: 'Defines a constant. Constants may use constants defined later.', example: '.equ DNLC_BUCKETS, 1024' },
  { name: '.include', syntax: '.include "file.mover"', summary: 'Assembles another file here: relative to this file, else from the library (lib/: boot, vsgate, dnlc, snapshot).', example: '.include "vsgate.mover"' },
  { name: '.struct', syntax: '.struct NAME ... .endstruct', summary: 'Declares a layout; each line inside is `field type` with type u8, u16, u32, u64, i8..i64, ptr, a pointer to a struct `name*`, another struct, or an array `type[count]`. NAME.field is the field\'s offset and sizeof(NAME) the size; the debugger shows memory typed by it.', example: '.struct dnlc_entry\n    next   dnlc_entry*\n    parent u32\n    inode  u32\n    name   u8[24]\n.endstruct' },
  { name: '.org', syntax: '.org space:address', summary: 'Places the data that follows at a virtual address of a space (vs1:0x2000_0000), or at a physical address (pa:0x1_0000_0000). Data is written into physical memory when the program loads.', example: '.org vs1:0x2000_0000' },
  { name: '.byte', syntax: '.byte value, ...', summary: '8-bit values.', example: '.byte 1, 2, 0xFF' },
  { name: '.half', syntax: '.half value, ...', summary: '16-bit little-endian values.', example: '.half 0x1234' },
  { name: '.word', syntax: '.word value, ...', summary: '32-bit little-endian values.', example: '.word 0xDEAD_BEEF, label' },
  { name: '.quad', syntax: '.quad value, ...', summary: '64-bit little-endian values.', example: '.quad 0x1_0000_0000' },
  { name: '.ascii', syntax: '.ascii "text"', summary: 'String bytes without a terminator.', example: '.ascii "etc"' },
  { name: '.asciz', syntax: '.asciz "text"', summary: 'String bytes and a zero byte.', example: '.asciz "passwd"' },
  { name: '.zero', syntax: '.zero count', summary: 'count zero bytes (allocates nothing in physical memory).', example: '.zero 4096' },
  { name: '.align', syntax: '.align boundary', summary: 'Advances the data address to a multiple of boundary (a power of two).', example: '.align 8' },
  { name: '.thread', syntax: '.thread NAME, entry, cpu=N, stack=ADDRESS', summary: 'Declares a thread: its entry label, the processor that runs it (default 0) and its initial stack pointer (default: a 64 KiB stack in C1 per thread).', example: '.thread main, start, cpu=0' },
  { name: '.volume', syntax: '.volume NAME, blockSize, blocks', summary: 'Declares a volume of the cached disk array ([00027]); NAME is its number for bread/bwrite.', example: '.volume CLONE, 4096, 64' },
  { name: '.object', syntax: '.object NAME, type, space:address', summary: 'Names typed data in a space: NAME is the address, and the debugger\'s Modules view shows it decoded by the struct type.', example: '.object dnlc, dnlc_table, vs1:0x2000_0000' },
  { name: '.expect_stale', syntax: '.expect_stale', summary: 'Marks the next instruction as an intended use of a stale TLB entry (a demonstration of a missing flush): the TLB sanitizer (`mover run --check-tlb`, the debugger\'s "Stale TLB use" filter, the `checkTlb` launch attribute) reports its stale use as expected, not as an error.', example: '.expect_stale\n    ld32 r4, [r3]                   ; reads the old frame on purpose' },
  { name: '.test', syntax: '.test NAME, entry, ..., cpus=N, steps=N, timer=N', summary: 'Declares a test that `mover test` and the Test Explorer run in a fresh machine, with one thread per entry label (the k-th on processor k) instead of the program\'s threads. It passes when every thread halts; an assert, a fault or the step limit (default 10,000,000) fails it.', example: '.test lookup_finds, t_lookup' },
];

export const DIRECTIVE_BY_NAME: ReadonlyMap<string, DirectiveDoc> = new Map(DIRECTIVES.map((d) => [d.name, d]));
