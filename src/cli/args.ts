/** Parsed command line: the command name and its `--option value` / `--flag` pairs. */
export interface ParsedArgs {
  readonly command: string | undefined;
  readonly options: ReadonlyMap<string, string | true>;
}

export interface OptionSpec {
  /** `value`: takes the next argument; `flag`: stands alone. */
  readonly kind: 'value' | 'flag';
  readonly required?: boolean;
  /** A `value` option that may also be given as the command's one positional argument (`hl7:reprocess <id>`). */
  readonly positional?: boolean;
  readonly description: string;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * `liaison <command> [--name value | --flag | --name=value]…`; a positional argument is refused
 * unless the command has a `positional` option, which takes the first one.
 */
export function parseArgs(argv: readonly string[], specs: (command: string) => Readonly<Record<string, OptionSpec>> | undefined): ParsedArgs {
  const [command, ...rest] = argv;
  const options = new Map<string, string | true>();
  if (command === undefined || command.startsWith('-')) return { command: command === undefined ? undefined : 'help', options };
  const spec = specs(command);
  if (!spec) throw new UsageError(`unknown command "${command}"`);
  const positional = Object.entries(spec).find(([, option]) => option.positional && option.kind === 'value')?.[0];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (positional && !arg.startsWith('-') && !options.has(positional)) {
      options.set(positional, arg);
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') throw new UsageError(`unexpected argument "${arg}"`);
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    const option = spec[name];
    if (!option) throw new UsageError(`${command} has no option --${name}`);
    if (options.has(name)) throw new UsageError(`--${name} is given twice`);
    if (option.kind === 'flag') {
      if (equals >= 0) throw new UsageError(`--${name} takes no value`);
      options.set(name, true);
      continue;
    }
    const value = equals >= 0 ? arg.slice(equals + 1) : rest[++i];
    if (value === undefined || (equals < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    options.set(name, value);
  }
  for (const [name, option] of Object.entries(spec)) {
    if (option.required && !options.has(name)) throw new UsageError(`${command} needs --${name}`);
  }
  return { command, options };
}
