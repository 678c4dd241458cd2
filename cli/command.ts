import type { LoadedConfig } from '../core/config/load.js';
import { type CommandName, type ConfigKey, configSchema } from '../core/config/options.js';

/** One CLI command; the options it accepts are the schema keys whose `readBy` names it. */
export interface Command {
  readonly name: CommandName;
  readonly summary: string;
  /** Positional arguments, if any, for the usage line. */
  readonly usage?: string;
  /** Example invocations shown by --help (one per line). */
  readonly examples: readonly string[];
  run(loaded: LoadedConfig, positional: readonly string[]): Promise<void>;
}

/** The config keys a command reads, in schema order. */
export function keysFor(name: CommandName): ConfigKey[] {
  return (Object.keys(configSchema) as ConfigKey[]).filter((k) => configSchema[k].readBy.includes(name));
}
