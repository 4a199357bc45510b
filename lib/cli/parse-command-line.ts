import { parseArgs } from 'node:util';
import type { Command, OptionsConfig, OptionValues } from './command.js';
import { UsageError } from './usage-error.js';
import { suggestion } from './did-you-mean.js';

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  sysfs: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies OptionsConfig;

/** A command line, parsed. */
export interface ParsedCommandLine {
  /** The selected command, undefined when none was named. */
  readonly command?: Command;
  /** `--json` was given. */
  readonly json: boolean;
  /** `--help`, `-h` or the `help` word was given. */
  readonly help: boolean;
  /** `--version` was given. */
  readonly version: boolean;
  /** The `--sysfs` directory, when given. */
  readonly sysfs?: string;
  /** Every option value, global and the command's own. */
  readonly options: OptionValues;
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
}

function scalarValues(values: Record<string, unknown>): Record<string, string | boolean | undefined> {
  const out: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/**
 * Parse `argv` (without node and the script): global options anywhere, the
 * first positional word picks the command, then that command's options and
 * arguments. `help` as the command means `--help` for the next word.
 * @throws UsageError for an unknown command or option, a missing option
 *   value or too many arguments.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly Command[]): ParsedCommandLine {
  // First pass, lenient: find the command word with every option known.
  const allOptions: OptionsConfig = { ...GLOBAL_OPTIONS };
  for (const c of commands) Object.assign(allOptions, c.options);
  const loose = parseArgs({ args: [...argv], options: allOptions, allowPositionals: true, strict: false });
  let words = loose.positionals;
  let helpWord = false;
  if (words[0] === 'help') {
    helpWord = true;
    words = words.slice(1);
  }
  const name = words[0];
  const command = name === undefined ? undefined : commands.find((c) => c.name === name);
  if (name !== undefined && command === undefined) {
    const names = commands.map((c) => c.name);
    throw new UsageError(`unknown command "${name}"${suggestion(name, names)}; commands: ${names.join(', ')}`);
  }
  // Second pass, strict, with only the options that apply.
  const options: OptionsConfig = { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const unknown = /^Unknown option '--([^']+)'/.exec(msg)?.[1];
    const hint = unknown === undefined ? '' : suggestion(unknown, Object.keys(options)).replace(/"([^"]+)"/, '"--$1"');
    throw new UsageError(`${msg.replace(/\. To specify a positional argument.*$/s, '')}${hint}${command ? `; see "vrdma ${command.name} --help"` : ''}`);
  }
  const positionals = parsed.positionals.slice(helpWord ? 2 : 1);
  const values = scalarValues(parsed.values);
  const help = helpWord || values['help'] === true;
  if (command && !help && positionals.length > command.maxArgs) {
    throw new UsageError(`too many arguments for "${command.name}": ${positionals.slice(command.maxArgs).join(' ')}`);
  }
  const sysfs = values['sysfs'];
  if (sysfs === '') throw new UsageError('--sysfs needs a directory');
  return {
    ...(command ? { command } : {}),
    json: values['json'] === true,
    help,
    version: values['version'] === true,
    ...(typeof sysfs === 'string' ? { sysfs } : {}),
    options: values,
    args: positionals,
  };
}
