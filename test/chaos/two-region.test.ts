/**
 * Multi-region gateways: an "eu" region with its own Kafka cluster and receiver, mirrored into the
 * central cluster by MirrorMaker 2; a "us" receiver publishing into the central cluster directly under
 * its region prefix; one writer consuming both regions' topics by regex. The mirror link is killed
 * (kill -9) under load and restored later: every acknowledged item arrives in ClickHouse exactly once,
 * stamped with its region.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../core/config/load.js';
import { startMirrorMaker } from '../../deploy/local/kafka/mirror.js';
import { startKafka } from '../../deploy/local/kafka/runner.js';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { startReceiver } from '../../receiver/main.js';
import { generateLogs } from '../fixtures/generate.js';
import { count, eventually, freshDatabase, rows } from '../harness/clickhouse.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { testKafka } from '../harness/kafka.js';
import { freePort } from '../harness/stack.js';
import { startTestWriter } from '../harness/writer.js';
import { runReplay } from '../../writer/replay.js';
import { clickhouseUrl } from '../harness/env.js';

const REQUESTS_PER_REGION = 80;
const ITEMS = 200;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startRegionReceiver(brokers: readonly string[], region: string, prefix: string) {
  const { config } = loadConfig({
    env: {},
    overrides: {
      'kafka.brokers': brokers.join(','),
      'topics.prefix': prefix,
      'receiver.region': region,
      'receiver.regionAttribute': true,
      'receiver.host': '127.0.0.1',
      'receiver.httpPort': 0,
      'receiver.grpcPort': 0,
      'receiver.healthPort': 0,
      'receiver.metricsPort': 0,
      logLevel: 'warn',
    },
  });
  return startReceiver(config);
}

/** Sends `requests` log requests of ITEMS items (seq from firstSeq) at a steady pace, retrying retryable answers. */
async function sendLoad(url: string, firstSeq: number, requests: number, pauseMs: number): Promise<number> {
  let retries = 0;
  for (let i = 0; i < requests; i++) {
    const body = generateLogs({
      seed: firstSeq + i + 1,
      resources: 1,
      scopesPerResource: 1,
      itemsPerScope: ITEMS,
      firstSeq: firstSeq + i * ITEMS,
    });
    for (;;) {
      const response = await fetch(`${url}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      await response.arrayBuffer();
      if (response.status === 200) break;
      assert.ok([429, 503].includes(response.status), `retryable answer, got ${response.status}`);
      retries++;
      await sleep(200);
    }
    await sleep(pauseMs);
  }
  return retries;
}

test(
  'two regions through MirrorMaker 2: link killed under load and restored, every item exactly once',
  { timeout: 300_000 },
  async (t) => {
    const base = uniqueName('g');
    const eu = `${base}eu`;
    const us = `${base}us`;
    const dir = mkdtempSync(join(tmpdir(), 'tributary-regions-'));
    const central = kafkaBrokers();
    const db = await freshDatabase();
    const cleanups: (() => Promise<void>)[] = [];
    t.after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    // The eu region: its own Kafka cluster (unprefixed topics) and receiver.
    const euKafka = await startKafka({
      dataDir: join(dir, 'kafka-eu'),
      port: await freePort(),
      brokerCount: 1,
      version: '4.1.1',
    });
    cleanups.push(() => euKafka.stop());
    await ensureTopics(euKafka.brokers, ['otlp_spans', 'otlp_metrics', 'otlp_logs'], 2, 1);
    const euReceiver = await startRegionReceiver(euKafka.brokers, 'eu', '');
    cleanups.push(() => euReceiver.stop());

    // The us region publishes into the central cluster under its own prefix.
    await ensureTopics(
      central,
      [`${us}.otlp_spans`, `${us}.otlp_metrics`, `${us}.otlp_logs`, `${us}.otlp_logs.dlq`],
      2,
      1,
    );
    const usReceiver = await startRegionReceiver(central, 'us', `${us}.`);
    cleanups.push(() => usReceiver.stop());

    // The link: eu's otlp_* topics appear in the central cluster as `<eu>.otlp_*`.
    const mirror = await startMirrorMaker({
      dataDir: join(dir, 'mirror'),
      version: '4.1.1',
      sourceAlias: eu,
      sourceBrokers: euKafka.brokers,
      targetAlias: 'central',
      targetBrokers: central,
      topics: 'otlp_.*',
    });
    cleanups.push(() => mirror.stop('SIGKILL'));
    const admin = testKafka(central, 'regions-admin').admin();
    cleanups.push(() => admin.close());
    await eventually(
      async () => (await admin.listTopics()).includes(`${eu}.otlp_logs`),
      60_000,
      'mirrored topic created',
    );
    await ensureTopics(central, [`${eu}.otlp_logs.dlq`], 1, 1);

    const writer = await startTestWriter('', db.database, {
      'writer.signals': 'logs',
      'writer.logsTopics': `^${base}(eu|us)\\.otlp_logs$`,
    });
    cleanups.push(() => writer.stop());

    const euLoad = sendLoad(`http://127.0.0.1:${euReceiver.httpPort}`, 0, REQUESTS_PER_REGION, 200);
    const usLoad = sendLoad(
      `http://127.0.0.1:${usReceiver.httpPort}`,
      REQUESTS_PER_REGION * ITEMS,
      REQUESTS_PER_REGION,
      200,
    );
    // Cut the link under load, keep it down while the eu region keeps accepting, then restore it.
    await sleep(4_000);
    const cutAt = Date.now();
    await mirror.stop('SIGKILL');
    await sleep(8_000);
    const euBeforeRestore = await count(
      db.client,
      `SELECT count() AS n FROM \`${db.database}\`.otel_logs WHERE ResourceAttributes['cloud.region'] = 'eu'`,
    );
    await mirror.start();
    const downMs = Date.now() - cutAt;
    const [euRetries, usRetries] = await Promise.all([euLoad, usLoad]);

    const table = `\`${db.database}\`.otel_logs`;
    const total = 2 * REQUESTS_PER_REGION * ITEMS;
    await eventually(
      async () => (await count(db.client, `SELECT count() AS n FROM ${table}`)) >= total,
      120_000,
      'every item of both regions',
    );
    await sleep(2_000);
    const perRegion = await rows<{ region: string; n: string; distinct: string }>(
      db.client,
      `SELECT ResourceAttributes['cloud.region'] AS region, count() AS n, uniqExact(LogAttributes['seq']) AS distinct
       FROM ${table} GROUP BY region ORDER BY region`,
    );
    assert.ok(
      euBeforeRestore < REQUESTS_PER_REGION * ITEMS,
      'eu items waited in the eu cluster while the link was down',
    );
    console.log(
      `two regions: link down ${downMs} ms (eu rows before restore ${euBeforeRestore}); sent ${total} items (retries eu ${euRetries}, us ${usRetries}); rows ${JSON.stringify(perRegion)}`,
    );
    assert.deepEqual(
      perRegion.map((r) => [r.region, Number(r.n), Number(r.distinct)]),
      [
        ['eu', REQUESTS_PER_REGION * ITEMS, REQUESTS_PER_REGION * ITEMS],
        ['us', REQUESTS_PER_REGION * ITEMS, REQUESTS_PER_REGION * ITEMS],
      ],
    );
    assert.equal(
      await count(db.client, `SELECT uniqExact(LogAttributes['seq']) AS n FROM ${table}`),
      total,
      'no item in both regions, none missing',
    );

    // The mirrored topic is transactional (exactly-once MirrorMaker): commit markers, and the aborted
    // records of the killed link, are offsets without records. The done state must cover every
    // offset up to the end without a hole, and a replay must finish at the last stable offset.
    const euTopic = `${eu}.otlp_logs`;
    const ends = await admin.offsets(euTopic);
    const withoutRecords = ends.reduce((n, p) => n + p.high - p.low, 0) - REQUESTS_PER_REGION;
    assert.ok(withoutRecords > 0, `the mirrored topic has offsets without records (${withoutRecords})`);
    await eventually(
      async () => {
        const done = await rows<{ p: number; e: string }>(
          db.client,
          `SELECT Partition AS p, toString(max(End)) AS e FROM \`${db.database}\`.tributary_done
           WHERE Topic = '${euTopic}' GROUP BY p`,
        );
        return ends.every((o) => done.some((d) => d.p === o.partition && Number(d.e) === o.high));
      },
      60_000,
      'done state at the end of every mirrored partition',
    );
    const ranges = await rows<{ p: number; s: string; e: string }>(
      db.client,
      `SELECT Partition AS p, toString(Start) AS s, toString(End) AS e FROM \`${db.database}\`.tributary_done
       WHERE Topic = '${euTopic}' ORDER BY p, Start`,
    );
    for (const o of ends) {
      let at = o.low;
      for (const r of ranges.filter((x) => x.p === o.partition)) {
        assert.ok(Number(r.s) <= at, `partition ${o.partition}: a hole before ${r.s} (covered up to ${at})`);
        at = Math.max(at, Number(r.e));
      }
      assert.equal(at, o.high, `partition ${o.partition}: done up to the end`);
    }
    const other = await freshDatabase();
    cleanups.push(() => other.drop());
    const { config: replayConfig } = loadConfig({
      env: {},
      overrides: {
        'kafka.brokers': central.join(','),
        'clickhouse.url': clickhouseUrl(),
        'clickhouse.database': other.database,
        'topics.prefix': `${eu}.`,
        'replay.signal': 'logs',
        'replay.from': 'earliest',
        logLevel: 'warn',
      },
    });
    const replayed = await runReplay(replayConfig);
    const replayedRows = await count(
      other.client,
      `SELECT count() AS n FROM \`${other.database}\`.otel_logs`,
    );
    console.log(
      `two regions: mirrored topic has ${withoutRecords} offsets without records; replay covered ${replayed.records} offsets in ${replayed.seconds.toFixed(1)} s, ${replayedRows} rows`,
    );
    assert.equal(replayed.records, REQUESTS_PER_REGION + withoutRecords, 'replay covered every offset');
    assert.equal(replayedRows, REQUESTS_PER_REGION * ITEMS, 'replay wrote the eu region exactly');
  },
);
