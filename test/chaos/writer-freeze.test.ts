/**
 * Frozen writers that wake up: two writer processes share every signal's partitions while traces,
 * metrics (all five kinds), logs and session events arrive. Each writer is frozen with SIGSTOP past
 * its 10 s session timeout (its partitions move to the other) and thawed with SIGCONT, twice, then
 * one is killed with SIGKILL and started again. The tables keep a dedup window of only 3 inserts,
 * so a thawed writer's late insert is long out of the window: only the delivery state can stop it.
 * At the end every table holds each sent item exactly once (count = distinct = sent).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  METRIC_TABLES,
  generateLogs,
  generateMetrics,
  generateTraces,
  generateSessionEvents,
} from '../fixtures/generate.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../harness/env.js';
import { freshTopics, produce } from '../harness/kafka.js';
import { type Child, spawnTributary } from '../harness/process.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const RECORDS = 40;
const ITEMS = 50; // per record: spans, metrics (×10 points each) and log records alike
const FREEZE_MS = 16_000; // past the writer's 10 s session timeout

const sessionEvents = (first: number): Buffer => generateSessionEvents(first, ITEMS);

test(
  'two writers, each frozen past its session and thawed twice, one killed: every table exact with a dedup window of 3',
  { timeout: 420_000 },
  async (t) => {
    const topics = await freshTopics(4);
    const db = await freshDatabase(3);
    const dir = mkdtempSync(join(tmpdir(), 'tributary-freeze-'));
    const env = {
      TRIBUTARY_KAFKA_BROKERS: kafkaBrokers().join(','),
      TRIBUTARY_CLICKHOUSE_URL: clickhouseUrl(),
      TRIBUTARY_CLICKHOUSE_DATABASE: db.database,
      TRIBUTARY_TOPICS_PREFIX: topics.prefix,
      TRIBUTARY_WRITER_GROUP_ID: uniqueName('freeze'),
      TRIBUTARY_WRITER_BATCH_ROWS: '300',
      TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: '300',
      TRIBUTARY_WRITER_HEALTH_PORT: '0',
      TRIBUTARY_WRITER_METRICS_PORT: '0',
      TRIBUTARY_LOG_LEVEL: 'warn',
    };
    const logs = [join(dir, 'a.log'), join(dir, 'b.log')];
    const writers: Child[] = logs.map((log) => spawnTributary('writer', env, log));
    t.after(async () => {
      for (const w of writers) {
        w.process.kill('SIGCONT');
        await w.kill();
      }
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    // Load over the whole run, spread over the partitions.
    const load = (async () => {
      for (let i = 0; i < RECORDS; i++) {
        const partition = i % 4;
        const shape = {
          seed: i + 1,
          resources: 1,
          scopesPerResource: 1,
          itemsPerScope: ITEMS,
          firstSeq: i * ITEMS,
        };
        await produce(topics.traces, [{ value: generateTraces(shape), partition }]);
        await produce(topics.metrics, [
          { value: generateMetrics({ ...shape, firstSeq: i * ITEMS * 10 }), partition },
        ]);
        await produce(topics.logs, [
          { value: generateLogs(shape), partition },
          { value: sessionEvents(i * ITEMS), partition: (partition + 1) % 4 },
        ]);
        await sleep(500);
      }
    })();
    const injected: string[] = [];
    const chaos = (async () => {
      for (let round = 1; round <= 2; round++)
        for (const [w, name] of [
          [0, 'a'],
          [1, 'b'],
        ] as const) {
          await sleep(1_500);
          writers[w]!.process.kill('SIGSTOP');
          injected.push(`SIGSTOP ${name}`);
          await sleep(FREEZE_MS);
          writers[w]!.process.kill('SIGCONT');
          injected.push(`SIGCONT ${name}`);
        }
      await writers[0]!.kill('SIGKILL');
      injected.push('kill -9 a');
      writers[0] = spawnTributary('writer', env, logs[0]!);
    })();
    await Promise.all([load, chaos]);

    const sent = RECORDS * ITEMS;
    const points = sent * 10;
    const q = (sql: string): Promise<number> => count(db.client, sql);
    const table = (name: string): string => `\`${db.database}\`.${name}`;
    const metricRows = async (): Promise<number> => {
      let n = 0;
      for (const m of METRIC_TABLES) n += await q(`SELECT count() AS n FROM ${table(m)}`);
      return n;
    };
    try {
      await eventually(
        async () =>
          (await q(`SELECT count() AS n FROM ${table('otel_traces')}`)) >= sent &&
          (await q(`SELECT count() AS n FROM ${table('otel_logs')}`)) >= sent &&
          (await q(`SELECT count() AS n FROM ${table('hyperdx_sessions')}`)) >= sent &&
          (await metricRows()) >= points,
        180_000,
        'every item written',
      );
    } catch (err) {
      for (const log of logs)
        t.diagnostic(`${log}:\n${readFileSync(log, 'utf8').split('\n').slice(-30).join('\n')}`);
      throw err;
    }
    await sleep(3_000); // a late duplicate from a thawed writer would land now
    const figures: string[] = [];
    const exact = async (name: string, expected: number, key: string): Promise<void> => {
      const rows = await q(`SELECT count() AS n FROM ${table(name)}`);
      const distinct = await q(`SELECT uniqExact(${key}) AS n FROM ${table(name)}`);
      figures.push(`${name}: sent ${expected}, rows ${rows}, distinct ${distinct}`);
      assert.equal(rows, expected, `${name}: nothing lost or duplicated`);
      assert.equal(distinct, expected, `${name}: every item once`);
    };
    await exact('otel_traces', sent, 'SpanId'); // span ids are random per span; the fixture's seq restarts per record
    await exact('otel_logs', sent, "LogAttributes['seq']");
    await exact('hyperdx_sessions', sent, "LogAttributes['seq']");
    for (const m of METRIC_TABLES) await exact(m, points / 5, "Attributes['seq']");
    // The trace-id view: one row per (insert block, trace); a duplicated block would repeat rows.
    const viewRows = await q(`SELECT count() AS n FROM ${table('otel_traces_trace_id_ts')}`);
    const viewDistinct = await q(
      `SELECT uniqExact(TraceId, Start, End) AS n FROM ${table('otel_traces_trace_id_ts')}`,
    );
    figures.push(`otel_traces_trace_id_ts: rows ${viewRows}, distinct ${viewDistinct}`);
    t.diagnostic(`injected: ${injected.join(', ')}; ${figures.join('; ')}`);
    assert.equal(viewRows, viewDistinct, 'the view received no block twice');
    assert.equal(
      await q(`SELECT uniqExact(TraceId) AS n FROM ${table('otel_traces_trace_id_ts')}`),
      await q(`SELECT uniqExact(TraceId) AS n FROM ${table('otel_traces')}`),
      'every trace is in the view',
    );
  },
);
