/**
 * The scenarios of `npm run bench:kafka`, one client at a time in this process (so process.cpuUsage
 * is that client's CPU; the broker is another process): produce large records, read them back, scale
 * a consumer group 3 → 1 → 3 under a steady produce, and restart the broker mid-produce.
 */
import { randomBytes } from 'node:crypto';
import type { LocalKafka } from '../../deploy/local/kafka/runner.js';
import type { KafkaPort } from '../../kafka/port.js';
import type { BenchClient, BenchRecord, GroupProtocol } from './kafka-bench-clients.js';
import { sleep } from './proc.js';

export const PARTITIONS = 6;
let topics = 0;

export async function newTopic(port: KafkaPort, what: string): Promise<string> {
  const name = `bench-${what}-${process.pid}-${topics++}`;
  const admin = port.admin();
  try {
    await admin.ensureTopics([{ name, partitions: PARTITIONS, replicationFactor: 1 }]);
  } finally {
    await admin.close();
  }
  return name;
}

export async function dropTopic(port: KafkaPort, name: string): Promise<void> {
  const admin = port.admin();
  await admin.deleteTopics([name]).finally(() => admin.close());
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export interface ProduceFigures {
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly mbPerSecond: number;
}

/** `count` records of `size` bytes, round robin over the partitions, `perSend` records per call. */
export async function produceLarge(
  client: BenchClient,
  topic: string,
  count: number,
  size: number,
  perSend: number,
): Promise<ProduceFigures> {
  const value = randomBytes(size);
  const producer = await client.producer();
  try {
    const cpu = cpuNow();
    const start = performance.now();
    for (let i = 0; i < count; i += perSend) {
      const batch: BenchRecord[] = [];
      for (let j = i; j < Math.min(count, i + perSend); j++) batch.push({ partition: j % PARTITIONS, value });
      await producer.send(topic, batch);
    }
    const wallSeconds = (performance.now() - start) / 1000;
    return { cpuSeconds: cpuNow() - cpu, wallSeconds, mbPerSecond: (count * size) / 1e6 / wallSeconds };
  } finally {
    await producer.close();
  }
}

export interface ConsumeFigures {
  readonly recordsPerSecond: number;
  readonly cpuSeconds: number;
}

export async function consumeAll(client: BenchClient, topic: string, total: number): Promise<ConsumeFigures> {
  const cpu = cpuNow();
  const { first, last } = await client.readAll(topic, PARTITIONS, total);
  return { recordsPerSecond: total / ((last - first) / 1000), cpuSeconds: cpuNow() - cpu };
}

export interface ScaleFigures {
  /** Longest time without any record consumed by the group, from the scale-down until the end. */
  readonly longestGapMs: number;
  readonly gapAfterScaleDownMs: number;
  readonly gapAfterScaleUpMs: number;
  readonly produced: number;
  readonly consumed: number;
}

/** A steady produce (1 KB every 10 ms) while the group goes 3 → 1 → 3 members. */
export async function scaleGroup(
  client: BenchClient,
  loadPort: KafkaPort,
  topic: string,
  protocol: GroupProtocol,
): Promise<ScaleFigures> {
  const times: number[] = [];
  const groupId = `${topic}-${protocol}`;
  const onRecord = (): void => void times.push(performance.now());
  const producer = loadPort.producer({ compression: 'none', timeoutMs: 30_000 });
  let producing = true;
  let produced = 0;
  const value = randomBytes(1024);
  const load = (async () => {
    while (producing) {
      await producer.send([{ topic, partition: produced % PARTITIONS, key: null, value, headers: {} }]);
      produced++;
      await sleep(10);
    }
  })();
  const members = [];
  for (let i = 0; i < 3; i++) members.push(await client.member(groupId, topic, protocol, onRecord));
  await waitUntil(() => times.length > 0 && performance.now() - times.at(-1)! < 100, 30_000);
  await sleep(3_000);
  const down = performance.now();
  await Promise.all(members.splice(1).map((m) => m.stop()));
  await sleep(7_000);
  const up = performance.now();
  for (let i = 0; i < 2; i++) members.push(await client.member(groupId, topic, protocol, onRecord));
  await sleep(8_000);
  const end = performance.now();
  producing = false;
  await load;
  await Promise.all(members.map((m) => m.stop()));
  await producer.close();
  return {
    longestGapMs: longestGap(times, down, end),
    gapAfterScaleDownMs: longestGap(times, down, up),
    gapAfterScaleUpMs: longestGap(times, up, end),
    produced,
    consumed: times.length,
  };
}

/** The longest stretch in [from, to] with no record, counting the edges of the window. */
function longestGap(times: readonly number[], from: number, to: number): number {
  let previous = from;
  let longest = 0;
  for (const t of times) {
    if (t < from) continue;
    if (t > to) break;
    longest = Math.max(longest, t - previous);
    previous = t;
  }
  return Math.round(Math.max(longest, to - previous));
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}

export interface RestartFigures {
  readonly acknowledged: number;
  readonly found: number;
  readonly acknowledgedMissing: number;
  readonly duplicates: number;
  readonly failedSends: number;
  readonly errors: readonly string[];
  readonly brokerDownMs: number;
  /** From the broker answering again to the first acknowledged send. */
  readonly recoverMs: number;
}

/** Sends of 10 × 10 KB records with a sequence number each; the broker is killed (-9) and restarted. */
export async function restartMidProduce(
  client: BenchClient,
  readPort: KafkaPort,
  kafka: LocalKafka,
  topic: string,
): Promise<RestartFigures> {
  const producer = await client.producer();
  const acked = new Set<number>();
  const errors = new Map<string, number>();
  let failedSends = 0;
  let seq = 0;
  let firstAckAfter = 0;
  let restartedAt = Infinity;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const batch: BenchRecord[] = [];
      const ids: number[] = [];
      for (let i = 0; i < 10; i++) {
        const value = randomBytes(10 * 1024);
        value.writeUInt32BE(seq);
        ids.push(seq);
        batch.push({ partition: seq % PARTITIONS, value });
        seq++;
      }
      try {
        await producer.send(topic, batch);
        for (const id of ids) acked.add(id);
        if (performance.now() > restartedAt && firstAckAfter === 0) firstAckAfter = performance.now();
      } catch (err) {
        failedSends++;
        const name = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 120) : String(err);
        errors.set(name, (errors.get(name) ?? 0) + 1);
        await sleep(100);
      }
    }
  })();
  await sleep(3_000);
  const killed = performance.now();
  await kafka.killBroker(0);
  await kafka.startBroker(0);
  restartedAt = performance.now();
  const deadline = restartedAt + 60_000;
  while (firstAckAfter === 0 && performance.now() < deadline) await sleep(100);
  await sleep(2_000);
  stop = true;
  await loop;
  await producer.close().catch(() => undefined);
  const seen = await readIds(readPort, topic);
  let duplicates = 0;
  for (const n of seen.values()) if (n > 1) duplicates += n - 1;
  return {
    acknowledged: acked.size,
    found: seen.size,
    acknowledgedMissing: [...acked].filter((id) => !seen.has(id)).length,
    duplicates,
    failedSends,
    errors: [...errors].map(([e, n]) => `${n}× ${e}`),
    brokerDownMs: Math.round(restartedAt - killed),
    recoverMs: firstAckAfter ? Math.round(firstAckAfter - restartedAt) : -1,
  };
}

/** Every sequence number in the topic and how often it occurs. */
async function readIds(port: KafkaPort, topic: string): Promise<Map<number, number>> {
  const admin = port.admin();
  const ends = await admin.offsets(topic).finally(() => admin.close());
  const reader = port.reader();
  const seen = new Map<number, number>();
  const options = {
    maxWaitMs: 200,
    maxBytesPerPartition: 4 << 20,
    maxBytes: 16 << 20,
    isolation: 'read_committed' as const,
  };
  try {
    for (const { partition, low, high } of ends) {
      let position = low;
      while (position < high) {
        const [part] = await reader.fetch([{ topic, partition, position }], options);
        if (!part || part.error) throw new Error(part?.error?.message ?? 'no answer');
        for (const r of part.records) {
          const id = r.value!.readUInt32BE(0);
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
        position = part.nextPosition;
      }
    }
  } finally {
    await reader.close();
  }
  return seen;
}
