import { type ConfigKey, type Option, configSchema, envName, flagName } from '../config/options.js';

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

/** Help text for the options a command accepts, with env names and defaults from the one schema. */
export function optionsHelp(keys: readonly ConfigKey[]): string {
  const lines: string[] = [];
  for (const key of keys) {
    const option: Option = configSchema[key];
    lines.push(`  ${flagName(key)}${allowed(option)}`);
    lines.push(`      ${option.doc}`);
    lines.push(`      env ${envName(key)}, default ${formatDefault(option)}`);
  }
  return lines.join('\n');
}

/** Markdown table of every key: the README's configuration reference is checked against it. */
export function configMarkdownTable(): string {
  const rows = ['| key | flag | environment | default | meaning |', '|---|---|---|---|---|'];
  for (const key of Object.keys(configSchema) as ConfigKey[]) {
    const option: Option = configSchema[key];
    const def = formatDefault(option).replace(/\|/g, '\\|');
    rows.push(
      `| \`${key}\` | \`${flagName(key)}\` | \`${envName(key)}\` | \`${def}\`${allowed(option).replace(/\|/g, '\\|')} | ${option.doc.replace(/\|/g, '\\|')} |`,
    );
  }
  return rows.join('\n');
}
