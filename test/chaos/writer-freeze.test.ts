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
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { ExactlyOnce, signalRecords } from '../harness/exactly-once.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../harness/env.js';
import { freshTopics, produce } from '../harness/kafka.js';
import { type Child, spawnTributary } from '../harness/process.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const RECORDS = 40;
const ITEMS = 50; // per record: spans, metrics (×10 points each) and log records alike
const FREEZE_MS = 16_000; // past the writer's 10 s session timeout

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
        const records = signalRecords(i, ITEMS);
        await produce(topics.traces, [{ value: records.traces, partition }]);
        await produce(topics.metrics, [{ value: records.metrics, partition }]);
        await produce(topics.logs, [
          { value: records.logs, partition },
          { value: records.sessions, partition: (partition + 1) % 4 },
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
    const q = (sql: string): Promise<number> => count(db.client, sql);
    const table = (name: string): string => `\`${db.database}\`.${name}`;
    const check = new ExactlyOnce(db.client, db.database);
    try {
      await eventually(() => check.written(sent), 180_000, 'every item written');
    } catch (err) {
      for (const log of logs)
        t.diagnostic(`${log}:\n${readFileSync(log, 'utf8').split('\n').slice(-30).join('\n')}`);
      throw err;
    }
    await sleep(3_000); // a late duplicate from a thawed writer would land now
    try {
      await check.everySignal(sent);
      await check.traceIdView();
    } finally {
      t.diagnostic(`injected: ${injected.join(', ')}; ${check.figures.join('; ')}`);
    }
    assert.equal(
      await q(`SELECT uniqExact(TraceId) AS n FROM ${table('otel_traces_trace_id_ts')}`),
      await q(`SELECT uniqExact(TraceId) AS n FROM ${table('otel_traces')}`),
      'every trace is in the view',
    );
  },
);
