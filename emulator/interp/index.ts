export * from './interpreter';
export * from './stop';
