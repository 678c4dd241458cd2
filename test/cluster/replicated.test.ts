/**
 * Exactly once on a real replicated ClickHouse (ReplicatedMergeTree with Keeper, or ClickHouse
 * Cloud), which cannot run on this machine: the test runs against a cluster given by URL and is
 * skipped — saying so — without one.
 *
 *   TRIBUTARY_TEST_CLUSTER_URLS=http://replica1:8123,http://replica2:8123   two replicas (or the same
 *                                                                           load-balanced URL twice)
 *   TRIBUTARY_TEST_CLUSTER_NAME=<cluster>   for ON CLUSTER DDL (empty on ClickHouse Cloud)
 *   TRIBUTARY_TEST_CLUSTER_USER / _PASSWORD
 *
 * The database is made by `migrate` (ON CLUSTER, Replicated tables, the KeeperMap state: the server
 * needs <keeper_map_path_prefix>), the start-up self-test runs on each replica, and then the
 * frozen-writers scenario (test/harness/frozen-writers.ts) with writer A on replica 1 and writer B on
 * replica 2: every record once, read after SYSTEM SYNC REPLICA.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClickHouse } from '../../core/clickhouse.js';
import { createLogger } from '../../core/log.js';
import { migrate } from '../../schemas/migrate.js';
import { runSelfTest } from '../../writer/delivery/self-test.js';
import { readServerCaps } from '../../writer/delivery/server-caps.js';
import { count } from '../harness/clickhouse.js';
import { uniqueName } from '../harness/env.js';
import { type Endpoint, frozenWriters } from '../harness/frozen-writers.js';

const urls = (process.env['TRIBUTARY_TEST_CLUSTER_URLS'] ?? '').split(',').filter(Boolean);
const cluster = process.env['TRIBUTARY_TEST_CLUSTER_NAME'] ?? '';
const skip =
  urls.length < 2
    ? 'needs a real replicated ClickHouse: set TRIBUTARY_TEST_CLUSTER_URLS to two replica URLs (see the header)'
    : false;
if (skip) console.log(`test/cluster/replicated: SKIPPED — ${skip}`);

test(
  'a real replicated cluster: migrate, the self-test on each replica, frozen writers on two replicas',
  { skip, timeout: 600_000 },
  async (t) => {
    const endpoints: Endpoint[] = urls.slice(0, 2).map((url) => ({
      url,
      client: createClickHouse({
        url,
        user: process.env['TRIBUTARY_TEST_CLUSTER_USER'] ?? 'default',
        password: process.env['TRIBUTARY_TEST_CLUSTER_PASSWORD'] ?? '',
        database: 'default',
      }),
    }));
    const database = uniqueName('tributary_cluster');
    const onCluster = cluster ? ` ON CLUSTER \`${cluster}\`` : '';
    t.after(async () => {
      await endpoints[0]!.client.command({
        query: `DROP DATABASE IF EXISTS \`${database}\`${onCluster} SYNC`,
      });
      for (const e of endpoints) await e.client.close();
    });
    await migrate(endpoints[0]!.client, {
      database,
      ttlDays: 0,
      cluster,
      dedupWindow: 10_000,
      coordination: 'keepermap',
      log: createLogger(),
    });
    for (const { client } of endpoints) {
      const caps = await readServerCaps(client, database, cluster);
      const proof = await runSelfTest(client, database, { encoding: 'zstd', settings: caps.insertSettings });
      t.diagnostic(
        `self-test on ClickHouse ${caps.version}: ${proof.ok ? 'passed' : proof.failures.join('; ')}`,
      );
      assert.ok(proof.ok, proof.failures.join('; '));
    }
    const dir = mkdtempSync(join(tmpdir(), 'tributary-cluster-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const rowsOn = async (i: number): Promise<number> => {
      const { client } = endpoints[i]!;
      await client.command({ query: `SYSTEM SYNC REPLICA \`${database}\`.otel_logs` });
      return count(client, `SELECT count() AS n FROM \`${database}\`.otel_logs`);
    };
    const result = await frozenWriters(t, {
      endpoints: [endpoints[0]!, endpoints[1]!],
      database,
      coordination: 'keepermap',
      logDir: dir,
      rowsOn,
    });
    const rows = await rowsOn(0);
    const distinct = await count(
      endpoints[0]!.client,
      `SELECT uniqExact(LogAttributes['seq']) AS n FROM \`${database}\`.otel_logs`,
    );
    t.diagnostic(
      `sent ${result.sent}; rows ${rows}, distinct ${distinct}; after A's late insert ${result.afterLateInsert}`,
    );
    assert.equal(rows, result.sent, 'nothing lost or duplicated');
    assert.equal(distinct, result.sent, 'every record once');
  },
);
