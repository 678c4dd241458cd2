#!/usr/bin/env node
import { loadConfig } from '../config/load.js';
import { errorMessage, isTributaryError } from '../errors.js';
import { setLogLevel } from '../log.js';
import { parseArgs } from './args.js';
import { type Command, commands, keysFor } from './commands.js';
import { optionsHelp } from './help.js';

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'tributary: Kafka-buffered OTLP ingestion for ClickHouse',
    '',
    'Usage: tributary <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every option can also be set as an environment variable (TRIBUTARY_*) or in a YAML/JSON file',
    'given by --config <file> or TRIBUTARY_CONFIG. Precedence: flags > env > file > defaults.',
    "Run 'tributary <command> --help' for a command's options.",
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `tributary ${command.name}: ${command.summary}`,
    '',
    `Usage: tributary ${command.name} [options]${command.usage ? '\n' + command.usage : ''}`,
    '',
    'Options:',
    '  --config <file>',
    '      YAML or JSON file with any of the keys below (flat "kafka.brokers" or nested).',
    '      env TRIBUTARY_CONFIG',
    optionsHelp(keysFor(command)),
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp() + '\n');
    return name === undefined ? 1 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(
      `tributary: unknown command '${name}'. Commands: ${commands.map((c) => c.name).join(', ')}\n`,
    );
    return 2;
  }
  const args = parseArgs(rest);
  if (args.help) {
    process.stdout.write(commandHelp(command) + '\n');
    return 0;
  }
  const loaded = loadConfig({ flags: args.flags, allowedKeys: keysFor(command) });
  setLogLevel(loaded.config.logLevel);
  await command.run(loaded, args.positional);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (isTributaryError(err)) {
      process.stderr.write(`tributary: ${err.message}\n`);
      process.exitCode = err.code === 'CONFIG_INVALID' ? 2 : 1;
    } else {
      process.stderr.write(
        `tributary: ${errorMessage(err)}\n${err instanceof Error ? (err.stack ?? '') : ''}\n`,
      );
      process.exitCode = 1;
    }
  },
);
