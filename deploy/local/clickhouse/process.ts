/**
 * Runs `tributary clickhouse` as a child process (the chdb engine must live in its own process's
 * main thread) and waits until it answers /ping.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { selfCommand } from '../../../core/self.js';
import { TributaryError } from '../../../core/errors.js';

export interface StartClickHouseOptions {
  readonly dataDir: string;
  /** 0 = pick a free port. */
  readonly port: number;
  readonly host?: string;
  readonly dedupWindow?: number;
  readonly user?: string;
  readonly password?: string;
  readonly startTimeoutMs?: number;
}

export interface LocalClickHouse {
  /** e.g. http://127.0.0.1:8123 */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
  /** kill -9 (chaos tests) */
  kill(): Promise<void>;
}

export async function startClickHouse(options: StartClickHouseOptions): Promise<LocalClickHouse> {
  mkdirSync(options.dataDir, { recursive: true });
  const self = selfCommand();
  const args = [
    ...self.args,
    'clickhouse',
    '--clickhouse-data-dir',
    options.dataDir,
    '--clickhouse-port',
    String(options.port),
    '--clickhouse-host',
    options.host ?? '127.0.0.1',
    '--clickhouse-dedup-window',
    String(options.dedupWindow ?? 10_000),
  ];
  // The child takes its settings from the flags above only.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TRIBUTARY_')),
  );
  if (options.user) env['TRIBUTARY_CLICKHOUSE_USER'] = options.user;
  if (options.password) env['TRIBUTARY_CLICKHOUSE_PASSWORD'] = options.password;
  // Its own process group: a terminal Ctrl-C must not stop ClickHouse before the writer's last flush;
  // the parent stops it (SIGTERM) after the writer.
  // ipc: the server stops by itself if its parent dies (core/lifecycle.ts).
  const child = spawn(self.command, args, { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  child.channel?.unref(); // the channel only tells the child we are gone; it must not keep us alive
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new TributaryError(
          'DEPENDENCY_MISSING',
          `local ClickHouse did not start in time; stderr:\n${stderr}`,
        ),
      );
    }, options.startTimeoutMs ?? 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /listening (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new TributaryError(
          'DEPENDENCY_MISSING',
          `local ClickHouse exited during start-up (${signal ?? code}); stderr:\n${stderr}`,
        ),
      );
    });
  });
  child.stdout!.resume();

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killOnExit);
  };
  return { url, pid: child.pid ?? -1, stop: () => stopWith('SIGTERM'), kill: () => stopWith('SIGKILL') };
}
