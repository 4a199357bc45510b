/** The `openDevice()` options the native provider reads. */
export interface NativeOpenOptions {
  /** Port to use for endpoints; default 1. */
  readonly port?: number;
  /** GID index to use for endpoints; default: chosen automatically (see docs/native.md). */
  readonly gidIndex?: number;
}

/** The keys of `NativeOpenOptions`. */
export const NATIVE_OPEN_OPTIONS = ['port', 'gidIndex'] as const satisfies readonly (keyof NativeOpenOptions)[];
