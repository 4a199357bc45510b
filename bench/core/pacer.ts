// The pacer lives in the library's perf module (shared with `vrdma perf`).
export * from '../../lib/perf/pacer.js';
