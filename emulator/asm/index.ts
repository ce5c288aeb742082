export * from './isa';
export * from './syntax';
export * from './expression';
export * from './program';
export * from './assembler';
export * from './node-host';
export { FIELDS, SHAPE_OF, shapeOf, slotsOf, type Field, type Shape } from './encoding';
export { decode, decodeInstruction, type DecodedInstruction } from './disassemble';
