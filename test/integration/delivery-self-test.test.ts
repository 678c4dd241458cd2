/**
 * The start-up self-test (writer/delivery/self-test.ts) against the real engine: it passes where the
 * server behaves as the protocol needs (plain and compressed bodies), and a writer refuses to start —
 * naming the server version and the fix — where the server ignores dedup tokens on INSERT … SELECT
 * (ClickHouse 26.1/26.2 without the deduplicate_insert_select setting the writer sends). That server
 * cannot run here, so its behaviour is produced on the real engine by the setting that does the
 * same (`deduplicate_insert_select = 'disable'`, given through the test hook the self-test reads).
 * With writer.allowAtLeastOnce the writer starts anyway and says it runs degraded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSelfTest } from '../../writer/delivery/self-test.js';
import { readServerCaps } from '../../writer/delivery/server-caps.js';
import { freshDatabase } from '../harness/clickhouse.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../harness/env.js';
import { freshTopics } from '../harness/kafka.js';
import { spawnTributary } from '../harness/process.js';

test('the self-test passes on the engine, with plain, zstd and gzip bodies', async (t) => {
  const db = await freshDatabase();
  t.after(() => db.drop());
  const caps = await readServerCaps(db.client, db.database, '');
  assert.equal(caps.insertSettings['deduplicate_insert_select'], 'enable_even_for_bad_queries');
  for (const encoding of ['none', 'zstd', 'gzip'] as const) {
    const result = await runSelfTest(db.client, db.database, { encoding, settings: caps.insertSettings });
    assert.deepEqual(result, { ok: true, failures: [] }, encoding);
  }
});

async function startWriter(
  t: { after(fn: () => Promise<void> | void): void },
  extraEnv: Record<string, string>,
): Promise<{ log: () => string; exited: Promise<number | null>; kill(): Promise<void> }> {
  const topics = await freshTopics(1);
  const db = await freshDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'tributary-selftest-'));
  const logFile = join(dir, 'writer.log');
  const child = spawnTributary(
    'writer',
    {
      TRIBUTARY_KAFKA_BROKERS: kafkaBrokers().join(','),
      TRIBUTARY_CLICKHOUSE_URL: clickhouseUrl(),
      TRIBUTARY_CLICKHOUSE_DATABASE: db.database,
      TRIBUTARY_TOPICS_PREFIX: topics.prefix,
      TRIBUTARY_WRITER_GROUP_ID: uniqueName('selftest'),
      TRIBUTARY_WRITER_HEALTH_PORT: '0',
      TRIBUTARY_WRITER_METRICS_PORT: '0',
      TRIBUTARY_LOG_FORMAT: 'json',
      ...extraEnv,
    },
    logFile,
  );
  t.after(async () => {
    await child.kill();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { log: () => readFileSync(logFile, 'utf8'), exited: child.exited, kill: () => child.kill() };
}

test('a server that ignores tokens on INSERT … SELECT: the writer refuses to start and names the version and the fix', async (t) => {
  const writer = await startWriter(t, {
    TRIBUTARY_TEST_SELF_TEST_SETTINGS: 'deduplicate_insert_select=disable',
  });
  const code = await writer.exited;
  const log = writer.log();
  assert.notEqual(code, 0, 'the writer exits');
  assert.match(log, /delivery self-test failed on ClickHouse 26\.\d+/);
  assert.match(log, /ignores insert_deduplication_token on INSERT … SELECT/);
  assert.match(log, /upgrade it .*--writer-allow-at-least-once/);
});

test('with writer.allowAtLeastOnce the same server is used, degraded and said so', async (t) => {
  const writer = await startWriter(t, {
    TRIBUTARY_TEST_SELF_TEST_SETTINGS: 'deduplicate_insert_select=disable',
    TRIBUTARY_WRITER_ALLOW_AT_LEAST_ONCE: 'true',
  });
  const deadline = Date.now() + 60_000;
  while (!/writer ready/.test(writer.log())) {
    assert.ok(Date.now() < deadline, `the writer did not start:\n${writer.log()}`);
    assert.equal(
      await Promise.race([writer.exited, new Promise((r) => setTimeout(() => r('running'), 250))]),
      'running',
    );
  }
  assert.match(writer.log(), /running DEGRADED \(writer\.allowAtLeastOnce\)/);
});
