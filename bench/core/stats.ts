// The statistics live in the library's perf module (shared with `vrdma perf`).
export * from '../../lib/perf/stats.js';
