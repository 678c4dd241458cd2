/**
 * A writer killed between the inserts of one batch: a metrics batch goes into five tables and a logs
 * batch with session events into two, one (table, day) insert after the other. The writer dies
 * (SIGKILL, at a crash point) after some of them; then more than the dedup window's worth of other
 * inserts reach every table, so ClickHouse's dedup log no longer knows the crashed batch's tokens;
 * then a new writer rebuilds the batch. Only the insert marks can keep the tables already written
 * from getting the rows twice: every table must hold each item exactly once.
 */
import assert from 'node:assert/strict';
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

const ITEMS = 50;
const RECORDS = 4;
const WINDOW = 3;

test(
  'a writer killed between the tables of a metrics batch and of a logs batch, dedup window exhausted: every table exact',
  { timeout: 240_000 },
  async (t) => {
    const topics = await freshTopics(1);
    const db = await freshDatabase(WINDOW);
    const dir = mkdtempSync(join(tmpdir(), 'tributary-partial-'));
    const children: Child[] = [];
    t.after(async () => {
      for (const c of children) await c.kill();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    const env = {
      TRIBUTARY_KAFKA_BROKERS: kafkaBrokers().join(','),
      TRIBUTARY_CLICKHOUSE_URL: clickhouseUrl(),
      TRIBUTARY_CLICKHOUSE_DATABASE: db.database,
      TRIBUTARY_TOPICS_PREFIX: topics.prefix,
      TRIBUTARY_WRITER_GROUP_ID: uniqueName('partial'),
      TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: '500',
      TRIBUTARY_WRITER_HEALTH_PORT: '0',
      TRIBUTARY_WRITER_METRICS_PORT: '0',
      TRIBUTARY_LOG_LEVEL: 'warn',
    };
    const q = (sql: string): Promise<number> => count(db.client, sql);
    const table = (name: string): string => `\`${db.database}\`.${name}`;
    const rowsIn = (name: string) => q(`SELECT count() AS n FROM ${table(name)}`);

    // Every record of each signal in one partition, all there before the writers start: one batch each.
    for (let i = 0; i < RECORDS; i++) {
      const records = signalRecords(i, ITEMS);
      await produce(topics.metrics, [{ value: records.metrics, partition: 0 }]);
      await produce(topics.logs, [
        { value: records.logs, partition: 0 },
        { value: records.sessions, partition: 0 },
      ]);
    }

    // Crash after 2 of the 5 metrics tables, and after the first of the logs batch's two tables.
    const crashing = async (signal: string, after: number, written: () => Promise<boolean>) => {
      const log = join(dir, `${signal}-crash.log`);
      const child = spawnTributary(
        'writer',
        { ...env, TRIBUTARY_WRITER_SIGNALS: signal, TRIBUTARY_TEST_CRASH_AFTER: `table-insert:${after}` },
        log,
      );
      children.push(child);
      const code = await Promise.race([child.exited, new Promise((r) => setTimeout(r, 60_000, 'timeout'))]);
      assert.equal(
        child.process.signalCode,
        'SIGKILL',
        `${signal} writer crashed at its crash point (${String(code)}):\n${readFileSync(log, 'utf8')}`,
      );
      assert.ok(await written(), `${signal}: some tables written before the crash`);
    };
    const metricCounts = async () => Promise.all(METRIC_TABLES.map(rowsIn));
    await crashing('metrics', 2, async () => (await metricCounts()).filter((n) => n > 0).length === 2);
    await crashing('logs', 1, async () => {
      const [logs, sessions] = await Promise.all([rowsIn('otel_logs'), rowsIn('hyperdx_sessions')]);
      return (logs > 0 ? 1 : 0) + (sessions > 0 ? 1 : 0) === 1;
    });
    const before = {
      metrics: await metricCounts(),
      logs: await rowsIn('otel_logs'),
      sessions: await rowsIn('hyperdx_sessions'),
    };

    // More than the dedup window of other inserts into every table: the crashed batch's tokens are
    // gone from ClickHouse's dedup log. The filler rows are marked so they can be left out below.
    for (let i = 0; i <= WINDOW; i++) {
      const settings = { insert_deduplication_token: `filler-${i}` };
      for (const m of METRIC_TABLES)
        await db.client.command({
          query: `INSERT INTO ${table(m)} (MetricName) VALUES ('filler')`,
          clickhouse_settings: settings,
        });
      for (const l of ['otel_logs', 'hyperdx_sessions'])
        await db.client.command({
          query: `INSERT INTO ${table(l)} (Body) VALUES ('filler')`,
          clickhouse_settings: settings,
        });
    }

    const log = join(dir, 'writer.log');
    children.push(spawnTributary('writer', { ...env, TRIBUTARY_WRITER_SIGNALS: 'metrics,logs' }, log));
    const sent = RECORDS * ITEMS;
    const points = (sent * 10) / 5;
    const real = (name: string, filler: string) =>
      q(`SELECT count() AS n FROM ${table(name)} WHERE ${filler} != 'filler'`);
    try {
      await eventually(
        async () =>
          (await q(`SELECT count() AS n FROM ${table('tributary_done')} WHERE Kind = 'done'`)) >= 2 &&
          (await real('otel_logs', 'Body')) >= sent,
        90_000,
        'both batches done',
      );
    } catch (err) {
      t.diagnostic(readFileSync(log, 'utf8').split('\n').slice(-30).join('\n'));
      throw err;
    }
    const check = new ExactlyOnce(db.client, db.database);
    try {
      for (const m of METRIC_TABLES)
        await check.table(m, points, "Attributes['seq']", "MetricName != 'filler'");
      await check.table('otel_logs', sent, "LogAttributes['seq']", "Body != 'filler'");
      await check.table('hyperdx_sessions', sent, "LogAttributes['seq']", "Body != 'filler'");
    } finally {
      t.diagnostic(
        `before the rebuild: metrics ${before.metrics.join('/')}, logs ${before.logs}, sessions ${before.sessions}; ${check.figures.join('; ')}`,
      );
    }
  },
);
