export * from './interpreter';
export * from './stop';
export * from './bounded-log';
export { MAX_BLOCKS } from './compiler';
