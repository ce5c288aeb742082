// The emulator's public surface: the machine, its layouts and its side-effect-free inspection.
export * from './hex';
export * from './physical-memory';
export * from './paging';
export * from './tlb';
export * from './processor';
export * from './layout';
export * from './layout-file';
export * from './source-file';
export * from './boot';
export * from './block-device';
export * from './machine';
export * from './inspect';
export * from './report';
export * from './asm/index';
export * from './interp/index';
export * from './describe';
export * from './testing/index';
