/**
 * The command-line flags of each command, derived from the schema: every key a command reads
 * (`readBy`) under its full flag (`--replay-from`), and a key in the command's own namespace (the key
 * `replay.from` for `tributary replay`) also under its short flag (`--from`), as people type it. The
 * rule is the schema's naming, so no command keeps a flag list or a parser of its own.
 */
import { type CommandName, type ConfigKey, commandNames, configSchema, flagName } from './options.js';

/** `replay.from` in `replay` → `--from`; undefined when the key is not in the command's namespace. */
export function shortFlagName(key: ConfigKey, command: CommandName): string | undefined {
  const prefix = `${command}.`;
  if (!key.startsWith(prefix) || !configSchema[key].readBy.includes(command)) return undefined;
  return flagName(key.slice(prefix.length));
}

/** The flags one key answers to in one command: the short one first, when it has one. */
export function flagsOf(key: ConfigKey, command: CommandName): string[] {
  const short = shortFlagName(key, command);
  return short ? [short, flagName(key)] : [flagName(key)];
}

function buildCommandFlags(command: CommandName): ReadonlyMap<string, ConfigKey> {
  const flags = new Map<string, ConfigKey>();
  for (const key of Object.keys(configSchema) as ConfigKey[]) {
    if (!configSchema[key].readBy.includes(command)) continue;
    for (const flag of flagsOf(key, command)) {
      const taken = flags.get(flag);
      // A schema error, caught by the first test that loads the schema.
      if (taken !== undefined)
        throw new Error(`tributary ${command}: the flag ${flag} would name both ${taken} and ${key}`);
      flags.set(flag, key);
    }
  }
  return flags;
}

const byCommand = new Map<CommandName, ReadonlyMap<string, ConfigKey>>(
  commandNames.map((c) => [c, buildCommandFlags(c)]),
);

/** Every flag a command accepts (short and full), and the key each sets. */
export function commandFlags(command: CommandName): ReadonlyMap<string, ConfigKey> {
  return byCommand.get(command)!;
}

/** The full flag of every key, for callers without a command (programmatic use, tests). */
export const fullFlags: ReadonlyMap<string, ConfigKey> = new Map(
  (Object.keys(configSchema) as ConfigKey[]).map((k) => [flagName(k), k]),
);
