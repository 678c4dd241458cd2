/**
 * A local Apache ZooKeeper (from Maven Central jars, run with the machine's Java) for what needs a
 * real coordinator: ClickHouse engines sharing KeeperMap tables (the delivery state of replicated
 * deployments, writer/delivery/keeper-state.ts) in tests. One standalone server on loopback.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { TributaryError } from '../../../core/errors.js';
import { zookeeperClasspath } from '../kafka/maven.js';

export const ZOOKEEPER_VERSION = '3.9.3';
const HOST = '127.0.0.1';

export interface LocalZooKeeper {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

function ruok(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let answer = '';
    socket.once('connect', () => socket.write('ruok'));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.once('close', () => resolve(answer === 'imok'));
    socket.once('error', () => resolve(false));
  });
}

/** Starts ZooKeeper on `port` with its data under `dataDir`; resolves once it answers `ruok`. */
export async function startZooKeeper(options: {
  readonly dataDir: string;
  readonly port: number;
  readonly startTimeoutMs?: number;
  readonly onProgress?: (line: string) => void;
}): Promise<LocalZooKeeper> {
  const classpath = await zookeeperClasspath(ZOOKEEPER_VERSION, options.onProgress);
  mkdirSync(options.dataDir, { recursive: true });
  const config = join(options.dataDir, 'zoo.cfg');
  writeFileSync(
    config,
    [
      `dataDir=${join(options.dataDir, 'data')}`,
      `clientPort=${options.port}`,
      `clientPortAddress=${HOST}`,
      'tickTime=2000',
      'maxClientCnxns=0',
      // The admin server would take port 8080; the four-letter words answer the readiness probe.
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok',
    ].join('\n') + '\n',
  );
  const logPath = join(options.dataDir, 'zookeeper.log');
  const fd = openSync(logPath, 'a');
  const child: ChildProcess = spawn(
    'java',
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      classpath,
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      config,
    ],
    { stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await ruok(options.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new TributaryError(
        'DEPENDENCY_MISSING',
        `ZooKeeper did not start on port ${options.port}; log tail:\n${readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    host: HOST,
    port: options.port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
    },
  };
}

/**
 * The drop-in configuration that points a local ClickHouse engine at ZooKeeper and enables KeeperMap
 * (written as `<dataDir>/tributary-local.d/zookeeper.xml`, which chdb merges into the server's own
 * configuration file `tributary-local.xml`).
 */
export function writeClickHouseKeeperConfig(
  clickhouseDataDir: string,
  zookeeper: { host: string; port: number },
): void {
  const dir = join(clickhouseDataDir, 'tributary-local.d');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'zookeeper.xml'),
    [
      '<clickhouse>',
      `  <zookeeper><node><host>${zookeeper.host}</host><port>${zookeeper.port}</port></node>`,
      '    <session_timeout_ms>15000</session_timeout_ms></zookeeper>',
      '  <keeper_map_path_prefix>/keeper_map_tables</keeper_map_path_prefix>',
      '</clickhouse>',
      '',
    ].join('\n'),
  );
}
