/**
 * The bench's receiver part: our receiver beside the peers on one Kafka, the same bodies and clients,
 * round by round: the OpenTelemetry Collector durable (answers after the Kafka ack) and batched
 * (batch processor + sending queue: answers before), and Rotel (bench/lib/rotel.ts: answers before
 * the ack). Items per CPU-second per (system, signal, transport), medians over rounds, and our ratio
 * to each peer and to the best peer of each case (bench/lib/peer-ratios.ts). telemetrygen (a load
 * generator nobody here wrote) runs once against ours and the durable Collector.
 */
import { spawn } from 'node:child_process';
import { freshTopics } from '../../test/harness/kafka.js';
import { freePort } from '../../test/harness/stack.js';
import { type RunningCollector, TELEMETRYGEN_BINARY, startCollector } from './collector.js';
import { type LoadResult, type Sender, type Signal, closedLoop, grpcSender, httpSender } from './load.js';
import { BEST_PEER, type PeerRatio, peerRatios } from './peer-ratios.js';
import { cpuSeconds, median, peakRssBytes } from './proc.js';
import { tableMarkdown } from './report.js';
import { startRotelReceiver } from './rotel.js';

export interface ReceiverRun {
  readonly system: string;
  readonly signal: Signal;
  readonly transport: string;
  readonly round: number;
  readonly itemsPerSecond: number;
  readonly cpuSecondsPerMillion: number;
  readonly itemsPerCpuSecond: number;
  readonly failures: number;
}

export interface ReceiverMedian {
  readonly system: string;
  readonly signal: Signal;
  readonly transport: string;
  readonly runs: number;
  readonly itemsPerSecond: number;
  readonly cpuSecondsPerMillion: number;
  readonly itemsPerCpuSecond: number;
  readonly failures: number;
}

export interface CaseRatio extends PeerRatio {
  readonly signal: Signal;
  readonly transport: string;
}

export interface ReceiverBenchResult {
  readonly runs: ReceiverRun[];
  readonly medians: ReceiverMedian[];
  /** Our receiver ÷ each peer and ÷ the best peer, per case. */
  readonly peerRatios: CaseRatio[];
  /** Each process's peak RSS after its rounds. */
  readonly peakRssBytes: Record<string, number>;
}

export interface ReceiverBenchOptions {
  readonly brokers: readonly string[];
  readonly ours: { readonly pid: number; readonly http: number; readonly grpc: number };
  readonly bodies: Record<Signal, Uint8Array[]>;
  readonly items: Record<Signal, number>;
  readonly clients: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly logDir: string;
  /** Why the Collector is not run (undefined: run it). */
  readonly collectorSkip: string | undefined;
  /** Why Rotel is not run (undefined: run it). */
  readonly rotelSkip: string | undefined;
  track(peer: RunningCollector): void;
  say(line: string): void;
}

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
/** The cases every system runs; the batched Collector runs HTTP traces only. */
const CASES: readonly { signal: Signal; transport: 'http/protobuf' | 'grpc' }[] = [
  ...SIGNALS.map((signal) => ({ signal, transport: 'http/protobuf' as const })),
  { signal: 'traces', transport: 'grpc' },
];

async function measure(
  pid: number,
  run: () => Promise<LoadResult>,
): Promise<{ result: LoadResult; cpu: number }> {
  const before = cpuSeconds(pid);
  const result = await run();
  return { result, cpu: cpuSeconds(pid) - before };
}

function receiverRun(
  system: string,
  signal: Signal,
  transport: string,
  round: number,
  { result, cpu }: { result: LoadResult; cpu: number },
): ReceiverRun {
  const ok = (result.statuses['200'] ?? 0) + (result.statuses['grpc-0'] ?? 0);
  return {
    system,
    signal,
    transport,
    round,
    itemsPerSecond: result.items / result.seconds,
    cpuSecondsPerMillion: (cpu / result.items) * 1e6,
    itemsPerCpuSecond: result.items / cpu,
    failures: result.requests - ok,
  };
}

/** telemetrygen sending traces over OTLP/HTTP; items = spans. */
async function telemetrygen(endpoint: string, pid: number): Promise<{ result: LoadResult; cpu: number }> {
  const workers = 4;
  const traces = 1500;
  const spansPerTrace = 10;
  const before = cpuSeconds(pid);
  const start = performance.now();
  const child = spawn(
    TELEMETRYGEN_BINARY,
    [
      'traces',
      '--otlp-http',
      '--otlp-insecure',
      '--otlp-endpoint',
      endpoint,
      '--workers',
      String(workers),
      '--traces',
      String(traces),
      '--child-spans',
      String(spansPerTrace - 1),
      '--rate',
      '0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`telemetrygen failed (${code}): ${stderr.slice(-500)}`);
  const seconds = (performance.now() - start) / 1000;
  const items = workers * traces * spansPerTrace;
  return {
    result: { requests: 0, items, seconds, statuses: { '200': 0 } },
    cpu: cpuSeconds(pid) - before,
  };
}

/** Unmeasured load per system and case before the rounds. */
const WARMUP_SECONDS = 2;

function senderOf(system: Running, signal: Signal, transport: string): { send: Sender; close: () => void } {
  if (transport !== 'grpc')
    return { send: httpSender(`http://127.0.0.1:${system.http}`, signal), close: () => undefined };
  const grpc = grpcSender(`127.0.0.1:${system.grpc}`, signal);
  return { send: grpc.send, close: () => grpc.close() };
}

interface Running {
  readonly name: string;
  readonly pid: number;
  readonly http: number;
  readonly grpc: number;
  /** Runs only HTTP traces (the batched Collector). */
  readonly tracesOnly: boolean;
}

async function startPeers(o: ReceiverBenchOptions): Promise<Running[]> {
  const topics = async () => {
    const t = await freshTopics(6);
    return { traces: t.traces, metrics: t.metrics, logs: t.logs };
  };
  const peers: Running[] = [];
  const start = async (
    name: string,
    tracesOnly: boolean,
    run: (http: number, grpc: number) => Promise<RunningCollector>,
  ): Promise<void> => {
    const http = await freePort();
    const grpc = await freePort();
    const running = await run(http, grpc);
    o.track(running);
    peers.push({ name, pid: running.process.pid!, http, grpc, tracesOnly });
  };
  if (!o.collectorSkip) {
    for (const mode of ['durable', 'batched'] as const)
      await start(
        mode === 'durable' ? 'collector' : 'collector (batch+queue)',
        mode === 'batched',
        async (http, grpc) =>
          startCollector({
            brokers: o.brokers,
            topics: await topics(),
            httpPort: http,
            grpcPort: grpc,
            mode,
            dir: o.logDir,
          }),
      );
  } else o.say(`collector skipped: ${o.collectorSkip}`);
  if (!o.rotelSkip)
    await start('rotel', false, async (http, grpc) =>
      startRotelReceiver({
        brokers: o.brokers,
        topics: await topics(),
        httpPort: http,
        grpcPort: grpc,
        dir: o.logDir,
      }),
    );
  else o.say(`rotel skipped: ${o.rotelSkip}`);
  return peers;
}

export async function receiverBench(o: ReceiverBenchOptions): Promise<ReceiverBenchResult> {
  const systems: Running[] = [{ name: 'tributary', ...o.ours, tracesOnly: false }, ...(await startPeers(o))];
  const runs: ReceiverRun[] = [];
  // A warm-up per system and case, not measured: our receiver's first seconds run unoptimised code
  // and grow its buffer pool (its first round measured 0.3-0.7× of the next ones).
  for (const { signal, transport } of CASES)
    for (const system of systems) {
      if (system.tracesOnly && (signal !== 'traces' || transport !== 'http/protobuf')) continue;
      const { send, close } = senderOf(system, signal, transport);
      await closedLoop(send, o.bodies[signal], o.items[signal], o.clients, WARMUP_SECONDS);
      close();
    }
  for (let round = 1; round <= o.rounds; round++)
    for (const { signal, transport } of CASES) {
      o.say(`round ${round}: ${signal} over ${transport === 'grpc' ? 'OTLP/gRPC' : 'OTLP/HTTP protobuf'}`);
      for (const system of systems) {
        if (system.tracesOnly && (signal !== 'traces' || transport !== 'http/protobuf')) continue;
        const { send, close } = senderOf(system, signal, transport);
        const measured = await measure(system.pid, () =>
          closedLoop(send, o.bodies[signal], o.items[signal], o.clients, o.seconds),
        );
        close();
        runs.push(receiverRun(system.name, signal, transport, round, measured));
      }
    }
  const collector = systems.find((s) => s.name === 'collector');
  if (collector) {
    o.say('telemetrygen → tributary and → collector (traces, OTLP/HTTP)');
    for (const system of [systems[0]!, collector])
      runs.push(
        receiverRun(
          system.name,
          'traces',
          'http/protobuf (telemetrygen)',
          1,
          await telemetrygen(`127.0.0.1:${system.http}`, system.pid),
        ),
      );
  }
  return {
    runs,
    medians: mediansOf(runs),
    peerRatios: ratiosOf(runs),
    peakRssBytes: Object.fromEntries(systems.map((s) => [s.name, peakRssBytes(s.pid)])),
  };
}

function mediansOf(runs: readonly ReceiverRun[]): ReceiverMedian[] {
  const groups = new Map<string, ReceiverRun[]>();
  for (const run of runs) {
    const key = `${run.system}|${run.signal}|${run.transport}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => ({
    system: group[0]!.system,
    signal: group[0]!.signal,
    transport: group[0]!.transport,
    runs: group.length,
    itemsPerSecond: median(group.map((r) => r.itemsPerSecond)),
    cpuSecondsPerMillion: median(group.map((r) => r.cpuSecondsPerMillion)),
    itemsPerCpuSecond: median(group.map((r) => r.itemsPerCpuSecond)),
    failures: group.reduce((a, r) => a + r.failures, 0),
  }));
}

/** Ours ÷ the durable peers (the Collector answering after the ack, Rotel) and ÷ the best of them. */
function ratiosOf(runs: readonly ReceiverRun[]): CaseRatio[] {
  const peers = ['collector', 'rotel'];
  return CASES.flatMap(({ signal, transport }) => {
    const of = (system: string): number[] =>
      runs
        .filter((r) => r.system === system && r.signal === signal && r.transport === transport)
        .map((r) => r.itemsPerCpuSecond);
    const present = peers.filter((p) => of(p).length > 0);
    if (present.length === 0 || of('tributary').length === 0) return [];
    return peerRatios(
      `${signal} ${transport}`,
      [{ name: 'tributary', peer: false }, ...present.map((name) => ({ name, peer: true }))],
      (system) => of(system),
    ).map((r) => ({ ...r, signal, transport }));
  });
}

export { BEST_PEER };

/** The receivers' section of the bench's markdown report. */
export function receiverMarkdown(r: ReceiverBenchResult): string[] {
  return [
    tableMarkdown(
      [
        'system',
        'signal',
        'transport',
        'runs',
        'items/s',
        'CPU-s per M items',
        'items per CPU-s',
        'failed requests',
      ],
      r.medians.map((m) => [
        m.system,
        m.signal,
        m.transport,
        m.runs,
        m.itemsPerSecond,
        m.cpuSecondsPerMillion,
        m.itemsPerCpuSecond,
        m.failures,
      ]),
    ),
    '',
    tableMarkdown(
      ['signal', 'transport', 'tributary ÷', 'items per CPU-s, ratio of medians', 'per round'],
      r.peerRatios.map((x) => [
        x.signal,
        x.transport,
        x.against,
        `${x.ratio.toFixed(2)}×`,
        x.perRound.map((v) => v.toFixed(2)).join(' '),
      ]),
    ),
    '',
    'Peers: the Collector *durable* answers a client after the Kafka ack (no batch processor, sending queue off), as tributary does; *batch+queue* answers before. Rotel answers before the Kafka ack (it has no mode that waits for it); its Kafka exporter runs with acks=all and its batches sized to fit Kafka’s 1 MB message limit (`--batch-max-size 2048`: at its default 8192 they exceed it and are dropped). The best peer of a case is the durable Collector or Rotel, whichever did more items per CPU-second.',
  ];
}
