export * from './isa';
export * from './syntax';
export * from './expression';
export * from './program';
export * from './assembler';
export * from './node-host';
