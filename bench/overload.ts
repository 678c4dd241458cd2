/**
 * The 2× overload part of `npm run bench` alone (Kafka only, no ClickHouse, ~1-2 min): each round
 * starts a fresh receiver, measures its capacity over OTLP/HTTP traces with a closed loop and offers
 * it twice that (bench/lib/overload.ts). Prints per round the answers, peak RSS
 * at normal load and under overload and their ratio (target ≤ 2), acknowledged requests missing from
 * Kafka (target 0); medians at the end.
 *
 *   npm run bench:overload                              3 rounds, 8 s of overload each
 *   npm run bench:overload -- --rounds 5 --rate 900     a fixed offered rate (requests/s)
 *   npm run bench:overload -- --compare /other/checkout another build's receiver in the same rounds
 *   npm run bench:overload -- --node-options=--import=<preload>   node flags for the receivers, e.g.
 *        dist/bench/lib/memory-sampler.js with MEMORY_SAMPLE_FILE=<prefix> (one file per receiver:
 *        <prefix>-<name>.jsonl) to split a peak into V8 heap, buffers and the rest
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateTraces } from '../test/fixtures/generate.js';
import { freshTopics } from '../test/harness/kafka.js';
import { startOwnKafka } from '../test/harness/own-kafka.js';
import { type Child, spawnTributary } from '../test/harness/process.js';
import { freePort } from '../test/harness/stack.js';
import { type OverloadResult, RETRYABLE_OR_OK, overloadRun } from './lib/overload.js';
import { median, waitHealthy } from './lib/proc.js';
import { cleanUpOnSignals } from './lib/signals.js';

const ITEMS = 500;
const CLIENTS = 8;

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    rate: { type: 'string' },
    compare: { type: 'string' },
    'node-options': { type: 'string', default: '' },
  },
});

const say = (line: string): void => {
  process.stderr.write(`bench:overload: ${line}\n`);
};

async function main(): Promise<void> {
  const bench = await startOwnKafka('bench-overload', { onProgress: (line) => say(`kafka: ${line}`) });
  const { kafka, root } = bench;
  process.env['TEST_KAFKA_BROKERS'] = kafka.brokers.join(','); // the topic helpers use this Kafka
  const children: Child[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(children.map((c) => c.kill('SIGTERM')));
    await bench.stop();
  };
  cleanUpOnSignals(stopAll);
  const startReceiver = async (name: string, checkout?: string) => {
    const topics = await freshTopics(6);
    const ports = { http: await freePort(), grpc: await freePort(), health: await freePort() };
    const child = spawnTributary(
      'receiver',
      {
        TRIBUTARY_KAFKA_BROKERS: kafka.brokers.join(','),
        TRIBUTARY_TOPICS_PREFIX: topics.prefix,
        TRIBUTARY_RECEIVER_HTTP_PORT: String(ports.http),
        TRIBUTARY_RECEIVER_GRPC_PORT: String(ports.grpc),
        TRIBUTARY_RECEIVER_HEALTH_PORT: String(ports.health),
        TRIBUTARY_RECEIVER_METRICS_PORT: '0',
        TRIBUTARY_LOG_LEVEL: 'error',
        ...(process.env['MEMORY_SAMPLE_FILE']
          ? { MEMORY_SAMPLE_FILE: `${process.env['MEMORY_SAMPLE_FILE']}-${name}.jsonl` }
          : {}),
      },
      join(root, `${name}.log`),
      {
        ...(checkout ? { cli: join(checkout, 'dist', 'cli', 'main.js') } : {}),
        nodeArgs: args['node-options'].split(' ').filter(Boolean),
      },
    );
    children.push(child);
    await waitHealthy(`http://127.0.0.1:${ports.health}/ready`);
    return { child, target: { pid: child.process.pid!, http: ports.http, topic: topics.traces } };
  };
  try {
    const bodies = Array.from({ length: 16 }, (_, i) =>
      generateTraces({ seed: i + 1, resources: 1, scopesPerResource: 1, itemsPerScope: ITEMS }),
    );
    const rate = args.rate ? Number(args.rate) : undefined;
    const builds: [string, string | undefined][] = [['tributary', undefined]];
    if (args.compare) builds.push(['compared', args.compare]);
    const results = new Map<string, OverloadResult[]>(builds.map(([name]) => [name, []]));
    for (let round = 1; round <= Number(args.rounds); round++) {
      for (const [name, checkout] of builds) {
        const receiver = await startReceiver(`${name}-${round}`, checkout);
        const result = await overloadRun(receiver.target, bodies, ITEMS, {
          ...(rate ? { rate } : {}),
          seconds: Number(args.seconds),
          clients: CLIENTS,
        });
        await receiver.child.kill('SIGTERM');
        results.get(name)!.push(result);
        const unexpected = Object.keys(result.statuses).filter((s) => !RETRYABLE_OR_OK.includes(s));
        say(
          `round ${round} ${name}: capacity ${result.capacityRequestsPerSecond.toFixed(0)} requests/s, offered ` +
            `${result.offeredRequestsPerSecond.toFixed(0)}, refused ${(100 * result.shedShare).toFixed(0)}%, ` +
            `answers ${JSON.stringify(result.statuses)}, RSS ${mib(result.rssBeforeBytes)} → ` +
            `${mib(result.rssPeakBytes)} MiB = ${ratio(result).toFixed(2)}×, missing from Kafka ` +
            `${Math.max(0, result.ackedRequests - result.recordsInKafka)}` +
            (unexpected.length ? `, UNEXPECTED answers ${unexpected.join(', ')}` : ''),
        );
      }
    }
    for (const [name, runs] of results)
      process.stdout.write(
        `${name}: peak RSS under overload ÷ normal, median of ${runs.length}: ${median(runs.map(ratio)).toFixed(2)}× ` +
          `(${runs.map((r) => ratio(r).toFixed(2)).join(' ')}), target ≤ 2\n`,
      );
  } finally {
    await stopAll();
  }
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
const ratio = (r: OverloadResult): number => r.rssPeakBytes / r.rssBeforeBytes;

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:overload: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
