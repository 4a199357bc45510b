export { MigrationSource } from './migration-source.js';
export { MigrationTarget } from './migration-target.js';
export { MigratedImage } from './migrated-image.js';
export { DEFAULT_PAGE_SIZE, type ImageRange } from './image-layout.js';
export type { DirtyTracking } from './dirty-tracker.js';
export type { MigrationSourceOptions, MigrationTargetOptions } from './migration-options.js';
export type { MigrationResult, RoundReport } from './migration-result.js';
