/**
 * Two writers on two ClickHouse engines that share one coordinator, each frozen between its checks
 * and its insert (clickhouse.coordination=keepermap, writer/delivery/keeper-state.ts).
 *
 * A real Apache ZooKeeper; two local ClickHouse engines (separate processes and data) that both use
 * it, each with the database migrated for KeeperMap coordination. They share the plans and done
 * flags (the KeeperMap table), not their tables — the stand-in for two replicas a load balancer
 * sends writers to (here with infinite replication lag, which only makes it harder: no dedup and no
 * insert mark crosses from one engine to the other). One Kafka topic, one writer group.
 *
 * 1. Writer A (engine 1) plans the first batch and freezes itself (SIGSTOP) right before its insert,
 *    past every check it makes. Writer B (engine 2) gets the partition, finds A's plan, writes the
 *    batch and marks it done. A is thawed: its insert reaches engine 1, whose fence reads the shared
 *    done flag, and inserts nothing. A is killed.
 * 2. B freezes the same way in the second batch; a new writer A2 (engine 1) takes the partition over,
 *    follows B's plan and writes the batch. B is thawed: its insert into engine 2 inserts nothing.
 * Every record then is in exactly one engine, once: count = distinct = sent over both.
 * With plans in MergeTree (KEEPER_TEST_COORDINATION=mergetree runs it so) each engine knows only its
 * own state and the thawed writers' inserts land: the same scenario doubles both batches (run
 * 2026-12-07: 2,000 rows for 1,000 sent, A's late insert 500 rows) and this test fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ClickHouseClient, createClickHouse } from '../../core/clickhouse.js';
import { createLogger } from '../../core/log.js';
import { type LocalClickHouse, startClickHouse } from '../../deploy/local/clickhouse/process.js';
import { startZooKeeper, writeClickHouseKeeperConfig } from '../../deploy/local/zookeeper/runner.js';
import { migrate } from '../../schemas/migrate.js';
import { generateLogs } from '../fixtures/generate.js';
import { count, eventually } from '../harness/clickhouse.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { freshTopics, produce } from '../harness/kafka.js';
import { type Child, spawnTributary } from '../harness/process.js';
import { freePort } from '../harness/stack.js';

const RECORDS = 5; // per batch
const ITEMS = 100;

function batch(first: number) {
  return Array.from({ length: RECORDS }, (_, i) => ({
    partition: 0,
    value: Buffer.from(
      generateLogs({
        seed: first + i + 1,
        resources: 1,
        scopesPerResource: 1,
        itemsPerScope: ITEMS,
        firstSeq: (first + i) * ITEMS,
      }),
    ),
  }));
}

/** Whether the process is stopped (SIGSTOP): state T in /proc/<pid>/stat. */
function stopped(child: Child): boolean {
  const stat = readFileSync(`/proc/${child.process.pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}

/** The `tributary_writer_rows_total` of otel_logs a writer reports: its insert calls returned. */
async function rowsReported(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('tributary_writer_rows_total{') && l.includes('otel_logs'));
  return line ? Number(line.split(' ').pop()) : 0;
}

test(
  'two writers on two engines sharing ZooKeeper, each frozen between its checks and its insert: every record once',
  { timeout: 300_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-keeper-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const zookeeper = await startZooKeeper({ dataDir: join(dir, 'zookeeper'), port: await freePort() });
    t.after(() => zookeeper.stop());
    const engines: LocalClickHouse[] = [];
    const clients: ClickHouseClient[] = [];
    const database = uniqueName('db');
    for (const name of ['e1', 'e2']) {
      const dataDir = join(dir, name);
      writeClickHouseKeeperConfig(dataDir, zookeeper);
      const engine = await startClickHouse({ dataDir, port: 0 });
      engines.push(engine);
      const client = createClickHouse({
        url: engine.url,
        user: 'default',
        password: '',
        database: 'default',
      });
      clients.push(client);
      // Both databases' KeeperMap tables are one: the same path in the same ZooKeeper.
      await migrate(client, {
        database,
        ttlDays: 0,
        cluster: '',
        dedupWindow: 10_000,
        coordination: 'keepermap',
        log: createLogger(),
      });
    }
    t.after(async () => {
      for (const c of clients) await c.close();
      for (const e of engines) await e.stop();
    });

    const topics = await freshTopics(1);
    const group = uniqueName('keeper');
    const writers: Child[] = [];
    t.after(async () => {
      for (const w of writers) {
        w.process.kill('SIGCONT');
        await w.kill();
      }
    });
    const start = async (
      engine: number,
      stopAt: string | undefined,
    ): Promise<{ child: Child; metricsPort: number }> => {
      const metricsPort = await freePort();
      const child = spawnTributary(
        'writer',
        {
          TRIBUTARY_KAFKA_BROKERS: kafkaBrokers().join(','),
          TRIBUTARY_CLICKHOUSE_URL: engines[engine]!.url,
          TRIBUTARY_CLICKHOUSE_DATABASE: database,
          TRIBUTARY_CLICKHOUSE_COORDINATION: process.env['KEEPER_TEST_COORDINATION'] ?? 'keepermap',
          TRIBUTARY_TOPICS_PREFIX: topics.prefix,
          TRIBUTARY_WRITER_GROUP_ID: group,
          TRIBUTARY_WRITER_SIGNALS: 'logs',
          TRIBUTARY_WRITER_BATCH_ROWS: String(RECORDS * ITEMS),
          TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: '60000',
          TRIBUTARY_WRITER_MAX_TIMESTAMP_PAST_MS: String(5 * 365 * 86_400_000),
          TRIBUTARY_WRITER_HEALTH_PORT: '0',
          TRIBUTARY_WRITER_METRICS_PORT: String(metricsPort),
          TRIBUTARY_LOG_LEVEL: 'warn',
          ...(stopAt ? { TRIBUTARY_TEST_STOP_AT: stopAt } : {}),
        },
        join(dir, `writer-${writers.length}.log`),
      );
      writers.push(child);
      return { child, metricsPort };
    };
    const logs = (engine: number): Promise<number> =>
      count(clients[engine]!, `SELECT count() AS n FROM \`${database}\`.otel_logs`);
    /** Whether `engine`'s done history has the batch starting at offset `start` (a batch is RECORDS offsets). */
    const doneOn = async (engine: number, start: number): Promise<boolean> =>
      (await count(
        clients[engine]!,
        `SELECT count() AS n FROM \`${database}\`.tributary_done WHERE Kind = 'done' AND Start = ${start}`,
      )) > 0;

    // 1. A plans batch 1 and freezes before its insert; B writes it.
    await produce(topics.logs, batch(0));
    const a = await start(0, 'insert:1');
    await eventually(() => Promise.resolve(stopped(a.child)), 120_000, 'writer A frozen before its insert');
    const b = await start(1, 'insert:2');
    await eventually(() => doneOn(1, 0), 120_000, 'batch 1 done by B');
    assert.equal(await logs(1), RECORDS * ITEMS, 'B wrote batch 1 into engine 2');
    a.child.process.kill('SIGCONT');
    await eventually(
      async () => (await rowsReported(a.metricsPort)) >= RECORDS * ITEMS,
      60_000,
      "A's insert answered",
    );
    const lateA = await logs(0);
    await a.child.kill();

    // 2. B freezes before its insert of batch 2; A2 writes it; B is thawed.
    await produce(topics.logs, batch(RECORDS));
    await eventually(() => Promise.resolve(stopped(b.child)), 120_000, 'writer B frozen before its insert');
    await start(0, undefined);
    await eventually(() => doneOn(0, RECORDS), 120_000, 'batch 2 done by A2');
    b.child.process.kill('SIGCONT');
    await eventually(
      async () => (await rowsReported(b.metricsPort)) >= 2 * RECORDS * ITEMS,
      60_000,
      "B's insert answered",
    );

    const sent = 2 * RECORDS * ITEMS;
    const rows = (await logs(0)) + (await logs(1));
    const seqs = new Set<string>();
    for (const client of clients) {
      const result = await client.query({
        query: `SELECT LogAttributes['seq'] AS seq FROM \`${database}\`.otel_logs`,
        format: 'JSONEachRow',
      });
      for (const row of await result.json<{ seq: string }>()) seqs.add(row.seq);
    }
    t.diagnostic(
      `sent ${sent}; engine 1 ${await logs(0)} rows, engine 2 ${await logs(1)} rows; distinct over both ${seqs.size}; engine 1 after A's late insert: ${lateA}`,
    );
    assert.equal(lateA, 0, "A's late insert into engine 1 was fenced by the shared done flag");
    assert.equal(rows, sent, 'nothing lost or duplicated over the two engines');
    assert.equal(seqs.size, sent, 'every record once');
  },
);
