export * from './rdma-error.js';
export * from './invalid-argument-error.js';
export * from './closed-error.js';
export * from './unsupported-error.js';
export * from './verbs-error.js';
export * from './work-completion-error.js';
export { errnoName } from './errno.js';
export * from './exchange-error.js';
export * from './aborted-error.js';
