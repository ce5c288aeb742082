export * from './interpreter';
export * from './stop';
export * from './bounded-log';
