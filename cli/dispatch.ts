/** The `tributary` command line: the roof of the tree. It imports the components; none imports it. */
import { commandFlags } from '../core/config/flags.js';
import { loadConfig } from '../core/config/load.js';
import { errorMessage, isTributaryError } from '../core/errors.js';
import { setLogFormat, setLogLevel } from '../core/log.js';
import { parseArgs } from './args.js';
import { commands } from './commands.js';
import { commandHelp, topHelp } from './help.js';

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp(commands) + '\n');
    return name === undefined ? 1 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(
      `tributary: unknown command '${name}'. Commands: ${commands.map((c) => c.name).join(', ')}\n`,
    );
    return 2;
  }
  const args = parseArgs(rest, commandFlags(command.name));
  if (args.help) {
    process.stdout.write(commandHelp(command) + '\n');
    return 0;
  }
  const loaded = loadConfig({ flags: args.flags, command: command.name });
  setLogLevel(loaded.config.logLevel);
  setLogFormat(loaded.config.logFormat);
  await command.run(loaded, args.positional);
  return 0;
}

/** Runs the command the arguments name and sets the exit code (main.ts calls it once Node fits). */
export function runCli(argv: readonly string[]): Promise<void> {
  return main(argv).then(
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
}
