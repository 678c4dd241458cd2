/**
 * A server whose time zone is not UTC (the local engine run with TZ=Europe/Berlin): the tables
 * partition by Berlin days, and the writer cuts bodies there too (writer/transcode/partition-day.ts).
 * Two log records at 23:30 and 00:30 UTC fall on two UTC days but on one Berlin day: one body, one
 * insert (one mark), and both rows in the partition of that Berlin day. Cut at UTC midnight they
 * were two inserts into the same partition.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClickHouse } from '../../core/clickhouse.js';
import { createLogger } from '../../core/log.js';
import { startClickHouse } from '../../deploy/local/clickhouse/process.js';
import { migrate } from '../../schemas/migrate.js';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { count, eventually, rows } from '../harness/clickhouse.js';
import { uniqueName } from '../harness/env.js';
import { freshTopics, produce } from '../harness/kafka.js';
import { startTestWriter } from '../harness/writer.js';

const logAt = (iso: string, body: string): Buffer =>
  Buffer.from(
    jsonToProtobuf(
      'logs',
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  { timeUnixNano: `${BigInt(Date.parse(iso)) * 1_000_000n}`, body: { stringValue: body } },
                ],
              },
            ],
          },
        ],
      }),
    ),
  );

test(
  'a server in Europe/Berlin: one body per Berlin day, one insert for rows on two UTC days',
  { timeout: 120_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-tz-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // The embedded engine takes its time zone from its process's TZ, as clickhouse-local does.
    const ownTz = process.env['TZ'];
    process.env['TZ'] = 'Europe/Berlin';
    const server = await startClickHouse({ dataDir: dir, port: 0 }).finally(() => {
      if (ownTz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = ownTz;
    });
    const client = createClickHouse({ url: server.url, user: 'default', password: '', database: 'default' });
    t.after(async () => {
      await client.close();
      await server.stop();
    });
    const [{ tz } = { tz: '' }] = await rows<{ tz: string }>(client, 'SELECT timezone() AS tz');
    assert.equal(tz, 'Europe/Berlin');
    const database = uniqueName('db');
    await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow: 1000, log: createLogger() });
    const topics = await freshTopics(1);
    await produce(topics.logs, [
      { value: logAt('2026-11-18T23:30:00Z', 'late'), partition: 0 },
      { value: logAt('2026-11-19T00:30:00Z', 'early'), partition: 0 },
    ]);
    const writer = await startTestWriter(topics.prefix, database, {
      'clickhouse.url': server.url,
      'writer.signals': 'logs',
    });
    t.after(() => writer.stop());
    await eventually(
      async () =>
        (await count(client, `SELECT count() AS n FROM \`${database}\`.tributary_done WHERE Kind = 'done'`)) >
        0,
      60_000,
      'the batch done',
    );
    const partitions = await rows<{ p: string; n: string }>(
      client,
      `SELECT _partition_id AS p, toString(count()) AS n FROM \`${database}\`.otel_logs GROUP BY p`,
    );
    const marks = await count(
      client,
      `SELECT count() AS n FROM \`${database}\`.tributary_inserts WHERE Token LIKE '%:otel_logs:%'`,
    );
    t.diagnostic(`partitions ${JSON.stringify(partitions)}; inserts into otel_logs ${marks}`);
    assert.deepEqual(partitions, [{ p: '20261119', n: '2' }], 'both rows in the Berlin day');
    assert.equal(marks, 1, 'one body, one insert');
  },
);
