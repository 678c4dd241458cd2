import { flagsOf, shortFlagName } from '../core/config/flags.js';
import {
  type CommandName,
  type ConfigKey,
  type Option,
  type OptionGroup,
  commandNames,
  configSchema,
  envName,
  flagName,
  isSecretOption,
  optionGroups,
} from '../core/config/options.js';
import { type Command, keysFor } from './command.js';

/** The README's quick start, so `tributary --help` and the README say the same two lines. */
export const quickStart = [
  'npm ci && npm start     # set up, then run the whole local stack (tributary dev)',
  'npm test                # build and run every test against a real Kafka broker and ClickHouse engine',
] as const;

function formatDefault(option: Option): string {
  if (option.type === 'list') return option.default.length ? option.default.join(',') : '(none)';
  if (option.type === 'string') return option.default === '' ? '(empty)' : option.default;
  return String(option.default);
}

function allowed(option: Option): string {
  if (option.type === 'enum') return ` {${option.values.join('|')}}`;
  if (option.type === 'int') return ` <${option.min}..${option.max}>`;
  return '';
}

/** What follows a flag in --help: the allowed values, or a placeholder for free text. */
function placeholder(option: Option): string {
  if (option.type === 'list') return ' <a,b,...>';
  if (option.type === 'string') return ' <value>';
  return allowed(option);
}

const groupTitle: Record<OptionGroup, string> = {
  connection: 'Connection (where Kafka and ClickHouse are)',
  behaviour: 'Behaviour',
  'local stack': 'Local stack (what tributary runs itself)',
  general: 'General',
};

function optionLines(key: ConfigKey, command: CommandName): string[] {
  const option: Option = configSchema[key];
  if (isSecretOption(option))
    return [
      `  ${envName(key)} / ${envName(key)}_FILE (secret: environment or file only)`,
      `      ${option.doc}`,
    ];
  return [
    `  ${flagsOf(key, command).join(', ')}${placeholder(option)}`,
    `      ${option.doc}`,
    `      env ${envName(key)}, default ${formatDefault(option)}`,
  ];
}

/**
 * Help text for a command's keys, grouped (connection, behaviour, local stack, general); each key of
 * the command's own namespace shows its short flag first (`--from, --replay-from`).
 */
export function optionsHelp(keys: readonly ConfigKey[], command: CommandName): string {
  const lines: string[] = [];
  for (const group of optionGroups) {
    const inGroup = keys.filter((k) => configSchema[k].group === group);
    if (group !== 'general' && inGroup.length === 0) continue;
    lines.push('', `${groupTitle[group]}:`);
    if (group === 'general') {
      lines.push(
        '  --config <file>',
        '      YAML or JSON file with any of these keys (flat "kafka.brokers" or nested).',
      );
      lines.push('      env TRIBUTARY_CONFIG');
    }
    for (const key of inGroup) lines.push(...optionLines(key, command));
  }
  return lines.join('\n');
}

export function topHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'tributary: Kafka-buffered OTLP ingestion for ClickHouse',
    '',
    'Usage: tributary <command> [options]',
    '',
    'Quick start (in a checkout):',
    ...quickStart.map((line) => `  ${line}`),
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every option can also be set as an environment variable (TRIBUTARY_*) or in a YAML/JSON file',
    'given by --config <file> or TRIBUTARY_CONFIG. Precedence: flags > env > file > defaults.',
    "Run 'tributary <command> --help' for the options of one command.",
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `tributary ${command.name}: ${command.summary}`,
    '',
    `Usage: tributary ${command.name} [options]${command.usage ? ` ${command.usage}` : ''}`,
    '',
    command.examples.length > 1 ? 'Examples:' : 'Example:',
    ...command.examples.map((e) => `  ${e}`),
    optionsHelp(keysFor(command.name), command.name),
  ].join('\n');
}

/** Markdown table of every key: the README's configuration reference is checked against it. */
export function configMarkdownTable(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = ['| key | flag | environment | default | read by | meaning |', '|---|---|---|---|---|---|'];
  for (const key of Object.keys(configSchema) as ConfigKey[]) {
    const option: Option = configSchema[key];
    const secret = isSecretOption(option);
    const short = commandNames.flatMap((c) => {
      const flag = shortFlagName(key, c);
      return flag ? [`\`${c} ${flag}\``] : [];
    });
    const flag = secret ? '(secret: no flag)' : [`\`${flagName(key)}\``, ...short].join(' or ');
    const env = `\`${envName(key)}\`${secret ? ` or \`${envName(key)}_FILE\`` : ''}`;
    const readBy = option.readBy.length === commandNames.length ? 'all' : option.readBy.join(', ');
    rows.push(
      `| \`${key}\` | ${flag} | ${env} | \`${cell(formatDefault(option))}\`${cell(allowed(option))} | ${readBy} | ${cell(option.doc)} |`,
    );
  }
  return rows.join('\n');
}
