/** Runs `tributary <command>` as a child process (kill -9 for chaos tests), logging to a file. */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { selfCommand } from '../../core/self.js';

export interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnOptions {
  /** Another build's `dist/cli/main.js` (benches compare builds); default: this build. */
  readonly cli?: string;
  /** Node flags for the child, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
}

export function spawnTributary(
  command: string,
  env: Record<string, string>,
  logFile: string,
  options: SpawnOptions = {},
): Child {
  const self = selfCommand();
  const entry = options.cli ? [options.cli] : self.args;
  const fd = openSync(logFile, 'a');
  const child = spawn(self.command, [...(options.nodeArgs ?? []), ...entry, command], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  return {
    process: child,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      process.removeListener('exit', killOnExit);
    },
  };
}
