import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from './io.js';

/** Option declarations, as `util.parseArgs` takes them. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Parsed option values by long name. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** What a command runs with. */
export interface CommandContext {
  readonly io: CliIo;
  /** `--json`: write one JSON document to stdout instead of text. */
  readonly json: boolean;
  /** `--sysfs`, else `VRDMA_SYSFS`, else `/sys`. */
  readonly sysfsRoot: string;
  /** The command's own options. */
  readonly options: OptionValues;
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
}

/** One `vrdma` command. */
export interface Command {
  /** The word that selects it, e.g. `"doctor"`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full help: usage line, description, options, exit codes. */
  readonly help: string;
  /** Its own options besides the global ones. */
  readonly options: OptionsConfig;
  /** How many positional arguments it takes at most. */
  readonly maxArgs: number;
  /**
   * Run it and return the exit code. Errors it throws are reported by the
   * caller (exit 2 for usage errors, 1 otherwise).
   */
  run(ctx: CommandContext): Promise<number>;
}
