/**
 * Horizontal scaling under load: three writer processes share a 6-partition topic, are scaled to one
 * and back to three while records keep arriving; every item ends up in ClickHouse exactly once and
 * the lag per partition is visible in the metrics. Once per consumer group protocol: classic (eager)
 * and consumer (KIP-848, `writer.groupProtocol: consumer`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateLogs } from '../fixtures/generate.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../harness/env.js';
import { freshTopics, testKafka } from '../harness/kafka.js';
import { type Child, spawnTributary } from '../harness/process.js';
import { freePort } from '../harness/stack.js';

const RECORDS = 120;
const ITEMS = 500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

for (const protocol of ['classic', 'consumer'] as const)
  test(
    `writers scaled 3 → 1 → 3 under load (${protocol} group protocol): every item exactly once, lag visible`,
    { timeout: 300_000 },
    async (t) => {
      const topics = await freshTopics(6);
      const db = await freshDatabase();
      const dir = mkdtempSync(join(tmpdir(), 'tributary-scale-'));
      const groupId = uniqueName(`scale-${protocol}`);
      const writers: Child[] = [];
      const metricsPorts: number[] = [];
      const spawnWriter = async (): Promise<void> => {
        const metricsPort = await freePort();
        metricsPorts.push(metricsPort);
        writers.push(
          spawnTributary(
            'writer',
            {
              TRIBUTARY_KAFKA_BROKERS: kafkaBrokers().join(','),
              TRIBUTARY_CLICKHOUSE_URL: clickhouseUrl(),
              TRIBUTARY_CLICKHOUSE_DATABASE: db.database,
              TRIBUTARY_TOPICS_PREFIX: topics.prefix,
              TRIBUTARY_WRITER_SIGNALS: 'logs',
              TRIBUTARY_WRITER_GROUP_ID: groupId,
              TRIBUTARY_WRITER_GROUP_PROTOCOL: protocol,
              TRIBUTARY_WRITER_BATCH_ROWS: '5000',
              TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: '500',
              TRIBUTARY_WRITER_HEALTH_PORT: '0',
              TRIBUTARY_WRITER_METRICS_PORT: String(metricsPort),
              TRIBUTARY_LOG_LEVEL: 'warn',
            },
            join(dir, `writer-${writers.length}.log`),
          ),
        );
      };
      t.after(async () => {
        await Promise.all(writers.map((w) => w.kill('SIGKILL')));
        await db.drop();
        rmSync(dir, { recursive: true, force: true });
      });
      for (let i = 0; i < 3; i++) await spawnWriter();

      const producer = testKafka(kafkaBrokers(), 'scale-load').producer({
        compression: 'none',
        timeoutMs: 30_000,
      });
      const load = (async () => {
        for (let i = 0; i < RECORDS; i++) {
          const value = Buffer.from(
            generateLogs({
              seed: i + 1,
              resources: 1,
              scopesPerResource: 1,
              itemsPerScope: ITEMS,
              firstSeq: i * ITEMS,
            }),
          );
          await producer.send([{ topic: topics.logs, partition: i % 6, key: null, value, headers: {} }]);
          await sleep(150);
        }
        await producer.close();
      })();

      await sleep(5_000);
      // Scale down to one: graceful stops (flush, commit, leave the group).
      await Promise.all([writers[0]!.kill('SIGTERM'), writers[1]!.kill('SIGTERM')]);
      // The remaining writer takes over all six partitions and reports lag for each. It shows once the
      // group handed them over and its lag timer ran (every 5 s); under the consumer protocol the
      // broker hands them over on a heartbeat, so the metric is awaited, never scraped at one instant.
      const remainingMetrics = `http://127.0.0.1:${metricsPorts[2]!}/metrics`;
      await eventually(
        async () => {
          // Not answering yet (a writer on a busy machine can take this long to start): not yet.
          const text = await fetch(remainingMetrics).then(
            (res) => res.text(),
            () => '',
          );
          const partitions = new Set(
            [...text.matchAll(/^tributary_writer_lag_records\{partition="(\d+)",topic="[^"]+"\} \d+$/gm)].map(
              (m) => m[1],
            ),
          );
          return partitions.size === 6;
        },
        60_000,
        'the remaining writer to report lag for all 6 partitions',
      );
      // And back to three.
      await spawnWriter();
      await spawnWriter();
      await load;

      const table = `\`${db.database}\`.otel_logs`;
      await eventually(
        async () => (await count(db.client, `SELECT count() AS n FROM ${table}`)) >= RECORDS * ITEMS,
        180_000,
        'all rows',
      );
      await sleep(2_000);
      assert.equal(
        await count(db.client, `SELECT count() AS n FROM ${table}`),
        RECORDS * ITEMS,
        'nothing lost or duplicated',
      );
      assert.equal(
        await count(db.client, `SELECT uniqExact(LogAttributes['seq']) AS n FROM ${table}`),
        RECORDS * ITEMS,
      );
    },
  );
