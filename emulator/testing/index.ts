export * from './run-test';
export * from './coverage';
export * from './random-program';
export * from './machine-state';
