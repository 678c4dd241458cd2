import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { TributaryError } from '../errors.js';
import { commandFlags, fullFlags } from './flags.js';
import {
  type CommandName,
  type Config,
  type ConfigKey,
  type Option,
  configSchema,
  envName,
  isConfigKey,
} from './options.js';

export type Source = 'default' | 'file' | 'env' | 'flag' | 'override';

export interface LoadedConfig {
  readonly config: Config;
  /** Where each key's value came from; `dev` uses it to know whether the user chose a broker. */
  readonly sources: Readonly<Record<ConfigKey, Source>>;
}

export interface LoadInput {
  /** `--key value` / `--key=value` pairs already split off the command line (no positional args). */
  readonly flags?: Readonly<Record<string, string>>;
  readonly env?: NodeJS.ProcessEnv;
  /** Programmatic values (tests); they win over everything. */
  readonly overrides?: Partial<Record<ConfigKey, unknown>>;
  /**
   * The command whose flags these are: it accepts the keys it reads, its own also by their short
   * flags (`replay --from`); others are rejected by name. Default: every key, by its full flag.
   */
  readonly command?: CommandName;
}

function invalid(key: string, message: string): TributaryError {
  return new TributaryError('CONFIG_INVALID', `config ${key}: ${message}`);
}

function describeAllowed(option: Option): string {
  switch (option.type) {
    case 'int':
      return `an integer from ${option.min} to ${option.max}`;
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${option.values.join(', ')}`;
    case 'list':
      return 'a comma-separated list';
    case 'string':
      return 'a string';
  }
}

/** Turns a raw value (a string from flags/env, or a JSON/YAML value from a file) into the typed value. */
export function coerce(key: ConfigKey, raw: unknown): Config[ConfigKey] {
  const option: Option = configSchema[key];
  const bad = (): TributaryError =>
    invalid(key, `${JSON.stringify(raw)} is not allowed; expected ${describeAllowed(option)}`);
  switch (option.type) {
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number') throw bad();
      const value = String(raw);
      const problem = option.check?.(value);
      if (problem !== undefined) throw invalid(key, problem);
      return value;
    }
    case 'int': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      if (!Number.isSafeInteger(n) || n < option.min || n > option.max) throw bad();
      return n;
    }
    case 'bool':
      if (raw === true || raw === 'true' || raw === '1') return true;
      if (raw === false || raw === 'false' || raw === '0') return false;
      throw bad();
    case 'enum':
      if (typeof raw === 'string' && option.values.includes(raw)) return raw;
      throw bad();
    case 'list':
      if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return raw;
      if (typeof raw === 'string')
        return raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
      throw bad();
  }
}

/** Flattens `{kafka: {brokers: [...]}}` into `{'kafka.brokers': [...]}`; leaves dotted keys as they are. */
function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !isConfigKey(key)) {
      Object.assign(out, flatten(v as Record<string, unknown>, key));
    } else {
      out[key] = v;
    }
  }
  return out;
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalid('config', `cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text) as unknown; // YAML is a superset of JSON: both work.
  } catch (err) {
    throw invalid('config', `config file ${path} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalid('config', `config file ${path} must hold an object`);
  return flatten(parsed as Record<string, unknown>);
}

const envToKey = new Map<string, ConfigKey>(
  (Object.keys(configSchema) as ConfigKey[]).map((k) => [envName(k), k]),
);

function isSecret(key: ConfigKey): boolean {
  const option: Option = configSchema[key];
  return (option.type === 'string' || option.type === 'list') && option.secret === true;
}

function secretElsewhere(key: ConfigKey, where: string): TributaryError {
  return invalid(
    key,
    `is a secret and cannot be set ${where}: use the environment (${envName(key)}) or a file (${envName(key)}_FILE)`,
  );
}

/** A secret from a file named by `<ENV>_FILE` (Docker/Kubernetes secrets): trailing newlines dropped; lists one per line. */
function readSecretFile(key: ConfigKey, variable: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalid(variable, `cannot read the secret file ${path}: ${(err as Error).message}`);
  }
  const option: Option = configSchema[key];
  return option.type === 'list'
    ? text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean)
        .join(',')
    : text.replace(/\r?\n$/, '');
}

/** Reads the whole configuration: overrides > flags > env (TRIBUTARY_*) > config file > defaults. */
export function loadConfig(input: LoadInput = {}): LoadedConfig {
  const env = input.env ?? process.env;
  const values: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  for (const key of Object.keys(configSchema) as ConfigKey[]) {
    values[key] = configSchema[key].default;
    sources[key] = 'default';
  }
  const flags = { ...(input.flags ?? {}) };
  const configPath = flags['--config'] ?? env['TRIBUTARY_CONFIG'];
  delete flags['--config'];

  if (configPath) {
    for (const [key, raw] of Object.entries(readConfigFile(configPath))) {
      if (!isConfigKey(key))
        throw invalid(key, `unknown key in ${configPath}; see \`tributary --help\` for the keys`);
      if (isSecret(key)) throw secretElsewhere(key, `in the config file ${configPath}`);
      values[key] = coerce(key, raw);
      sources[key] = 'file';
    }
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('TRIBUTARY_') || name === 'TRIBUTARY_CONFIG' || raw === undefined) continue;
    if (name.startsWith('TRIBUTARY_TEST_')) continue; // test-only switches (core/crash-point.ts), not config
    // Where the local stack caches Kafka classpaths and the pinned Node.js release: read before any
    // config (deploy/local/kafka/maven.ts, deploy/local/node/pinned-node.cjs), not a config key.
    if (name === 'TRIBUTARY_CACHE_DIR') continue;
    const fileKey = name.endsWith('_FILE') ? envToKey.get(name.slice(0, -'_FILE'.length)) : undefined;
    if (fileKey && isSecret(fileKey)) {
      if (env[envName(fileKey)] !== undefined)
        throw invalid(name, `set either ${envName(fileKey)} or ${name}, not both`);
      values[fileKey] = coerce(fileKey, readSecretFile(fileKey, name, raw));
      sources[fileKey] = 'env';
      continue;
    }
    const key = envToKey.get(name);
    if (!key) throw invalid(name, 'unknown environment variable; see `tributary --help` for the keys');
    values[key] = coerce(key, raw);
    sources[key] = 'env';
  }
  const accepted = input.command ? commandFlags(input.command) : fullFlags;
  const flagOf = new Map<ConfigKey, string>();
  for (const [flag, raw] of Object.entries(flags)) {
    const key = accepted.get(flag);
    if (!key) {
      if (fullFlags.has(flag)) throw invalid(flag, 'is not an option of this command; see `--help`');
      throw invalid(flag, 'unknown option; see `--help` for the options of this command');
    }
    const earlier = flagOf.get(key);
    if (earlier !== undefined) throw invalid(flag, `sets ${key} as ${earlier} does: give one of them`);
    flagOf.set(key, flag);
    // Command lines are visible to every user of the machine (ps, /proc).
    if (isSecret(key)) throw secretElsewhere(key, 'on the command line');
    values[key] = coerce(key, raw);
    sources[key] = 'flag';
  }
  for (const [key, raw] of Object.entries(input.overrides ?? {})) {
    if (!isConfigKey(key)) throw invalid(key, 'unknown key');
    values[key] = coerce(key, raw);
    sources[key] = 'override';
  }
  const config = values as Config;
  if (
    config['kafka.replicationFactor'] > config['kafka.brokerCount'] &&
    sources['kafka.brokers'] === 'default'
  )
    throw invalid(
      'kafka.replicationFactor',
      `${config['kafka.replicationFactor']} is larger than kafka.brokerCount (${config['kafka.brokerCount']})`,
    );
  return { config, sources: sources as Record<ConfigKey, Source> };
}

/** A copy safe to log: secrets replaced. */
export function redact(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(configSchema) as ConfigKey[]) {
    out[key] = isSecret(key) ? '<redacted>' : config[key];
  }
  return out;
}
