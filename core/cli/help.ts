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

const isSecret = (option: Option): boolean =>
  (option.type === 'string' || option.type === 'list') && option.secret === true;

/** Help text for the options a command accepts, with env names and defaults from the one schema. */
export function optionsHelp(keys: readonly ConfigKey[]): string {
  const lines: string[] = [];
  for (const key of keys) {
    const option: Option = configSchema[key];
    if (isSecret(option)) {
      lines.push(`  ${envName(key)} / ${envName(key)}_FILE (secret: environment or file only)`);
      lines.push(`      ${option.doc}`);
      continue;
    }
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
      `| \`${key}\` | ${isSecret(option) ? '(secret: no flag)' : `\`${flagName(key)}\``} | \`${envName(key)}\`${isSecret(option) ? ` or \`${envName(key)}_FILE\`` : ''} | \`${def}\`${allowed(option).replace(/\|/g, '\\|')} | ${option.doc.replace(/\|/g, '\\|')} |`,
    );
  }
  return rows.join('\n');
}
