/**
 * The receiver part of the benchmark alone: tributary's receiver, the Collector (durable mode:
 * answers after the Kafka ack) and Rotel (bench/lib/rotel.ts: answers before the ack) on one local
 * Kafka, the same seeded bodies and clients as `npm run bench`, alternated round by round so all see
 * the same machine. Prints items per CPU-second of each, our ratio to each peer and to the best peer
 * (medians of the rounds, and per round), a delivery check (a fixed number of requests per system
 * and case, then the items counted back from Kafka) and the receiver's largest event-loop delay
 * under this load. Kafka only (no ClickHouse): short enough to run after every change.
 *
 *   npm run bench:receiver                                  every case, 3 rounds of 5 s
 *   npm run bench:receiver -- --cases http-logs,grpc-traces --rounds 3 --seconds 5
 *   npm run bench:receiver -- --profile /tmp/prof --no-collector --no-rotel   node --cpu-prof on ours
 *   npm run bench:receiver -- --compare /path/to/other/checkout   its receiver (built) in the same rounds
 *   npm run bench:receiver -- --compare . --compare-node-options=--max-semi-space-size=64   flags A/B
 *   npm run bench:receiver -- --node-options=--trace-gc    other node flags for our receiver (its log is kept)
 *
 * Cases: http-traces, http-logs, http-metrics, grpc-traces. Writes nothing under bench/results.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateLogs, generateMetrics, generateTraces } from '../test/fixtures/generate.js';
import { freshTopics } from '../test/harness/kafka.js';
import { startOwnKafka } from '../test/harness/own-kafka.js';
import { type Child, spawnTributary } from '../test/harness/process.js';
import { freePort } from '../test/harness/stack.js';
import { type RunningCollector, collectorBuilt, startCollector } from './lib/collector.js';
import { deliveryCheck } from './lib/delivery-check.js';
import { type Sender, type Signal, closedLoop, grpcSender, httpSender } from './lib/load.js';
import { cpuSeconds, median, scrapeMetric, waitHealthy } from './lib/proc.js';
import { ensureRotel, startRotelReceiver } from './lib/rotel.js';
import { peerRatioLines } from './lib/peer-ratios.js';
import { cleanUpOnSignals } from './lib/signals.js';

const ITEMS = 500;
const CASES = ['http-traces', 'http-logs', 'http-metrics', 'grpc-traces'] as const;
type Case = (typeof CASES)[number];
/** Unmeasured load per system and case before the rounds. */
const WARMUP_SECONDS = 2;
/** Requests per system and case in the delivery check. */
const CHECK_REQUESTS = 40;

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: CASES.join(',') },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    clients: { type: 'string', default: process.env['BENCH_CLIENTS'] ?? '8' },
    profile: { type: 'string' },
    'node-options': { type: 'string', default: '' },
    'no-collector': { type: 'boolean', default: false },
    'no-rotel': { type: 'boolean', default: false },
    /** More rotel-agent arguments, e.g. `--rotel-args=--disable-batching`. */
    'rotel-args': { type: 'string', default: '' },
    /** Another checkout (built) whose receiver runs in the same rounds: before/after in one run. */
    compare: { type: 'string' },
    /** Node flags for the compared receiver only (A/B of flags on one build: --compare .). */
    'compare-node-options': { type: 'string' },
  },
});
const cases = args.cases.split(',').map((c) => {
  if (!(CASES as readonly string[]).includes(c))
    throw new Error(`unknown case ${c}; use ${CASES.join(', ')}`);
  return c as Case;
});
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const clients = Number(args.clients);

const say = (line: string): void => {
  process.stderr.write(`bench:receiver: ${line}\n`);
};

function bodiesFor(signal: Signal, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const shape = { seed: 1 + i, resources: 1, scopesPerResource: 1 };
    if (signal === 'traces') return generateTraces({ ...shape, itemsPerScope: ITEMS });
    if (signal === 'logs') return generateLogs({ ...shape, itemsPerScope: ITEMS });
    return generateMetrics({ ...shape, itemsPerScope: ITEMS / 10 }); // 10 points per metric
  });
}

interface Target {
  readonly pid: number;
  readonly http: number;
  readonly grpc: number;
  readonly topics: Record<Signal, string>;
}

function senderFor(target: Target, which: Case): { send: Sender; close: () => void } {
  const [transport, signal] = which.split('-') as ['http' | 'grpc', Signal];
  if (transport === 'http')
    return { send: httpSender(`http://127.0.0.1:${target.http}`, signal), close: () => undefined };
  const grpc = grpcSender(`127.0.0.1:${target.grpc}`, signal);
  return { send: grpc.send, close: () => grpc.close() };
}

/** Items per CPU-second of `target` under one case's closed-loop load. */
async function runCase(target: Target, which: Case, bodies: Uint8Array[]): Promise<number> {
  const { send, close } = senderFor(target, which);
  const before = cpuSeconds(target.pid);
  const result = await closedLoop(send, bodies, ITEMS, clients, seconds);
  const cpu = cpuSeconds(target.pid) - before;
  close();
  const failed = result.requests - (result.statuses['200'] ?? 0) - (result.statuses['grpc-0'] ?? 0);
  if (failed > 0) say(`${which}: ${failed} failed requests ${JSON.stringify(result.statuses)}`);
  return result.items / cpu;
}

interface System {
  readonly name: string;
  readonly target: Target;
  /** A peer (the Collector, Rotel): our builds' ratios are to these. */
  readonly peer: boolean;
  /** Our receivers' metrics port (event-loop delay); none for the peers. */
  readonly metricsPort?: number;
}

async function main(): Promise<void> {
  const rotelSkip = args['no-rotel'] ? '--no-rotel' : ensureRotel(say);
  const bench = await startOwnKafka('bench-receiver', { onProgress: (line) => say(`kafka: ${line}`) });
  const { kafka, root } = bench;
  process.env['TEST_KAFKA_BROKERS'] = kafka.brokers.join(','); // the topic helpers use this Kafka
  const children: Child[] = [];
  const peers: RunningCollector[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled([...children.map((c) => c.kill('SIGTERM')), ...peers.map((p) => p.stop())]);
    await bench.stop();
  };
  cleanUpOnSignals(stopAll);
  if (args.profile) mkdirSync(args.profile, { recursive: true });
  const topicsFor = async () => {
    const t = await freshTopics(6);
    return { prefix: t.prefix, traces: t.traces, metrics: t.metrics, logs: t.logs };
  };
  const startOurs = async (
    name: string,
    checkout?: string,
    nodeOptions = args['node-options'],
  ): Promise<System> => {
    const ports = { http: await freePort(), grpc: await freePort(), health: await freePort() };
    const metricsPort = await freePort();
    const { prefix, ...topics } = await topicsFor();
    const env = {
      TRIBUTARY_KAFKA_BROKERS: kafka.brokers.join(','),
      TRIBUTARY_TOPICS_PREFIX: prefix,
      TRIBUTARY_RECEIVER_HTTP_PORT: String(ports.http),
      TRIBUTARY_RECEIVER_GRPC_PORT: String(ports.grpc),
      TRIBUTARY_RECEIVER_HEALTH_PORT: String(ports.health),
      TRIBUTARY_RECEIVER_METRICS_PORT: String(metricsPort),
      TRIBUTARY_LOG_LEVEL: 'error',
    };
    // Kept after the run when node options were given (e.g. --trace-gc writes there).
    const log = args['node-options']
      ? join(tmpdir(), `bench-receiver-${process.pid}-${name}.log`)
      : join(root, `${name}.log`);
    // Flags on the command line, not in NODE_OPTIONS: Node refuses some there (--trace-gc).
    const nodeArgs = [
      ...nodeOptions.split(' ').filter(Boolean),
      ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : []),
    ];
    const child = spawnTributary('receiver', env, log, {
      ...(checkout ? { cli: join(checkout, 'dist', 'cli', 'main.js') } : {}),
      nodeArgs,
    });
    children.push(child);
    await waitHealthy(`http://127.0.0.1:${ports.health}/ready`);
    return {
      name,
      peer: false,
      target: { pid: child.process.pid!, http: ports.http, grpc: ports.grpc, topics },
      metricsPort,
    };
  };
  const startPeer = async (
    name: string,
    start: (o: { topics: Record<Signal, string>; http: number; grpc: number }) => Promise<RunningCollector>,
  ): Promise<System> => {
    const { prefix: _prefix, ...topics } = await topicsFor();
    const ports = { http: await freePort(), grpc: await freePort() };
    const running = await start({ topics, ...ports });
    peers.push(running);
    return { name, peer: true, target: { pid: running.process.pid!, ...ports, topics } };
  };
  try {
    const systems: System[] = [await startOurs('tributary')];
    if (args.compare)
      systems.push(
        await startOurs('compared', args.compare, args['compare-node-options'] ?? args['node-options']),
      );
    if (!args['no-collector']) {
      if (!collectorBuilt()) throw new Error('the Collector is not built: run `npm run bench` once');
      systems.push(
        await startPeer('collector', ({ topics, http, grpc }) =>
          startCollector({
            brokers: kafka.brokers,
            topics,
            httpPort: http,
            grpcPort: grpc,
            mode: 'durable',
            dir: root,
          }),
        ),
      );
    }
    if (rotelSkip) say(`rotel skipped: ${rotelSkip}`);
    else
      systems.push(
        await startPeer('rotel', ({ topics, http, grpc }) =>
          startRotelReceiver({
            brokers: kafka.brokers,
            topics,
            httpPort: http,
            grpcPort: grpc,
            dir: root,
            extra: args['rotel-args'].split(' ').filter(Boolean),
          }),
        ),
      );
    const bodies = {
      traces: bodiesFor('traces', 16),
      logs: bodiesFor('logs', 16),
      metrics: bodiesFor('metrics', 16),
    };
    // A warm-up per system and case, not measured: our receiver's first seconds run unoptimised
    // code and grow its buffer pool (its first round measured 0.3-0.7x of the next ones).
    for (const which of cases)
      for (const system of systems) {
        const { send, close } = senderFor(system.target, which);
        await closedLoop(send, bodies[which.split('-')[1] as Signal], ITEMS, clients, WARMUP_SECONDS);
        close();
      }
    const figures = new Map<string, number[]>();
    for (let round = 1; round <= rounds; round++)
      for (const which of cases) {
        const signalBodies = bodies[which.split('-')[1] as Signal];
        const line: string[] = [];
        for (const system of systems) {
          const figure = await runCase(system.target, which, signalBodies);
          figures.set(`${system.name} ${which}`, [...(figures.get(`${system.name} ${which}`) ?? []), figure]);
          line.push(`${system.name} ${Math.round(figure)}`);
        }
        say(`round ${round} ${which} items/CPU-s: ${line.join(', ')}`);
      }
    const lines = [
      `${rounds} round(s) of ${seconds} s, ${clients} clients, ${ITEMS} items per request; items per CPU-second, medians; ratios: of the medians (per round)`,
      ...peerRatioLines(
        cases,
        systems.map((s) => ({ name: s.name, peer: s.peer })),
        (system, which) => figures.get(`${system} ${which}`)!,
      ),
    ];
    if (args.compare)
      for (const which of cases) {
        const ours = figures.get(`tributary ${which}`)!;
        const theirs = figures.get(`compared ${which}`)!;
        const perRound = theirs.map((x, i) => (x / ours[i]!).toFixed(2)).join(' ');
        lines.push(
          `${which.padEnd(13)} compared ÷ tributary ${(median(theirs) / median(ours)).toFixed(2)}× (per round ${perRound}; median of per-round ${median(theirs.map((x, i) => x / ours[i]!)).toFixed(2)}×)`,
        );
      }
    // Delivery: acknowledged items counted back from Kafka (outside the measured rounds).
    for (const system of systems) {
      const missing: string[] = [];
      for (const which of cases) {
        const signal = which.split('-')[1] as Signal;
        const { send, close } = senderFor(system.target, which);
        const check = await deliveryCheck(
          kafka.brokers,
          system.target.topics[signal],
          signal,
          send,
          bodies[signal],
          ITEMS,
          CHECK_REQUESTS,
        );
        close();
        if (check.itemsInKafka < check.itemsAcknowledged)
          missing.push(
            `${which} ${check.itemsAcknowledged - check.itemsInKafka} of ${check.itemsAcknowledged} acknowledged items not in Kafka after ${check.seconds.toFixed(1)} s`,
          );
      }
      lines.push(
        `${system.name} delivery check (${CHECK_REQUESTS} requests per case, items counted back from Kafka): ${
          missing.length ? `MISSING: ${missing.join('; ')}` : 'every acknowledged item in Kafka'
        }`,
      );
    }
    for (const system of systems) {
      if (system.metricsPort === undefined) continue;
      const url = `http://127.0.0.1:${system.metricsPort}/metrics`;
      const max = (await scrapeMetric(url, 'nodejs_eventloop_delay_max')) ?? Number.NaN;
      const p99 = (await scrapeMetric(url, 'nodejs_eventloop_delay_p99')) ?? Number.NaN;
      lines.push(
        `${system.name} event-loop delay under this load: max ${(max * 1000).toFixed(1)} ms, p99 ${(p99 * 1000).toFixed(1)} ms`,
      );
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await stopAll();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
