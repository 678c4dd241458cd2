/**
 * A local Apache Kafka cluster in KRaft mode (every node is broker + controller), run from the jars
 * Maven resolved, with the machine's Java. For development (`tributary kafka`, `dev`) and tests.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, closeSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { freePort } from '../free-port.js';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TributaryError } from '../../../core/errors.js';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../../../schemas/topics.js';
import { kafkaClasspath } from './maven.js';

const run = promisify(execFile);

export interface StartKafkaOptions {
  /** Folder for the brokers' data and logs; created if missing. */
  readonly dataDir: string;
  /** Port of broker 0's client listener; broker i listens on port + i (controllers pick their own free ports). */
  readonly port: number;
  readonly brokerCount: number;
  /** Apache Kafka version resolved from Maven Central. */
  readonly version: string;
  /** Progress lines (Maven resolving, formatting, starting) for humans. */
  readonly onProgress?: (line: string) => void;
  /** Longest wait for the cluster to answer. */
  readonly startTimeoutMs?: number;
  /** An extra SASL_SSL listener (PLAIN users, PEM files): broker i listens on secure.port + i. */
  readonly secure?: SecureListener;
}

export interface SecureListener {
  readonly port: number;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** SASL/PLAIN user name → password. */
  readonly users: Readonly<Record<string, string>>;
}

export interface LocalKafka {
  /** host:port of every broker. */
  readonly brokers: readonly string[];
  /** Stops every broker (SIGTERM, then SIGKILL after a deadline) and waits for the processes to exit. */
  stop(): Promise<void>;
  /** Kill -9 one broker (chaos tests). */
  killBroker(index: number): Promise<void>;
  /** Start a stopped broker again with the same data. */
  startBroker(index: number): Promise<void>;
  /** SIGSTOP (true) or SIGCONT (false) one broker: its connections stay open and go silent. */
  freezeBroker(index: number, frozen: boolean): void;
}

interface NodeLayout {
  readonly id: number;
  readonly dir: string;
  readonly clientPort: number;
  readonly controllerPort: number;
}

const HOST = '127.0.0.1';
const JVM_OPTS = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

/** Kafka's Uuid text form: 16 random bytes, URL-safe base64 without padding. */
function randomClusterId(): string {
  // An id starting with '-' would be read as an option by the storage tool (Kafka avoids them too).
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Controller ports and the cluster id are fixed at the first start and kept for restarts. */
async function layout(
  dataDir: string,
  port: number,
  brokerCount: number,
): Promise<{ clusterId: string; nodes: NodeLayout[] }> {
  const file = join(dataDir, 'cluster.json');
  let saved: { clusterId: string; controllerPorts: number[] } | undefined;
  if (existsSync(file)) {
    saved = JSON.parse(readFileSync(file, 'utf8')) as { clusterId: string; controllerPorts: number[] };
    if (saved.controllerPorts.length !== brokerCount)
      throw new TributaryError(
        'CONFIG_INVALID',
        `config kafka.brokerCount: ${dataDir} holds a ${saved.controllerPorts.length}-broker cluster; use that count or another data directory`,
      );
  }
  if (!saved) {
    const controllerPorts: number[] = [];
    for (let i = 0; i < brokerCount; i++) controllerPorts.push(await freePort());
    saved = { clusterId: randomClusterId(), controllerPorts };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(saved, null, 2));
  }
  const nodes = saved.controllerPorts.map((controllerPort, i) => ({
    id: i + 1,
    dir: join(dataDir, `node-${i + 1}`),
    clientPort: port + i,
    controllerPort,
  }));
  return { clusterId: saved.clusterId, nodes };
}

function secureProperties(node: NodeLayout, secure: SecureListener): Record<string, string> {
  // Kafka reads a PEM key store as one file holding the private key and the certificate chain.
  const keystore = join(node.dir, 'keystore.pem');
  writeFileSync(keystore, readFileSync(secure.keyFile, 'utf8') + readFileSync(secure.certFile, 'utf8'));
  const users = Object.entries(secure.users)
    .map(([name, password]) => `user_${name}="${password}"`)
    .join(' ');
  return {
    'listener.name.secure.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.secure.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${users};`,
    'listener.name.secure.ssl.keystore.type': 'PEM',
    'listener.name.secure.ssl.keystore.location': keystore,
    'listener.name.secure.ssl.truststore.type': 'PEM',
    'listener.name.secure.ssl.truststore.location': secure.caFile,
  };
}

function serverProperties(node: NodeLayout, all: readonly NodeLayout[], secure?: SecureListener): string {
  const replicas = Math.min(3, all.length);
  const index = all.indexOf(node);
  const secureListener = secure ? `,SECURE://${HOST}:${secure.port + index}` : '';
  const props: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    'controller.quorum.voters': all.map((n) => `${n.id}@${HOST}:${n.controllerPort}`).join(','),
    listeners: `PLAINTEXT://${HOST}:${node.clientPort},CONTROLLER://${HOST}:${node.controllerPort}${secureListener}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${node.clientPort}${secureListener}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${secure ? ',SECURE:SASL_SSL' : ''}`,
    ...(secure ? secureProperties(node, secure) : {}),
    'log.dirs': join(node.dir, 'data'),
    'num.partitions': 3,
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': replicas,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': replicas,
    'transaction.state.log.min.isr': Math.min(2, replicas),
    'share.coordinator.state.topic.replication.factor': replicas,
    'share.coordinator.state.topic.min.isr': Math.min(2, replicas),
    'min.insync.replicas': all.length >= 3 ? 2 : 1,
    'default.replication.factor': replicas,
    'group.initial.rebalance.delay.ms': 0,
    // Both group protocols (the default of Kafka 4.x, stated so a changed default cannot drop KIP-848).
    // Under KIP-848 the session and heartbeat times are the broker's, not the client's: as short as
    // the classic writers ask for (10 s session, 3 s heartbeats), so a killed writer's partitions move soon.
    'group.coordinator.rebalance.protocols': 'classic,consumer',
    'group.consumer.session.timeout.ms': 10_000,
    'group.consumer.min.session.timeout.ms': 6_000,
    'group.consumer.heartbeat.interval.ms': 2_000,
    'group.consumer.min.heartbeat.interval.ms': 1_000,
    // Kafka's default, stated: the receiver must fit its record batches (1,000,000-byte records
    // plus overhead) into the limit production brokers have, and tests must see that limit.
    'message.max.bytes': KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
    'log.segment.bytes': 64 * 1024 * 1024,
    'log.retention.hours': 24,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.threads': 1,
  };
  return Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

/** The first ERROR lines (the cause) and the last lines of a broker log, for start-up errors. */
function tail(path: string, lines = 15): string {
  try {
    const all = readFileSync(path, 'utf8').split('\n');
    const errors = all.filter((l) => /ERROR|Exception|Address already in use/.test(l)).slice(0, 5);
    return [...errors, errors.length ? '...' : '', ...all.slice(-lines)].join('\n');
  } catch {
    return '(no log)';
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startKafka(options: StartKafkaOptions): Promise<LocalKafka> {
  const progress = options.onProgress ?? (() => undefined);
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const classpath = await kafkaClasspath(options.version, progress);
  const { clusterId, nodes } = await layout(options.dataDir, options.port, options.brokerCount);
  const processes = new Map<number, ChildProcess>();
  const exits = new Map<number, Promise<void>>();

  const killAllNow = (): void => {
    for (const child of processes.values()) child.kill('SIGKILL');
  };
  process.once('exit', killAllNow);

  for (const node of nodes) {
    mkdirSync(node.dir, { recursive: true });
    writeFileSync(join(node.dir, 'server.properties'), serverProperties(node, nodes, options.secure) + '\n');
    if (!existsSync(join(node.dir, 'data', 'meta.properties'))) {
      progress(`formatting storage of node ${node.id}`);
      try {
        await run(
          'java',
          [
            '-cp',
            classpath,
            'kafka.tools.StorageTool',
            'format',
            '-t',
            clusterId,
            '-c',
            join(node.dir, 'server.properties'),
            '--ignore-formatted',
          ],
          {
            maxBuffer: 4 * 1024 * 1024,
          },
        );
      } catch (err) {
        const out = err as { stdout?: string; stderr?: string };
        throw new TributaryError(
          'DEPENDENCY_MISSING',
          `formatting Kafka storage failed: ${out.stderr ?? ''}${out.stdout ?? ''}`,
          { cause: err },
        );
      }
    }
  }

  const launch = (node: NodeLayout): void => {
    const logPath = join(node.dir, 'broker.log');
    const fd = openSync(logPath, 'a');
    const child = spawn(
      'java',
      [...JVM_OPTS, '-cp', classpath, 'kafka.Kafka', join(node.dir, 'server.properties')],
      {
        stdio: ['ignore', fd, fd],
      },
    );
    closeSync(fd);
    processes.set(node.id, child);
    exits.set(
      node.id,
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          if (processes.get(node.id) === child) processes.delete(node.id);
          resolve();
        });
      }),
    );
  };

  const waitReady = async (targets: readonly NodeLayout[]): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (const node of targets) {
      const logPath = join(node.dir, 'broker.log');
      for (;;) {
        if (!processes.has(node.id))
          throw new TributaryError(
            'DEPENDENCY_MISSING',
            `Kafka node ${node.id} exited during start-up; log tail:\n${tail(logPath)}`,
          );
        const log = readFileSync(logPath, 'utf8');
        // The log is emptied before each launch, so this line is from the current run.
        if (log.includes('Kafka Server started') && (await canConnect(node.clientPort))) break;
        if (Date.now() > deadline)
          throw new TributaryError(
            'DEPENDENCY_MISSING',
            `Kafka node ${node.id} not ready after ${timeoutMs} ms; log tail:\n${tail(logPath)}`,
          );
        await sleep(250);
      }
    }
  };

  const stopNode = async (node: NodeLayout, signal: NodeJS.Signals): Promise<void> => {
    const child = processes.get(node.id);
    if (!child) return;
    const exited = exits.get(node.id)!;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const started = Date.now();
  progress(`starting ${nodes.length} node(s) on ports ${nodes.map((n) => n.clientPort).join(',')}`);
  for (const node of nodes) {
    // A fresh start marker keeps an old "started" line in an appended log from counting.
    writeFileSync(join(node.dir, 'broker.log'), '');
    launch(node);
  }
  try {
    await waitReady(nodes);
  } catch (err) {
    await Promise.all(nodes.map((n) => stopNode(n, 'SIGKILL')));
    process.removeListener('exit', killAllNow);
    throw err;
  }
  progress(`Kafka ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  return {
    brokers: nodes.map((n) => `${HOST}:${n.clientPort}`),
    async stop() {
      await Promise.all(nodes.map((n) => stopNode(n, 'SIGTERM')));
      process.removeListener('exit', killAllNow);
    },
    async killBroker(index: number) {
      const node = nodes[index];
      if (!node) throw new RangeError(`no broker ${index}`);
      await stopNode(node, 'SIGKILL');
    },
    freezeBroker(index: number, frozen: boolean) {
      const node = nodes[index];
      const child = node && processes.get(node.id);
      if (!child) throw new RangeError(`no running broker ${index}`);
      child.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
    },
    async startBroker(index: number) {
      const node = nodes[index];
      if (!node) throw new RangeError(`no broker ${index}`);
      if (processes.has(node.id)) return;
      writeFileSync(join(node.dir, 'broker.log'), '');
      launch(node);
      await waitReady([node]);
    },
  };
}
