/** One writer reading several regions' topics by regex (e.g. mirrored `eu.` and `us.` topics). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../core/config/load.js';
import { TributaryError } from '../../core/errors.js';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { writerTopics } from '../../writer/main.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { produce } from '../harness/kafka.js';
import { startTestWriter } from '../harness/writer.js';

test('writer topic lists: default, literal names, regexes, and a bad regex named', () => {
  const config = (value: string) =>
    loadConfig({ env: {}, overrides: { 'topics.prefix': 'eu.', 'writer.logsTopics': value } }).config;
  assert.deepEqual(writerTopics(config(''), 'logs'), ['eu.otlp_logs']);
  assert.deepEqual(writerTopics(config('a,b'), 'logs'), ['a', 'b']);
  assert.deepEqual(writerTopics(config('^(eu|us)\\.otlp_logs$'), 'logs'), [/^(eu|us)\.otlp_logs$/]);
  assert.throws(
    () => writerTopics(config('^(eu'), 'logs'),
    (err: unknown) => err instanceof TributaryError && /writer\.logsTopics/.test(err.message),
  );
});

test('a regex subscription writes every matching region topic', async (t) => {
  const base = uniqueName('r');
  const topics = [`${base}.eu.otlp_logs`, `${base}.us.otlp_logs`];
  await ensureTopics(kafkaBrokers(), [...topics, ...topics.map((x) => `${x}.dlq`)], 1, 1);
  const db = await freshDatabase();
  t.after(() => db.drop());
  for (const [i, topic] of topics.entries()) {
    const value = jsonToProtobuf(
      'logs',
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              { logRecords: [{ timeUnixNano: '1795000000000000000', body: { stringValue: `from ${i}` } }] },
            ],
          },
        ],
      }),
    );
    await produce(topic, [{ value }]);
  }
  const writer = await startTestWriter('', db.database, {
    'writer.signals': 'logs',
    'writer.logsTopics': `^${base}\\.(eu|us)\\.otlp_logs$`,
  });
  t.after(() => writer.stop());
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`)) === 2,
    30_000,
    'both regions',
  );
});
