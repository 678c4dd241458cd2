import { TributaryError } from '../core/errors.js';
import { type ConfigKey, configSchema } from '../core/config/options.js';

/** What may follow a boolean flag as its value; anything else after it is not its value. */
const boolValues = new Set(['true', 'false', '1', '0']);

export interface ParsedArgs {
  readonly flags: Record<string, string>;
  readonly positional: string[];
  readonly help: boolean;
}

/**
 * Splits `--name value`, `--name=value`, bare boolean `--name`, `--help`/`-h` and positionals; `flags`
 * (the command's, from the schema) tells which names are booleans that may stand without a value.
 */
export function parseArgs(argv: readonly string[], flags: ReadonlyMap<string, ConfigKey>): ParsedArgs {
  const isBool = (name: string): boolean => {
    const key = flags.get(name);
    return key !== undefined && configSchema[key].type === 'bool';
  };
  const values: Record<string, string> = {};
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        values[arg.slice(0, eq)] = arg.slice(eq + 1);
      } else if (isBool(arg) && !boolValues.has(argv[i + 1] ?? '')) {
        // A bare boolean: what follows is the next flag or a positional (`dlq --all redrive`).
        values[arg] = 'true';
      } else {
        const value = argv[i + 1];
        if (value === undefined) throw new TributaryError('CONFIG_INVALID', `option ${arg} needs a value`);
        values[arg] = value;
        i++;
      }
    } else {
      positional.push(arg);
    }
  }
  return { flags: values, positional, help };
}
