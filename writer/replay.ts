/**
 * `tributary replay`: re-reads a range of one signal's topic and writes it like the live writer,
 * through the same delivery state: into the same database only what the done state lacks is written,
 * however old the range (done ranges are skipped, planned ones are rebuilt along their plans), so it
 * is safe to repeat and safe while live writers run. Into another database (whose done state is its
 * own) everything in range is written — the way to apply corrected rules to old data.
 */
import { clickhouseFromConfig } from '../core/clickhouse.js';
import type { Config } from '../core/config/options.js';
import { TributaryError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { createKafka } from '../kafka/create.js';
import type {
  Assignment,
  FetchPosition,
  KafkaAdmin,
  PartitionReader,
  TopicPartition,
} from '../kafka/port.js';
import { kafkaSecurity } from '../kafka/security.js';
import { topicFor } from '../schemas/topics.js';
import { type PartitionSource, SignalWriter } from './consume.js';
import { prepareDelivery } from './delivery/preflight.js';
import { createWriterMetrics } from './metrics.js';
import { DeadLetterQueue, bodyEncoding, signalWriterBase } from './setup.js';

export interface ReplayRange {
  readonly partition: number;
  readonly start: number;
  /** exclusive */
  readonly end: number;
}

export interface ReplayResult {
  readonly topic: string;
  readonly ranges: readonly ReplayRange[];
  readonly records: number;
  readonly seconds: number;
}

/** earliest | latest | an offset | an ISO time, resolved per partition. */
async function resolvePoint(
  admin: KafkaAdmin,
  topic: string,
  point: string,
  key: string,
): Promise<Map<number, number>> {
  const offsets = await admin.offsets(topic);
  if (point === 'earliest') return new Map(offsets.map((o) => [o.partition, o.low]));
  if (point === 'latest' || point === '') return new Map(offsets.map((o) => [o.partition, o.high]));
  if (/^\d+$/.test(point))
    return new Map(offsets.map((o) => [o.partition, Math.min(Math.max(Number(point), o.low), o.high)]));
  const time = Date.parse(point);
  if (Number.isNaN(time))
    throw new TributaryError(
      'CONFIG_INVALID',
      `config ${key}: "${point}" is neither earliest/latest, an offset nor an ISO time`,
    );
  return admin.offsetsForTime(topic, time);
}

export async function planReplay(
  config: Config,
  admin: KafkaAdmin,
): Promise<{ topic: string; ranges: ReplayRange[] }> {
  const topic = topicFor(config, config['replay.signal']);
  if (config['replay.from'] === '')
    throw new TributaryError(
      'CONFIG_INVALID',
      'tributary replay needs --from: earliest, an offset or an ISO time (config replay.from)',
    );
  const from = await resolvePoint(admin, topic, config['replay.from'], 'replay.from');
  const to = await resolvePoint(admin, topic, config['replay.to'], 'replay.to');
  const ranges = [...from].map(([partition, start]) => ({
    partition,
    start,
    end: Math.max(start, to.get(partition) ?? start),
  }));
  return { topic, ranges: ranges.sort((a, b) => a.partition - b.partition) };
}

/** A fixed set of partitions read without a group: replay owns them for its whole run. */
class ReplaySource implements PartitionSource {
  private readonly fixed: Assignment;
  constructor(
    private readonly reader: PartitionReader,
    partitions: readonly TopicPartition[],
  ) {
    this.fixed = { fence: { memberId: 'replay', generation: 1 }, partitions };
  }
  assignment(): Assignment {
    return this.fixed;
  }
  fetch(positions: readonly FetchPosition[], options: Parameters<PartitionReader['fetch']>[1]) {
    return this.reader.fetch(positions, options);
  }
  commit(): Promise<void> {
    return Promise.resolve();
  }
  committed(): Promise<Map<string, number>> {
    return Promise.resolve(new Map<string, number>());
  }
}

export async function runReplay(config: Config): Promise<ReplayResult> {
  const log = createLogger({ component: 'replay' });
  const say = (line: string): void => {
    process.stdout.write(`[replay] ${line}\n`);
  };
  const kafka = createKafka({
    brokers: config['kafka.brokers'],
    clientId: `${config['kafka.clientId']}-replay`,
    log,
    security: kafkaSecurity(config),
  });
  const client = clickhouseFromConfig(config);
  const admin = kafka.admin();
  const reader = kafka.reader();
  const dlq = new DeadLetterQueue(kafka);
  const started = Date.now();
  try {
    const delivery = await prepareDelivery(client, config, bodyEncoding(config), log);
    const { topic, ranges } = await planReplay(config, admin);
    const work = ranges.filter((r) => r.end > r.start);
    const total = work.reduce((sum, r) => sum + r.end - r.start, 0);
    for (const r of ranges)
      say(`${topic}[${r.partition}]: offsets ${r.start} to ${r.end} (${r.end - r.start} records)`);
    if (total === 0) {
      say('nothing to replay');
      return { topic, ranges, records: 0, seconds: 0 };
    }
    const progress = new Map<string, number>();
    const signal = config['replay.signal'];
    const writer = new SignalWriter({
      ...signalWriterBase(config, client, kafka, dlq, createWriterMetrics(), log, delivery),
      signal,
      source: new ReplaySource(
        reader,
        work.map((r) => ({ topic, partition: r.partition })),
      ),
      admin,
      // The live group's name: the done state it checks is the live writer's.
      stateGroup: `${config['writer.groupId']}-${signal}`,
      ranges: new Map(work.map((r) => [`${topic}:${r.partition}`, { start: r.start, end: r.end }])),
      onWritten: (key, position) => {
        const range = work.find((r) => `${topic}:${r.partition}` === key);
        if (range) progress.set(key, Math.min(position, range.end) - range.start);
      },
    });
    const timer = setInterval(() => {
      const done = [...progress.values()].reduce((a, b) => a + Math.max(0, b), 0);
      const seconds = (Date.now() - started) / 1000;
      const rate = done / Math.max(seconds, 0.001);
      say(
        `${done}/${total} offsets, ${Math.round(rate)}/s${rate > 0 ? `, ETA ${Math.round((total - done) / rate)} s` : ''}`,
      );
    }, 2_000);
    try {
      await writer.start();
      await writer.finished();
    } finally {
      clearInterval(timer);
      await writer.stop(config['writer.shutdownTimeoutMs']);
    }
    const seconds = (Date.now() - started) / 1000;
    say(`done: ${total} offsets in ${seconds.toFixed(1)} s (what the done state already had was skipped)`);
    return { topic, ranges, records: total, seconds };
  } finally {
    await Promise.allSettled([admin.close(), reader.close(), dlq.close()]);
    await client.close();
  }
}

export async function runReplayCommand(config: Config): Promise<void> {
  await runReplay(config);
}
