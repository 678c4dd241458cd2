/**
 * A local MirrorMaker 2 (dedicated mode, one node) copying a region's topics into a central cluster,
 * run from the jars Maven resolved (deploy/kafka/mirror/pom.xml). Used by the two-region test and
 * for trying a multi-region layout on one machine.
 *
 * Exactly-once source support is on: records and MirrorMaker's source offsets are written in one
 * Kafka transaction, so a killed link neither loses nor repeats records on the target — provided the
 * target's consumers read committed data only (the writer does). Without it MirrorMaker is
 * at-least-once and a restart can copy a record twice, at a new target offset, where offset-range
 * dedup tokens cannot recognise it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError } from '../../../core/errors.js';
import { mirrorMakerClasspath } from './maven.js';
import { freePort } from '../free-port.js';

export interface MirrorLink {
  /** Cluster alias; mirrored topics are named `<alias>.<topic>` on the target (MirrorMaker's default policy). */
  readonly sourceAlias: string;
  readonly sourceBrokers: readonly string[];
  readonly targetAlias: string;
  readonly targetBrokers: readonly string[];
  /** Java regex of the source topics to mirror. */
  readonly topics: string;
}

export interface StartMirrorOptions extends MirrorLink {
  readonly dataDir: string;
  readonly version: string;
  readonly onProgress?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

export interface LocalMirrorMaker {
  /** Stops the link: SIGTERM (graceful) or SIGKILL (a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again after stop(); it resumes from the source offsets it committed. */
  start(): Promise<void>;
  readonly logPath: string;
}

const JVM_OPTS = ['-Xms64m', '-Xmx384m', '-XX:+UseG1GC', '-Djava.awt.headless=true'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The dedicated-mode properties for one one-way link with single-broker-friendly replication factors. */
export function mirrorProperties(link: MirrorLink, restPort: number): string {
  const { sourceAlias: src, targetAlias: dst } = link;
  const props: Record<string, string | number> = {
    clusters: `${src},${dst}`,
    [`${src}.bootstrap.servers`]: link.sourceBrokers.join(','),
    [`${dst}.bootstrap.servers`]: link.targetBrokers.join(','),
    [`${src}->${dst}.enabled`]: 'true',
    [`${src}->${dst}.topics`]: link.topics,
    [`${dst}->${src}.enabled`]: 'false',
    // Only the data matters here: no consumer-group offset translation or ACL sync.
    [`${src}->${dst}.emit.checkpoints.enabled`]: 'false',
    [`${src}->${dst}.sync.group.offsets.enabled`]: 'false',
    'sync.topic.acls.enabled': 'false',
    'refresh.topics.interval.seconds': 2,
    // Exactly-once writes into the target (KIP-618); dedicated mode needs its internal REST server for it.
    [`${dst}.exactly.once.source.support`]: 'enabled',
    'dedicated.mode.enable.internal.rest': 'true',
    listeners: `http://127.0.0.1:${restPort}`,
    'offset.flush.interval.ms': 1000,
    // One broker per cluster locally; a real deployment keeps 3.
    'replication.factor': 1,
    'checkpoints.topic.replication.factor': 1,
    'heartbeats.topic.replication.factor': 1,
    'offset-syncs.topic.replication.factor': 1,
    'offset.storage.replication.factor': 1,
    'status.storage.replication.factor': 1,
    'config.storage.replication.factor': 1,
    'tasks.max': 2,
  };
  return Object.entries(props)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
}

export async function startMirrorMaker(options: StartMirrorOptions): Promise<LocalMirrorMaker> {
  const progress = options.onProgress ?? (() => undefined);
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const classpath = await mirrorMakerClasspath(options.version, progress);
  mkdirSync(options.dataDir, { recursive: true });
  const propertiesPath = join(options.dataDir, 'mm2.properties');
  writeFileSync(propertiesPath, mirrorProperties(options, await freePort()) + '\n');
  const logPath = join(options.dataDir, 'mirror-maker.log');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const killNow = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killNow);

  const start = async (): Promise<void> => {
    if (child) return;
    writeFileSync(logPath, '');
    const fd = openSync(logPath, 'a');
    const started = Date.now();
    const proc = spawn(
      'java',
      [...JVM_OPTS, '-cp', classpath, 'org.apache.kafka.connect.mirror.MirrorMaker', propertiesPath],
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    child = proc;
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        if (child === proc) child = undefined;
        resolve();
      }),
    );
    // The source task logs this once it polls: from here on, records flow.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const log = readFileSync(logPath, 'utf8');
      if (/MirrorSourceConnector-\d+.*Source task finished initialization/.test(log)) break;
      if (!child)
        throw new TributaryError('DEPENDENCY_MISSING', `MirrorMaker exited during start-up; see ${logPath}`);
      if (Date.now() > deadline) {
        killNow();
        throw new TributaryError(
          'DEPENDENCY_MISSING',
          `MirrorMaker not mirroring after ${timeoutMs} ms; see ${logPath}`,
        );
      }
      await sleep(250);
    }
    progress(
      `MirrorMaker ${options.sourceAlias} -> ${options.targetAlias} running in ${Date.now() - started} ms`,
    );
  };

  await start();
  return {
    logPath,
    start,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const proc = child;
      if (!proc) return;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
