/**
 * Two writers on two ClickHouse engines that share one coordinator, each frozen between its checks
 * and its insert (clickhouse.coordination=keepermap, writer/delivery/keeper-state.ts).
 *
 * A real Apache ZooKeeper; two local ClickHouse engines (separate processes and data) that both use
 * it, each with the database migrated for KeeperMap coordination. They share the plans and done
 * flags (the KeeperMap table), not their tables — the stand-in for two replicas a load balancer
 * sends writers to, here with infinite replication lag, which only makes it harder: no dedup and no
 * insert mark crosses from one engine to the other. The scenario is test/harness/frozen-writers.ts:
 * each thawed writer's late insert must insert nothing, and every record is in exactly one engine,
 * once (count = distinct = sent over both).
 * With plans in MergeTree (KEEPER_TEST_COORDINATION=mergetree runs it so) each engine knows only its
 * own state and the thawed writers' inserts land: the same scenario doubles both batches (run
 * 2026-12-07: 2,000 rows for 1,000 sent, A's late insert 500 rows) and this test fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClickHouse } from '../../core/clickhouse.js';
import { createLogger } from '../../core/log.js';
import { startClickHouse } from '../../deploy/local/clickhouse/process.js';
import { startZooKeeper, writeClickHouseKeeperConfig } from '../../deploy/local/zookeeper/runner.js';
import { migrate } from '../../schemas/migrate.js';
import { count } from '../harness/clickhouse.js';
import { uniqueName } from '../harness/env.js';
import { type Endpoint, frozenWriters } from '../harness/frozen-writers.js';
import { freePort } from '../harness/stack.js';

test(
  'two writers on two engines sharing ZooKeeper, each frozen between its checks and its insert: every record once',
  { timeout: 300_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-keeper-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const zookeeper = await startZooKeeper({ dataDir: join(dir, 'zookeeper'), port: await freePort() });
    t.after(() => zookeeper.stop());
    const database = uniqueName('db');
    const endpoints: Endpoint[] = [];
    for (const name of ['e1', 'e2']) {
      const dataDir = join(dir, name);
      writeClickHouseKeeperConfig(dataDir, zookeeper);
      const engine = await startClickHouse({ dataDir, port: 0 });
      const client = createClickHouse({
        url: engine.url,
        user: 'default',
        password: '',
        database: 'default',
      });
      t.after(async () => {
        await client.close();
        await engine.stop();
      });
      // Both databases' KeeperMap tables are one: the same path in the same ZooKeeper.
      await migrate(client, {
        database,
        ttlDays: 0,
        cluster: '',
        dedupWindow: 10_000,
        coordination: 'keepermap',
        log: createLogger(),
      });
      endpoints.push({ url: engine.url, client });
    }
    const rowsOn = (i: number): Promise<number> =>
      count(endpoints[i]!.client, `SELECT count() AS n FROM \`${database}\`.otel_logs`);
    const result = await frozenWriters(t, {
      endpoints: [endpoints[0]!, endpoints[1]!],
      database,
      coordination: process.env['KEEPER_TEST_COORDINATION'] ?? 'keepermap',
      logDir: dir,
      rowsOn,
    });
    const seqs = new Set<string>();
    for (const { client } of endpoints) {
      const rows = await client.query({
        query: `SELECT LogAttributes['seq'] AS seq FROM \`${database}\`.otel_logs`,
        format: 'JSONEachRow',
      });
      for (const row of await rows.json<{ seq: string }>()) seqs.add(row.seq);
    }
    const [first, second] = [await rowsOn(0), await rowsOn(1)];
    t.diagnostic(
      `sent ${result.sent}; engine 1 ${first} rows, engine 2 ${second} rows; distinct over both ${seqs.size}; engine 1 after A's late insert: ${result.afterLateInsert}`,
    );
    assert.equal(
      result.afterLateInsert,
      0,
      "A's late insert into engine 1 was fenced by the shared done flag",
    );
    assert.equal(first + second, result.sent, 'nothing lost or duplicated over the two engines');
    assert.equal(seqs.size, result.sent, 'every record once');
  },
);
