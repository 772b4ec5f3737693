export type * from './model.js';
export type * from './machine.js';
export type * from './result.js';
