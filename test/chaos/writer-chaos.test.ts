/**
 * Chaos for the writer's delivery promise: 100,000 log records trickle into Kafka while the writer
 * process is killed with SIGKILL at random moments (at least 5 times) and ClickHouse is down for 20 s.
 * At the end every record is in ClickHouse exactly once: count = distinct = sent.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClickHouse } from '../../core/clickhouse.js';
import { startClickHouse, type LocalClickHouse } from '../../deploy/local/clickhouse/process.js';
import { migrate } from '../../schemas/migrate.js';
import { createLogger, setLogLevel } from '../../core/log.js';
import { generateLogs, seededRandom } from '../fixtures/generate.js';
import { eventually, count } from '../harness/clickhouse.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { freshTopics, testKafka } from '../harness/kafka.js';
import { type Child, spawnTributary } from '../harness/process.js';

const RECORDS = 200;
const ITEMS_PER_RECORD = 500;
const TOTAL = RECORDS * ITEMS_PER_RECORD;
const KILLS = 5;
const OUTAGE_MS = 20_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test(
  `writer chaos: ${TOTAL} items, ${KILLS}× kill -9, a ${OUTAGE_MS / 1000} s ClickHouse outage → exactly once`,
  { timeout: 420_000 },
  async (t) => {
    setLogLevel('warn');
    const random = seededRandom(20261124);
    const dir = mkdtempSync(join(tmpdir(), 'tributary-chaos-'));
    let clickhouse: LocalClickHouse = await startClickHouse({ dataDir: join(dir, 'ch'), port: 0 });
    const port = Number(new URL(clickhouse.url).port);
    const database = uniqueName('chaos');
    const admin = createClickHouse({
      url: clickhouse.url,
      user: 'default',
      password: '',
      database: 'default',
    });
    await migrate(admin, { database, ttlDays: 0, cluster: '', dedupWindow: 10_000, log: createLogger() });
    const topics = await freshTopics(3);
    const logFile = join(dir, 'writer.log');
    const env = {
      TRIBUTARY_KAFKA_BROKERS: kafkaBrokers().join(','),
      TRIBUTARY_CLICKHOUSE_URL: clickhouse.url,
      TRIBUTARY_CLICKHOUSE_DATABASE: database,
      TRIBUTARY_TOPICS_PREFIX: topics.prefix,
      TRIBUTARY_WRITER_SIGNALS: 'logs',
      TRIBUTARY_WRITER_GROUP_ID: uniqueName('chaos-writer'),
      TRIBUTARY_WRITER_BATCH_ROWS: '4000',
      TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: '500',
      TRIBUTARY_WRITER_HEALTH_PORT: '0',
      TRIBUTARY_WRITER_METRICS_PORT: '0',
      TRIBUTARY_LOG_LEVEL: 'warn',
    };
    let writer: Child = spawnTributary('writer', env, logFile);
    t.after(async () => {
      await writer.kill();
      await clickhouse.stop();
      await admin.close();
      rmSync(dir, { recursive: true, force: true });
    });

    // Load: 200 records of 500 log records each, produced over ~15 s.
    const producer = testKafka(kafkaBrokers(), 'chaos-load').producer({
      compression: 'none',
      timeoutMs: 30_000,
    });
    const load = (async () => {
      for (let i = 0; i < RECORDS; i++) {
        const value = Buffer.from(
          generateLogs({
            seed: i + 1,
            resources: 1,
            scopesPerResource: 1,
            itemsPerScope: ITEMS_PER_RECORD,
            firstSeq: i * ITEMS_PER_RECORD,
          }),
        );
        await producer.send([{ topic: topics.logs, partition: i % 3, key: null, value, headers: {} }]);
        await sleep(75);
      }
      await producer.close();
    })();

    const injected: string[] = [];
    const chaos = (async () => {
      for (let k = 0; k < KILLS; k++) {
        await sleep(1_500 + random() * 2_500);
        await writer.kill('SIGKILL');
        injected.push(`kill -9 writer #${k + 1}`);
        await sleep(200 + random() * 800);
        writer = spawnTributary('writer', env, logFile);
        if (k === 2) {
          await clickhouse.kill();
          injected.push(`ClickHouse down for ${OUTAGE_MS / 1000} s`);
          await sleep(OUTAGE_MS);
          clickhouse = await startClickHouse({ dataDir: join(dir, 'ch'), port });
          injected.push('ClickHouse back');
        }
      }
    })();
    await Promise.all([load, chaos]);

    const client = createClickHouse({ url: clickhouse.url, user: 'default', password: '', database });
    t.after(() => client.close());
    const table = `\`${database}\`.otel_logs`;
    try {
      await eventually(
        async () => (await count(client, `SELECT count() AS n FROM ${table}`)) >= TOTAL,
        240_000,
        `${TOTAL} rows`,
      );
    } catch (err) {
      const rowsNow = await count(client, `SELECT count() AS n FROM ${table}`);
      t.diagnostic(
        `rows so far: ${rowsNow}; writer log tail:\n${readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n')}`,
      );
      throw err;
    }
    await sleep(2_000); // a late duplicate would show up now
    const total = await count(client, `SELECT count() AS n FROM ${table}`);
    const distinct = await count(client, `SELECT uniqExact(LogAttributes['seq']) AS n FROM ${table}`);
    t.diagnostic(
      `chaos injected: ${injected.join(', ')}; sent ${TOTAL}, rows ${total}, distinct ${distinct}`,
    );
    assert.equal(injected.filter((i) => i.startsWith('kill')).length, KILLS);
    assert.equal(total, TOTAL, 'no item lost or duplicated');
    assert.equal(distinct, TOTAL, 'every item present once');
  },
);
