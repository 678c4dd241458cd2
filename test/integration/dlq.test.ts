/**
 * `tributary dlq` against a running writer: a record too large for the writer's rules and an
 * undecodable one are dead-lettered; `list` and `show` report them (code, source offset, decoded
 * preview); once the cause is fixed (a larger writer.maxRecordEncodedBytes) `redrive` writes the
 * large one through the delivery core — exactly once, a second redrive is a no-op — while the
 * undecodable one is dead-lettered again and the command says so with exit code 1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeadLetterView } from '../../ops/dlq/read.js';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { runCli as run } from '../harness/cli.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { clickhouseUrl, kafkaBrokers } from '../harness/env.js';
import { freshTopics, produce, topicSize } from '../harness/kafka.js';
import { startTestWriter } from '../harness/writer.js';

function logRequest(body: string): Buffer {
  return Buffer.from(
    jsonToProtobuf(
      'logs',
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              { logRecords: [{ timeUnixNano: String(Date.now() * 1e6), body: { stringValue: body } }] },
            ],
          },
        ],
      }),
    ),
  );
}

test(
  'dlq list, show and redrive: fixed letters are written once, broken ones go back',
  { timeout: 120_000 },
  async (t) => {
    const topics = await freshTopics(1);
    const db = await freshDatabase();
    t.after(() => db.drop());
    const writer = await startTestWriter(topics.prefix, db.database, {
      'writer.signals': 'logs',
      'writer.maxRecordEncodedBytes': 1024,
    });
    t.after(() => writer.stop());
    const big = 'x'.repeat(3000);
    await produce(topics.logs, [
      { value: logRequest('small') },
      { value: logRequest(big) },
      { value: Buffer.from([0x0a, 0x05, 0xff]) },
    ]);
    const rowsIn = (): Promise<number> =>
      count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`);
    const dlq = `${topics.logs}.dlq`;
    await eventually(
      async () => (await rowsIn()) === 1 && (await topicSize(dlq)) === 2,
      30_000,
      'one row, two letters',
    );

    const flags = [
      '--kafka-brokers',
      kafkaBrokers().join(','),
      '--topics-prefix',
      topics.prefix,
      '--clickhouse-url',
      clickhouseUrl(),
      '--clickhouse-database',
      db.database,
    ];
    // The long form of a command's own option (`--dlq-signal`) and the short one (`--signal`) both work.
    const listed = await run(['dlq', 'list', '--json', '--dlq-signal', 'logs', ...flags]);
    assert.equal(listed.code, 0);
    const { letters } = JSON.parse(listed.stdout) as { letters: DeadLetterView[] };
    assert.deepEqual(
      letters.map((l) => [l.code, l.source.topic, l.source.offset]),
      [
        ['RECORD_TOO_LARGE', topics.logs, 1],
        ['DECODE_FAILED', topics.logs, 2],
      ],
    );
    const [tooLarge, undecodable] = letters as [DeadLetterView, DeadLetterView];

    const shown = await run([
      'dlq',
      'show',
      '--signal',
      'logs',
      '--offsets',
      `0:${tooLarge.offset}`,
      ...flags,
    ]);
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /RECORD_TOO_LARGE {2}from .*otlp_logs:0@1/);
    assert.match(shown.stdout, /"stringValue":"xxxxxxxx/);

    // The cause fixed: the default (64 MiB) record budget.
    const first = await run(['dlq', 'redrive', '--offsets', `0:${tooLarge.offset}`, ...flags]);
    assert.equal(first.code, 0, first.stdout);
    assert.match(first.stdout, /0:0 {2}written {2}\(1 rows\)/);
    assert.equal(await rowsIn(), 2);
    assert.equal(
      await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs WHERE Body = '${big}'`),
      1,
    );

    const again = await run(['dlq', '--dlq-offsets', `0:${tooLarge.offset}`, 'redrive', ...flags]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already re-driven/);
    assert.equal(await rowsIn(), 2, 'a second redrive writes nothing');

    const broken = await run(['dlq', 'redrive', '--offsets', `0:${undecodable.offset}`, ...flags]);
    assert.equal(broken.code, 1, broken.stdout);
    assert.match(broken.stdout, /dead-lettered again/);
    assert.equal(await topicSize(dlq), 3);
    assert.equal(await rowsIn(), 2);

    const refused = await run(['dlq', 'redrive', ...flags]);
    assert.equal(refused.code, 2, 'redrive without a choice of letters is refused');
    assert.match(refused.stderr, /name the letters with --offsets .* or pass --all/);
  },
);
