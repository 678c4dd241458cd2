import { TributaryError } from '../core/errors.js';
import { configSchema, isConfigKey } from '../core/config/options.js';

export interface ParsedArgs {
  readonly flags: Record<string, string>;
  readonly positional: string[];
  readonly help: boolean;
}

const boolFlags = new Set(
  Object.entries(configSchema)
    .filter(([, o]) => o.type === 'bool')
    .map(
      ([k]) =>
        '--' +
        k
          .replace(/\./g, '-')
          .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
          .toLowerCase(),
    ),
);

/** Splits `--name value`, `--name=value`, bare boolean `--name`, `--help`/`-h` and positionals. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        flags[arg.slice(0, eq)] = arg.slice(eq + 1);
      } else if (boolFlags.has(arg) && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) {
        flags[arg] = 'true';
      } else {
        const value = argv[i + 1];
        if (value === undefined) throw new TributaryError('CONFIG_INVALID', `option ${arg} needs a value`);
        flags[arg] = value;
        i++;
      }
    } else {
      positional.push(arg);
    }
  }
  return { flags, positional, help };
}

export { isConfigKey };
