/**
 * Replay: re-writing a range is harmless in the same ClickHouse — even long after ClickHouse's dedup
 * window forgot the original inserts (window 3 here) — and complete in another one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../core/config/load.js';
import type { ConfigKey } from '../../core/config/options.js';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { runReplay } from '../../writer/replay.js';
import { runCli } from '../harness/cli.js';
import { count, eventually, freshDatabase, rows } from '../harness/clickhouse.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../harness/env.js';
import { freshTopics, produce } from '../harness/kafka.js';
import { startTestWriter } from '../harness/writer.js';

function logRequest(n: number): Buffer {
  return Buffer.from(
    jsonToProtobuf(
      'logs',
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  {
                    timeUnixNano: String(1795000000000000000n + BigInt(n) * 1_000_000_000n),
                    body: { stringValue: `m${n}` },
                  },
                ],
              },
            ],
          },
        ],
      }),
    ),
  );
}

function replayConfig(
  prefix: string,
  database: string,
  groupId: string,
  overrides: Partial<Record<ConfigKey, unknown>>,
) {
  return loadConfig({
    env: {},
    overrides: {
      'kafka.brokers': kafkaBrokers().join(','),
      'clickhouse.url': clickhouseUrl(),
      'clickhouse.database': database,
      'topics.prefix': prefix,
      'writer.groupId': groupId,
      'writer.flushIntervalMs': 300,
      'replay.signal': 'logs',
      logLevel: 'warn',
      ...overrides,
    },
  }).config;
}

test(
  'replay twice from earliest with a dedup window of 3 adds nothing; into another database it writes exactly the range',
  { timeout: 180_000 },
  async (t) => {
    const topics = await freshTopics(2);
    const live = await freshDatabase(3);
    const other = await freshDatabase(3);
    t.after(() => Promise.all([live.drop(), other.drop()]));
    for (let n = 0; n < 40; n++) await produce(topics.logs, [{ value: logRequest(n), partition: n % 2 }]);
    const groupId = uniqueName('writer');

    // The live writer, with small batches so there are several recorded ranges.
    const writer = await startTestWriter(topics.prefix, live.database, {
      'writer.signals': 'logs',
      'writer.batchRows': 7,
      'writer.groupId': groupId,
    });
    const logs = (db: string): string => `SELECT count() AS n FROM \`${db}\`.otel_logs`;
    await eventually(
      async () => (await count(live.client, logs(live.database))) === 40,
      60_000,
      '40 live rows',
    );
    await writer.stop();

    // Many inserts later (other tables' and partitions' batches), the dedup window of 3 has long
    // forgotten the live inserts: only the done state can keep the replays from duplicating.
    const first = await runReplay(
      replayConfig(topics.prefix, live.database, groupId, { 'replay.from': 'earliest' }),
    );
    assert.equal(first.records, 40);
    await runReplay(replayConfig(topics.prefix, live.database, groupId, { 'replay.from': '3' }));
    await runReplay(replayConfig(topics.prefix, live.database, groupId, { 'replay.from': 'earliest' }));
    assert.equal(await count(live.client, logs(live.database)), 40, 'replays added nothing');
    assert.equal(
      await count(live.client, `SELECT uniqExact(Body) AS n FROM \`${live.database}\`.otel_logs`),
      40,
    );

    const partial = await runReplay(
      replayConfig(topics.prefix, other.database, groupId, { 'replay.from': '10', 'replay.to': '15' }),
    );
    assert.deepEqual(
      partial.ranges.map((r) => [r.start, r.end]),
      [
        [10, 15],
        [10, 15],
      ],
    );
    assert.equal(await count(other.client, logs(other.database)), 10);
    assert.equal(
      await count(other.client, `SELECT uniqExact(Body) AS n FROM \`${other.database}\`.otel_logs`),
      10,
    );
  },
);

test(
  'a range replayed into a new database, then everything: the second replay fills the gaps and stops at the range done in between (dedup window 3)',
  { timeout: 180_000 },
  async (t) => {
    const topics = await freshTopics(1);
    const db = await freshDatabase(3);
    t.after(() => db.drop());
    for (let n = 0; n < 30; n++) await produce(topics.logs, [{ value: logRequest(n), partition: 0 }]);
    const groupId = uniqueName('writer');
    const replay = (from: string, to?: string) =>
      runReplay(
        replayConfig(topics.prefix, db.database, groupId, {
          'replay.from': from,
          ...(to ? { 'replay.to': to } : {}),
          // One batch could hold the whole topic: only the done range in the middle may stop it.
          'writer.batchRows': 1000,
        }),
      );
    await replay('10', '20');
    assert.equal(await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`), 10);
    await replay('earliest');
    const rows = await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`);
    const distinct = await count(db.client, `SELECT uniqExact(Body) AS n FROM \`${db.database}\`.otel_logs`);
    t.diagnostic(`30 records: ${rows} rows, ${distinct} distinct`);
    assert.equal(distinct, 30, 'the gaps were written');
    assert.equal(rows, 30, 'the range done in between was not written again');
  },
);

test(
  'the command line takes `replay --signal --from --to` as people type them, and the long forms',
  { timeout: 120_000 },
  async (t) => {
    const topics = await freshTopics(1);
    const short = await freshDatabase();
    const long = await freshDatabase();
    t.after(() => Promise.all([short.drop(), long.drop()]));
    for (let n = 0; n < 6; n++) await produce(topics.logs, [{ value: logRequest(n) }]);
    const connection = (database: string): string[] => [
      '--kafka-brokers',
      kafkaBrokers().join(','),
      '--topics-prefix',
      topics.prefix,
      '--clickhouse-url',
      clickhouseUrl(),
      '--clickhouse-database',
      database,
      '--log-level',
      'warn',
    ];
    const bodies = async (db: typeof short): Promise<string[]> =>
      (
        await rows<{ Body: string }>(db.client, `SELECT Body FROM \`${db.database}\`.otel_logs ORDER BY Body`)
      ).map((r) => r.Body);

    const typed = await runCli([
      'replay',
      '--signal',
      'logs',
      '--from',
      '2',
      '--to',
      '5',
      ...connection(short.database),
    ]);
    assert.equal(typed.code, 0, typed.stderr);
    assert.deepEqual(await bodies(short), ['m2', 'm3', 'm4']);

    const spelled = await runCli([
      'replay',
      '--replay-signal',
      'logs',
      '--replay-from',
      'earliest',
      '--replay-to',
      'latest',
      ...connection(long.database),
    ]);
    assert.equal(spelled.code, 0, spelled.stderr);
    assert.deepEqual(await bodies(long), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);

    const both = await runCli(['replay', '--from', '0', '--replay-from', '1', ...connection(long.database)]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--replay-from: sets replay\.from as --from does/);
    const missing = await runCli(['replay', '--signal', 'logs', ...connection(long.database)]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /tributary replay needs --from/);
  },
);
