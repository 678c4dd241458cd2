/**
 * `tributary replay`: re-reads an offset or time range of one signal's topic with a consumer group of
 * its own and writes it like the live writer. Start and end are snapped to the batch ranges the
 * ledger recorded, so the replayed batches repeat the live writer's tokens and ClickHouse drops
 * what it already has (within the dedup window): running a replay twice is harmless.
 */
import { clickhouseTls, createClickHouse } from '../core/clickhouse.js';
import type { Config } from '../core/config/options.js';
import { TributaryError } from '../core/errors.js';
import { type Admin, createKafka, kafkaSecurity } from '../core/kafka.js';
import { createLogger } from '../core/log.js';
import { SignalWriter } from './consume.js';
import { DeadLetterQueue } from './dlq.js';
import { BatchLedger } from './ledger.js';
import { createWriterMetrics } from './metrics.js';
import { SchemaCache } from './schema.js';

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

/** An offset ("1200") or an ISO time, resolved per partition. */
async function resolvePoint(
  admin: Admin,
  topic: string,
  point: string,
  key: string,
): Promise<Map<number, number> | undefined> {
  if (point === '') return undefined;
  if (/^\d+$/.test(point)) {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(
      offsets.map((o) => [o.partition, Math.min(Math.max(Number(point), Number(o.low)), Number(o.high))]),
    );
  }
  const time = Date.parse(point);
  if (Number.isNaN(time))
    throw new TributaryError(
      'CONFIG_INVALID',
      `config ${key}: "${point}" is neither an offset nor an ISO time`,
    );
  const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, time);
  return new Map(offsets.map((o) => [o.partition, Number(o.offset)]));
}

export async function planReplay(
  config: Config,
  admin: Admin,
  ledger: BatchLedger,
): Promise<{ topic: string; ranges: ReplayRange[] }> {
  const signal = config['replay.signal'];
  const topic = config['topics.prefix'] + config[`topics.${signal}`];
  if (config['replay.from'] === '')
    throw new TributaryError('CONFIG_INVALID', 'config replay.from: required (an offset or an ISO time)');
  const from = (await resolvePoint(admin, topic, config['replay.from'], 'replay.from'))!;
  const to = await resolvePoint(admin, topic, config['replay.to'], 'replay.to');
  const highs = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  const ranges: ReplayRange[] = [];
  for (const [partition, high] of highs) {
    const rawStart = from.get(partition) ?? high;
    const rawEnd = Math.min(to?.get(partition) ?? high, high);
    // Snap outward to recorded batch boundaries so every replayed batch repeats a recorded one.
    const start = (await ledger.rangeContaining(topic, partition, rawStart))?.min ?? rawStart;
    const endRange = rawEnd > 0 ? await ledger.rangeContaining(topic, partition, rawEnd - 1) : undefined;
    const end = Math.min(high, endRange ? endRange.max + 1 : rawEnd);
    ranges.push({ partition, start, end: Math.max(start, end) });
  }
  return { topic, ranges: ranges.sort((a, b) => a.partition - b.partition) };
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
  const database = config['clickhouse.database'];
  const client = createClickHouse({
    url: config['clickhouse.url'],
    user: config['clickhouse.user'],
    password: config['clickhouse.password'],
    database,
    tls: clickhouseTls(config),
  });
  const admin = kafka.admin();
  await admin.connect();
  const ledger = new BatchLedger(client, database);
  const dlq = new DeadLetterQueue(kafka);
  const started = Date.now();
  try {
    const { topic, ranges } = await planReplay(config, admin, ledger);
    const total = ranges.reduce((sum, r) => sum + r.end - r.start, 0);
    for (const r of ranges)
      say(`${topic}[${r.partition}]: offsets ${r.start} to ${r.end - 1} (${r.end - r.start} records)`);
    if (total === 0) {
      say('nothing to replay');
      return { topic, ranges, records: 0, seconds: 0 };
    }
    const groupId = `${config['writer.groupId']}-replay-${config['replay.signal']}-${Date.now()}`;
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ranges.map((r) => ({ partition: r.partition, offset: String(r.start) })),
    });
    const remaining = new Map(
      ranges.filter((r) => r.end > r.start).map((r) => [`${topic}:${r.partition}`, r]),
    );
    const committed = new Map<string, number>();
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const writer = new SignalWriter({
      kafka,
      signal: config['replay.signal'],
      groupId,
      topics: [topic],
      batchRows: config['writer.batchRows'],
      concurrentPartitions: config['writer.concurrentPartitions'],
      batchBytes: config['writer.batchBytes'],
      flushIntervalMs: config['writer.flushIntervalMs'],
      fromBeginning: false,
      endOffsets: new Map(ranges.map((r) => [`${topic}:${r.partition}`, r.end])),
      onCommitted: (key, next) => {
        const range = remaining.get(key);
        if (!range) return;
        committed.set(key, next - range.start);
        if (next >= range.end) remaining.delete(key);
        if (remaining.size === 0) finish();
      },
      flush: {
        client,
        database,
        schemas: new SchemaCache(client, database),
        ledger,
        dlq,
        metrics: createWriterMetrics(),
        log,
      },
      log,
    });
    const progress = setInterval(() => {
      const doneRecords = [...committed.values()].reduce((a, b) => a + b, 0);
      const seconds = (Date.now() - started) / 1000;
      const rate = doneRecords / Math.max(seconds, 0.001);
      say(
        `${doneRecords}/${total} records, ${Math.round(rate)} records/s${rate > 0 ? `, ETA ${Math.round((total - doneRecords) / rate)} s` : ''}`,
      );
    }, 2_000);
    try {
      await writer.start();
      await finished;
    } finally {
      clearInterval(progress);
      await writer.stop(config['writer.shutdownTimeoutMs']);
    }
    const seconds = (Date.now() - started) / 1000;
    say(`done: ${total} records in ${seconds.toFixed(1)} s`);
    return { topic, ranges, records: total, seconds };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await dlq.close().catch(() => undefined);
    await client.close();
  }
}

export async function runReplayCommand(config: Config): Promise<void> {
  await runReplay(config);
}
