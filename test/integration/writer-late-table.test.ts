/**
 * A table whose shape cannot be read when the writer first needs it (created late, or ClickHouse
 * away at that moment) must not stop the writer: the range is read again until it can be written.
 * The read-ahead chaos test found this in CI: a writer that joined during a ClickHouse outage died on
 * its first DESCRIBE, and its partitions were never written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateLogs } from '../fixtures/generate.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { freshTopics, produce } from '../harness/kafka.js';
import { startTestWriter } from '../harness/writer.js';

test('a table missing when the writer first reads its shape: the writer waits, then writes every row', async (t) => {
  const topics = await freshTopics(1);
  const db = await freshDatabase();
  t.after(() => db.drop());
  const table = `\`${db.database}\`.otel_logs`;
  const ddl = (
    await (
      await db.client.query({ query: `SHOW CREATE TABLE ${table}`, format: 'JSONEachRow' })
    ).json<{
      statement: string;
    }>()
  )[0]!.statement;
  await db.client.command({ query: `DROP TABLE ${table}` });
  await produce(topics.logs, [
    { value: Buffer.from(generateLogs({ seed: 7, resources: 1, scopesPerResource: 1, itemsPerScope: 20 })) },
  ]);
  const writer = await startTestWriter(topics.prefix, db.database, {
    'writer.signals': 'logs',
    'writer.flushIntervalMs': 200,
  });
  t.after(() => writer.stop());
  // Time for the writer to fetch the record and meet the missing table (the old loop stopped there).
  await new Promise((r) => setTimeout(r, 2_000));
  await db.client.command({ query: ddl });
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM ${table}`)) === 20,
    30_000,
    'rows',
  );
  assert.equal(await count(db.client, `SELECT uniqExact(LogAttributes['seq']) AS n FROM ${table}`), 20);
});
