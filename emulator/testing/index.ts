export * from './run-test';
export * from './coverage';
