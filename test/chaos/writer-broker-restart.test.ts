/**
 * The Kafka broker killed (SIGKILL) and restarted while a writer holds open batches of every signal:
 * the writer's fetches fail, its group session lapses and it re-joins; the open batches are dropped
 * and rebuilt from the done state. Traces (with the trace-id view), metrics (all five tables), logs
 * and session events each end exactly once (count = distinct = sent), with a dedup window of 3 so
 * ClickHouse's dedup log cannot be what saves a rebuilt batch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startKafka } from '../../deploy/local/kafka/runner.js';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { ExactlyOnce, signalRecords } from '../harness/exactly-once.js';
import { uniqueName } from '../harness/env.js';
import { produce } from '../harness/kafka.js';
import { freePort } from '../harness/stack.js';
import { startTestWriter } from '../harness/writer.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const RECORDS = 24;
const ITEMS = 40;

/** Produces, retrying while the broker is down (the load keeps coming, as receivers would send it). */
async function produceRetrying(
  topic: string,
  messages: Parameters<typeof produce>[1],
  brokers: readonly string[],
) {
  for (;;) {
    try {
      return await produce(topic, messages, brokers);
    } catch {
      await sleep(500);
    }
  }
}

test(
  'the broker killed and restarted while batches of every signal are open: every table exact with a dedup window of 3',
  { timeout: 300_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-broker-restart-'));
    const db = await freshDatabase(3);
    const cleanups: (() => Promise<void>)[] = [];
    t.after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    const kafka = await startKafka({
      dataDir: join(dir, 'kafka'),
      port: await freePort(),
      brokerCount: 1,
      version: '4.1.1',
    });
    cleanups.push(() => kafka.stop());
    const brokers = kafka.brokers;
    const prefix = `${uniqueName('br')}.`;
    const topics = {
      traces: `${prefix}otlp_spans`,
      metrics: `${prefix}otlp_metrics`,
      logs: `${prefix}otlp_logs`,
    };
    const all = Object.values(topics);
    await ensureTopics(brokers, [...all, ...all.map((x) => `${x}.dlq`)], 2, 1);
    const writer = await startTestWriter(prefix, db.database, {
      'kafka.brokers': brokers.join(','),
      // Batches stay open for seconds, so the broker dies while they hold records.
      'writer.flushIntervalMs': 3_000,
      'writer.batchRows': 100_000,
      logLevel: 'error', // the outage's fetch retries are expected
    });
    cleanups.push(() => writer.stop());

    const load = (async () => {
      for (let i = 0; i < RECORDS; i++) {
        const partition = i % 2;
        const records = signalRecords(i, ITEMS);
        await produceRetrying(topics.traces, [{ value: records.traces, partition }], brokers);
        await produceRetrying(topics.metrics, [{ value: records.metrics, partition }], brokers);
        await produceRetrying(
          topics.logs,
          [
            { value: records.logs, partition },
            { value: records.sessions, partition: 1 - partition },
          ],
          brokers,
        );
        await sleep(400);
      }
    })();
    await sleep(3_500);
    await kafka.killBroker(0);
    await sleep(6_000);
    await kafka.startBroker(0);
    await load;

    const sent = RECORDS * ITEMS;
    const q = (sql: string): Promise<number> => count(db.client, sql);
    const table = (name: string): string => `\`${db.database}\`.${name}`;
    const check = new ExactlyOnce(db.client, db.database);
    await eventually(() => check.written(sent), 120_000, 'every item written');
    // Everything is done: the done state reached the end of every partition of every topic.
    await eventually(
      async () => (await q(`SELECT count() AS n FROM ${table('tributary_done')} WHERE Kind = 'done'`)) > 0,
      30_000,
      'done state written',
    );
    try {
      await check.everySignal(sent);
      await check.traceIdView();
    } finally {
      t.diagnostic(check.figures.join('; '));
    }
  },
);
