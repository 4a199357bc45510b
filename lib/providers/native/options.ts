import type { PortOpenOptions } from '../../provider/port-options.js';
import { PORT_OPEN_OPTIONS } from '../../provider/port-options.js';

/** The `openDevice()` options the native provider reads: the port and GID endpoints use. */
export type NativeOpenOptions = PortOpenOptions;

/** The keys and types of `NativeOpenOptions`. */
export const NATIVE_OPEN_OPTIONS = PORT_OPEN_OPTIONS;
