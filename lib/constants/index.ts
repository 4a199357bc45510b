export * from './access.js';
export * from './wc-status.js';
export * from './wc-opcode.js';
export * from './wr-opcode.js';
export * from './wr-opcode-traits.js';
export * from './qp.js';
export * from './port.js';
export * from './async-event.js';
