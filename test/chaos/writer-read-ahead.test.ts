/**
 * Read-ahead under faults: the writer fetches and transcodes a partition's next batch while the one
 * before it is being inserted. Here every batch is read ahead (a backlog of small batches on every
 * signal), ClickHouse drops every connection twice in the middle of writes, a second writer joins
 * (the partitions move while batches are in flight and read ahead) and the first is killed with
 * SIGKILL. A read-ahead batch kept after its write failed, or a fetch applied to a range thrown
 * away, would leave a hole or write a range twice; with a dedup window of 3 ClickHouse hides
 * neither. Every table must hold each sent item exactly once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { METRIC_TABLES } from '../fixtures/generate.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { ExactlyOnce, signalRecords } from '../harness/exactly-once.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../harness/env.js';
import { freshTopics, produce } from '../harness/kafka.js';
import { type Child, spawnTributary } from '../harness/process.js';
import { outageProxy } from '../harness/proxy.js';

const RECORDS = 48;
const ITEMS = 50; // per record: spans, metrics (×10 points each) and log records alike
const OUTAGE_MS = 1_500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test(
  'read-ahead with ClickHouse dropping connections mid-write, a writer joining and one killed: every table exact',
  { timeout: 300_000 },
  async (t) => {
    const topics = await freshTopics(2);
    const db = await freshDatabase(3);
    const dir = mkdtempSync(join(tmpdir(), 'tributary-read-ahead-'));
    const target = new URL(clickhouseUrl());
    const proxy = await outageProxy(target.hostname, Number(target.port));
    const writers: Child[] = [];
    t.after(async () => {
      for (const w of writers) await w.kill();
      await proxy.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    // The whole load first: a backlog, so every batch after the first of a partition is read ahead.
    for (let i = 0; i < RECORDS; i++) {
      const partition = i % 2;
      const records = signalRecords(i, ITEMS);
      await produce(topics.traces, [{ value: records.traces, partition }]);
      await produce(topics.metrics, [{ value: records.metrics, partition }]);
      await produce(topics.logs, [
        { value: records.logs, partition },
        { value: records.sessions, partition: 1 - partition },
      ]);
    }

    const env = {
      TRIBUTARY_KAFKA_BROKERS: kafkaBrokers().join(','),
      TRIBUTARY_CLICKHOUSE_URL: `http://127.0.0.1:${proxy.port}`,
      TRIBUTARY_CLICKHOUSE_DATABASE: db.database,
      TRIBUTARY_TOPICS_PREFIX: topics.prefix,
      TRIBUTARY_WRITER_GROUP_ID: uniqueName('read-ahead'),
      // Two records per batch: dozens of batches per partition, each read ahead during the one before.
      TRIBUTARY_WRITER_BATCH_ROWS: String(2 * ITEMS),
      TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: '300',
      TRIBUTARY_WRITER_HEALTH_PORT: '0',
      TRIBUTARY_WRITER_METRICS_PORT: '0',
      TRIBUTARY_LOG_LEVEL: 'warn',
    };
    const logs = [join(dir, 'a.log'), join(dir, 'b.log')];
    const check = new ExactlyOnce(db.client, db.database);
    const rows = (name: string): Promise<number> =>
      count(db.client, `SELECT count() AS n FROM \`${db.database}\`.${name}`);
    const allRows = async (): Promise<number> => {
      let n = (await rows('otel_traces')) + (await rows('otel_logs')) + (await rows('hyperdx_sessions'));
      for (const m of METRIC_TABLES) n += await rows(m);
      return n;
    };
    const grows = async (what: string): Promise<void> => {
      const before = await allRows();
      await eventually(async () => (await allRows()) > before, 60_000, what);
    };

    const injected: string[] = [];
    writers.push(spawnTributary('writer', env, logs[0]!));
    try {
      await grows('first rows');
      for (let outage = 1; outage <= 2; outage++) {
        proxy.down();
        injected.push(`ClickHouse down ${outage}`);
        await sleep(OUTAGE_MS);
        proxy.up();
        await grows(`rows after outage ${outage}`);
        if (outage === 1) {
          writers.push(spawnTributary('writer', env, logs[1]!));
          injected.push('writer b joins');
          await grows('rows after b joined');
        }
      }
      await writers[0]!.kill('SIGKILL');
      injected.push('kill -9 a');

      await eventually(() => check.written(RECORDS * ITEMS), 180_000, 'every item written');
    } catch (err) {
      for (const log of logs) t.diagnostic(readFileSync(log, 'utf8').split('\n').slice(-20).join('\n'));
      throw err;
    }

    try {
      await check.everySignal(RECORDS * ITEMS);
    } finally {
      t.diagnostic(`injected: ${injected.join(', ')}; ${check.figures.join('; ')}`);
    }
  },
);
