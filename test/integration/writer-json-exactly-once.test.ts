/**
 * A JSON-mode database (`schema.attributes: json`) through the real delivery path: records of every
 * signal in Kafka, the writer as its own process (fenced `INSERT … SELECT … FROM input()`, insert
 * marks, its start-up self-test), killed with SIGKILL after its first rows and started again. At
 * the end every JSON table holds each sent item exactly once (count = distinct = sent), the views
 * built on them saw no block twice, and the attribute columns are JSON.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { migrate } from '../../schemas/migrate.js';
import { METRIC_TABLES } from '../fixtures/generate.js';
import { count, eventually, rows, testClient } from '../harness/clickhouse.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../harness/env.js';
import { ExactlyOnce, signalRecords } from '../harness/exactly-once.js';
import { freshTopics, produce } from '../harness/kafka.js';
import { type Child, spawnTributary } from '../harness/process.js';

const RECORDS = 12;
const ITEMS = 200;
const SENT = RECORDS * ITEMS;

test(
  `JSON attributes: ${SENT} items of every signal, the writer killed -9 once → each row once`,
  { timeout: 300_000 },
  async (t) => {
    const database = uniqueName('jsoneo');
    const client = testClient();
    const dir = mkdtempSync(join(tmpdir(), 'tributary-json-eo-'));
    const logFile = join(dir, 'writer.log');
    let writer: Child | undefined;
    t.after(async () => {
      await writer?.kill();
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const migrated = await migrate(client, {
      database,
      ttlDays: 0,
      cluster: '',
      dedupWindow: 10_000,
      attributes: 'json',
    });
    assert.deepEqual(migrated.layouts, { otel_logs: 'json', otel_traces: 'json', hyperdx_sessions: 'json' });
    const topics = await freshTopics(3);
    const env = {
      TRIBUTARY_KAFKA_BROKERS: kafkaBrokers().join(','),
      TRIBUTARY_CLICKHOUSE_URL: clickhouseUrl(),
      TRIBUTARY_CLICKHOUSE_DATABASE: database,
      TRIBUTARY_TOPICS_PREFIX: topics.prefix,
      TRIBUTARY_WRITER_GROUP_ID: uniqueName('json-writer'),
      TRIBUTARY_WRITER_BATCH_ROWS: '500',
      TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: '300',
      // The fixtures' times are fixed (November 2026): keep them unclamped.
      TRIBUTARY_WRITER_MAX_TIMESTAMP_PAST_MS: String(5 * 365 * 86_400_000),
      TRIBUTARY_WRITER_HEALTH_PORT: '0',
      TRIBUTARY_WRITER_METRICS_PORT: '0',
      TRIBUTARY_LOG_LEVEL: 'warn',
    };
    const send = async (from: number, to: number): Promise<void> => {
      const records = Array.from({ length: to - from }, (_, k) => signalRecords(from + k, ITEMS));
      await produce(
        topics.traces,
        records.map((r) => ({ value: Buffer.from(r.traces) })),
      );
      await produce(
        topics.metrics,
        records.map((r) => ({ value: Buffer.from(r.metrics) })),
      );
      await produce(
        topics.logs,
        records.flatMap((r) => [{ value: Buffer.from(r.logs) }, { value: r.sessions }]),
      );
    };
    const logTail = (): string => readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');

    await send(0, RECORDS / 2);
    writer = spawnTributary('writer', env, logFile);
    const rowsIn = (table: string): Promise<number> =>
      count(client, `SELECT count() AS n FROM \`${database}\`.${table}`);
    await eventually(
      async () => (await rowsIn('otel_logs')) > 0 && (await rowsIn('otel_traces')) > 0,
      120_000,
      'the first JSON rows',
    ).catch((err: unknown) => {
      t.diagnostic(logTail());
      throw err;
    });
    await writer.kill('SIGKILL');
    const atKill = { logs: await rowsIn('otel_logs'), traces: await rowsIn('otel_traces') };
    await send(RECORDS / 2, RECORDS);
    writer = spawnTributary('writer', env, logFile);

    const check = new ExactlyOnce(client, database);
    await eventually(() => check.written(SENT), 180_000, `${SENT} items of every signal`).catch(
      (err: unknown) => {
        t.diagnostic(logTail());
        throw err;
      },
    );
    // A clean stop: after it no insert can arrive, so the counts below are final.
    await writer.kill('SIGTERM');
    // The JSON tables' seq is a typed JSON path (LogAttributes.seq), the metrics tables' a Map value.
    await check.table('otel_traces', SENT, 'SpanId');
    await check.table('otel_logs', SENT, 'toString(LogAttributes.seq)');
    await check.table('hyperdx_sessions', SENT, 'toString(LogAttributes.seq)');
    for (const m of METRIC_TABLES) await check.table(m, (SENT * 10) / 5, "Attributes['seq']");
    await check.traceIdView();
    t.diagnostic(`at the kill: ${JSON.stringify(atKill)}; ${check.figures.join('; ')}`);

    const types = await rows<{ table: string; name: string; type: string }>(
      client,
      `SELECT table, name, type FROM system.columns WHERE database = '${database}'
         AND name IN ('LogAttributes', 'SpanAttributes', 'ResourceAttributes') ORDER BY table, name`,
    );
    for (const column of types.filter((c) =>
      ['otel_logs', 'otel_traces', 'hyperdx_sessions'].includes(c.table),
    ))
      assert.equal(column.type, 'JSON', `${column.table}.${column.name} is a JSON column`);
    // The typed path the server inferred from the JSON text, as for the exporter's inserts.
    const [seqType] = await rows<{ t: string }>(
      client,
      `SELECT dynamicType(LogAttributes.seq) AS t FROM \`${database}\`.otel_logs LIMIT 1`,
    );
    assert.equal(seqType?.t, 'Int64');
  },
);
