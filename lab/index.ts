// Public surface of lab/: the twin (simulation). lab/qemu adds its exports here.

export * from './twin/index.js';
export * from './qemu/index.js';
export * from './site/index.js';
