/**
 * `npm run bench:kafka`: kafkajs 2.2.4 (the baseline; a devDependency for this bench only) against
 * @platformatic/kafka through tributary's Kafka port, side by side in one run on one local broker
 * (deploy/local/kafka): (a) produce 2,000 records of 200 KB and of 1 MB, idempotent, acks=all;
 * (b) read the same topics back; (c) the longest time without progress while a consumer group
 * scales 3 → 1 → 3 under a steady produce (kafkajs: classic eager; platformatic: classic and
 * KIP-848); (d) the broker killed and restarted mid-produce. Medians of KBENCH_ROUNDS rounds (3) for
 * (a) and (b), KBENCH_SCALE_ROUNDS (1) for (c), one round of (d). Results: bench/results/kafka-clients-<date>.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafka } from '../deploy/local/kafka/runner.js';
import { createKafka } from '../kafka/create.js';
import { type BenchClient, kafkajsClient, platformaticClient } from './lib/kafka-bench-clients.js';
import {
  consumeAll,
  dropTopic,
  newTopic,
  produceLarge,
  restartMidProduce,
  scaleGroup,
} from './lib/kafka-scenarios.js';
import { REQUIREMENTS_MD } from './lib/kafka-requirements.js';
import { median } from './lib/proc.js';
import { freePort } from '../test/harness/stack.js';

const ROUNDS = Number(process.env['KBENCH_ROUNDS'] ?? 3);
// Each scale round takes ~22 s per client and protocol: one round keeps the run near 10 minutes.
const SCALE_ROUNDS = Number(process.env['KBENCH_SCALE_ROUNDS'] ?? 1);
const RECORDS = Number(process.env['KBENCH_RECORDS'] ?? 2_000);
const SIZES = [
  { label: '200 KB', bytes: 200 * 1024, perSend: 20 },
  { label: '1 MB', bytes: 1024 * 1024, perSend: 6 },
];
const log = (line: string): void => console.error(`[bench:kafka] ${line}`);

type Row = Record<string, string | number>;
const results: { produce: Row[]; consume: Row[]; scale: Row[]; restart: Row[] } = {
  produce: [],
  consume: [],
  scale: [],
  restart: [],
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-kafka-'));
  const kafka = await startKafka({
    dataDir: join(dir, 'kafka'),
    port: await freePort(),
    brokerCount: 1,
    version: '4.1.1',
    onProgress: (line) => log(`kafka: ${line}`),
  });
  const port = createKafka({ brokers: kafka.brokers, clientId: 'bench-control' });
  const clients = [kafkajsClient(kafka.brokers), platformaticClient(kafka.brokers)];
  const started = Date.now();
  try {
    for (const size of SIZES) {
      const figures = new Map<
        string,
        { cpu: number[]; wall: number[]; mbps: number[]; rps: number[]; ccpu: number[] }
      >();
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate who goes first, so a warmer broker does not favour one client.
        const order = round % 2 === 0 ? clients : [...clients].reverse();
        for (const client of order) {
          const topic = await newTopic(port, 'produce');
          const p = await produceLarge(client, topic, RECORDS, size.bytes, size.perSend);
          const c = await consumeAll(client, topic, RECORDS);
          await dropTopic(port, topic);
          const f = figures.get(client.name) ?? { cpu: [], wall: [], mbps: [], rps: [], ccpu: [] };
          f.cpu.push(p.cpuSeconds);
          f.wall.push(p.wallSeconds);
          f.mbps.push(p.mbPerSecond);
          f.rps.push(c.recordsPerSecond);
          f.ccpu.push(c.cpuSeconds);
          figures.set(client.name, f);
          log(`${size.label} ${client.name}: produce ${JSON.stringify(p)} consume ${JSON.stringify(c)}`);
        }
      }
      for (const [name, f] of figures) {
        results.produce.push({
          client: name,
          record: size.label,
          cpuSeconds: round2(median(f.cpu)),
          wallSeconds: round2(median(f.wall)),
          mbPerSecond: Math.round(median(f.mbps)),
        });
        results.consume.push({
          client: name,
          record: size.label,
          recordsPerSecond: Math.round(median(f.rps)),
          cpuSeconds: round2(median(f.ccpu)),
        });
      }
    }
    await scale(clients, port);
    for (const client of clients) {
      const topic = await newTopic(port, 'restart');
      const r = await restartMidProduce(client, port, kafka, topic);
      log(`restart ${client.name}: ${JSON.stringify(r)}`);
      results.restart.push({ client: client.name, ...r, errors: r.errors.join('; ') || 'none' });
    }
  } finally {
    await kafka.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  report((Date.now() - started) / 1000);
}

async function scale(clients: readonly BenchClient[], port: ReturnType<typeof createKafka>): Promise<void> {
  for (const client of clients)
    for (const protocol of client.protocols) {
      const gaps: number[] = [];
      const down: number[] = [];
      const up: number[] = [];
      for (let round = 0; round < SCALE_ROUNDS; round++) {
        const topic = await newTopic(port, 'scale');
        const s = await scaleGroup(client, port, topic, protocol);
        log(`scale ${client.name} ${protocol}: ${JSON.stringify(s)}`);
        gaps.push(s.longestGapMs);
        down.push(s.gapAfterScaleDownMs);
        up.push(s.gapAfterScaleUpMs);
        await dropTopic(port, topic);
      }
      results.scale.push({
        client: client.name,
        protocol: protocol === 'classic' ? 'classic (eager)' : 'consumer (KIP-848)',
        longestGapMs: median(gaps),
        afterScaleDownMs: median(down),
        afterScaleUpMs: median(up),
        rounds: gaps.join(' / '),
      });
    }
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

function table(rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0]!);
  return [
    `| ${keys.join(' | ')} |`,
    `|${keys.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${keys.map((k) => String(r[k])).join(' | ')} |`),
  ].join('\n');
}

function report(seconds: number): void {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const date = new Date().toISOString().slice(0, 10);
  const setting =
    `Commit ${commit}, Node ${process.version}, ${cpus().length} CPUs SHARED with other work (other ` +
    `agents' builds and tests ran at the same time, so absolute figures are noisy; compare the clients ` +
    `within this run), one local Kafka 4.1.1 broker (deploy/local/kafka); produce and read: medians of ${ROUNDS} round(s); ` +
    `group scaling: ${SCALE_ROUNDS} round(s); broker restart: one round. Total ${Math.round(seconds)} s. Command: npm run bench:kafka`;
  const md = [
    `# Kafka clients, ${date}`,
    '',
    setting,
    '',
    REQUIREMENTS_MD,
    `## (a) Produce ${RECORDS} records, idempotent, acks=all (CPU of the producing process)`,
    '',
    table(results.produce),
    '',
    '## (b) Read the same topic back from offset 0',
    '',
    table(results.consume),
    '',
    '## (c) Consumer group 3 → 1 → 3 under a steady produce (100 records/s): longest time with no record consumed',
    '',
    table(results.scale),
    '',
    '## (d) Broker killed (SIGKILL) and restarted mid-produce (10 × 10 KB per send)',
    '',
    table(results.restart),
    '',
  ].join('\n');
  mkdirSync('bench/results', { recursive: true });
  const base = `bench/results/kafka-clients-${date}`;
  writeFileSync(`${base}.md`, md);
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      { date, commit, node: process.version, rounds: ROUNDS, scaleRounds: SCALE_ROUNDS, ...results },
      null,
      2,
    ),
  );
  console.log(md);
}

await main();
