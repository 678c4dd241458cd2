/**
 * The writer's health tells the truth: liveness is about the process only, so a ClickHouse outage
 * never makes Kubernetes restart writers; readiness fails when a partition with records waiting
 * made no progress for writer.stuckAfterMs, names it, and comes back once the rows are in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { clickhouseUrl } from '../harness/env.js';
import { freshTopics, produce, topicSize } from '../harness/kafka.js';
import { outageProxy } from '../harness/proxy.js';
import { startTestWriter } from '../harness/writer.js';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';

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

async function health(port: number, path: string): Promise<{ status: number; reason: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const body = (await res.json()) as { reason?: string };
  return { status: res.status, reason: body.reason ?? '' };
}

test(
  'ClickHouse down: liveness stays up, readiness fails on the stuck partition and recovers',
  { timeout: 120_000 },
  async (t) => {
    const topics = await freshTopics(1);
    const db = await freshDatabase();
    t.after(() => db.drop());
    const target = new URL(clickhouseUrl());
    const proxy = await outageProxy(target.hostname, Number(target.port));
    t.after(() => proxy.close());
    const writer = await startTestWriter(topics.prefix, db.database, {
      'writer.signals': 'logs',
      'clickhouse.url': `http://127.0.0.1:${proxy.port}`,
      'writer.stuckAfterMs': 2_000,
      logLevel: 'error',
    });
    t.after(() => writer.stop());
    const table = `SELECT count() AS n FROM \`${db.database}\`.otel_logs`;

    await produce(topics.logs, [{ value: logRequest('before') }]);
    await eventually(async () => (await count(db.client, table)) === 1, 30_000, 'the first row');
    // The row is visible a moment before the writer records its range done: with ClickHouse down
    // before that, the first record would wait too. Await the writer's own account of it.
    await eventually(
      async () => {
        const ready = await health(writer.healthPort, '/ready');
        return ready.status === 200 && /^logs: ready, 1 partition, 0 records waiting$/.test(ready.reason);
      },
      10_000,
      'the first record written and accounted for',
    );

    proxy.down();
    await produce(topics.logs, [{ value: logRequest('during 1') }, { value: logRequest('during 2') }]);
    let stuck = { status: 0, reason: '' };
    await eventually(
      async () => {
        stuck = await health(writer.healthPort, '/ready');
        return stuck.status === 503;
      },
      30_000,
      'readiness to fail while ClickHouse is down',
    );
    assert.match(stuck.reason, /:0: no progress for \d+ s with 2 records waiting/);
    assert.equal((await health(writer.healthPort, '/')).status, 200, 'liveness is about the process only');

    proxy.up();
    await eventually(async () => (await count(db.client, table)) === 3, 60_000, 'the waiting rows');
    await eventually(
      async () => (await health(writer.healthPort, '/ready')).status === 200,
      30_000,
      'readiness back once progress resumed',
    );
    assert.equal((await health(writer.healthPort, '/')).status, 200);
  },
);

test(
  'a crashed consume loop fails readiness with the reason; liveness stays up',
  { timeout: 120_000 },
  async (t) => {
    const topics = await freshTopics(1);
    const db = await freshDatabase();
    t.after(() => db.drop());
    // The writer starts on a sound database (its start-up self-test reads the state too), then the
    // done state becomes something ClickHouse refuses permanently to read (a parse error on every
    // row): the loop's next position look-up fails for good and the loop ends.
    const writer = await startTestWriter(topics.prefix, db.database, {
      'writer.signals': 'logs',
      'writer.stuckAfterMs': 60_000,
    });
    t.after(() => writer.stop());
    await db.client.command({ query: `DROP TABLE \`${db.database}\`.tributary_done` });
    await db.client.command({
      query: `CREATE VIEW \`${db.database}\`.tributary_done AS
              SELECT toString(toDate(concat('x', toString(number)))) AS Stream, number AS Start,
                     number + 1000000 AS End
              FROM system.numbers LIMIT 1`,
    });
    await produce(topics.logs, [{ value: logRequest('waiting') }]);
    let ready = { status: 0, reason: '' };
    await eventually(
      async () => {
        ready = await health(writer.healthPort, '/ready');
        return ready.status === 503;
      },
      30_000,
      'readiness to fail once the loop crashed',
    );
    assert.match(ready.reason, /writer loop stopped: Cannot parse date/);
    assert.equal((await health(writer.healthPort, '/')).status, 200, 'liveness is about the process only');
  },
);

test(
  'the insert marks table unreadable: good records wait (readiness says why) instead of going to the DLQ',
  { timeout: 120_000 },
  async (t) => {
    const topics = await freshTopics(1);
    const db = await freshDatabase();
    t.after(() => db.drop());
    const inserts = `\`${db.database}\`.tributary_inserts`;
    const writer = await startTestWriter(topics.prefix, db.database, { 'writer.signals': 'logs' });
    t.after(() => writer.stop());
    // Only the fence reads the marks table: batches start normally, every insert is refused
    // because of the state, not because of its rows. (After the start: the self-test reads it too.)
    await db.client.command({
      query: `RENAME TABLE ${inserts} TO \`${db.database}\`.tributary_inserts_saved`,
    });
    await db.client.command({
      query: `CREATE VIEW ${inserts} AS
              SELECT toString(toDate(concat('x', toString(number)))) AS Token, number AS Rows, now() AS InsertedAt
              FROM system.numbers LIMIT 1`,
    });
    await produce(topics.logs, [{ value: logRequest('innocent-1') }, { value: logRequest('innocent-2') }]);
    let ready = { status: 0, reason: '' };
    await eventually(
      async () => {
        ready = await health(writer.healthPort, '/ready');
        return ready.status === 503 && /delivery state cannot be read/.test(ready.reason);
      },
      30_000,
      'readiness to name the unreadable state',
    );
    await db.client.command({ query: `DROP VIEW ${inserts}` });
    await db.client.command({
      query: `RENAME TABLE \`${db.database}\`.tributary_inserts_saved TO ${inserts}`,
    });
    const table = `\`${db.database}\`.otel_logs`;
    await eventually(
      async () => (await count(db.client, `SELECT count() AS n FROM ${table}`)) === 2,
      60_000,
      'both records written once the state reads again',
    );
    assert.equal(await topicSize(`${topics.logs}.dlq`), 0, 'no good record was dead-lettered');
    await eventually(
      async () => (await health(writer.healthPort, '/ready')).status === 200,
      30_000,
      'ready again',
    );
  },
);

test(
  'an idle partition: its next record keeps readiness green through the flush; the reason names each signal',
  { timeout: 120_000 },
  async (t) => {
    const topics = await freshTopics(1);
    const db = await freshDatabase();
    t.after(() => db.drop());
    const stuckAfterMs = 3_000;
    const writer = await startTestWriter(topics.prefix, db.database, {
      'writer.signals': 'logs,traces',
      'writer.stuckAfterMs': stuckAfterMs,
      // A batch comes of age well within stuckAfterMs: a record that waits only for that is not stuck.
      'writer.flushIntervalMs': 1_000,
    });
    t.after(() => writer.stop());
    const table = `SELECT count() AS n FROM \`${db.database}\`.otel_logs`;

    await produce(topics.logs, [{ value: logRequest('first') }]);
    await eventually(async () => (await count(db.client, table)) === 1, 30_000, 'the first row');
    const lastWrite = Date.now();
    // The row is visible a moment before the writer records its range done and moves on: await it.
    let ready = { status: 0, reason: '' };
    await eventually(
      async () => {
        ready = await health(writer.healthPort, '/ready');
        return /0 records waiting; traces/.test(ready.reason);
      },
      10_000,
      'the first record written and accounted for',
    );
    assert.equal(ready.status, 200);
    assert.equal(
      ready.reason,
      'logs: ready, 1 partition, 0 records waiting; traces: ready, 1 partition, 0 records waiting',
    );

    // Idle past the threshold (readiness stays green meanwhile: nothing waits)...
    await eventually(
      async () => {
        assert.equal((await health(writer.healthPort, '/ready')).status, 200, 'ready while idle');
        return Date.now() - lastWrite > 2 * stuckAfterMs;
      },
      30_000,
      'the partition to idle past writer.stuckAfterMs',
    );
    // ...then one record: it waits for its batch to come of age, never as long as stuckAfterMs.
    await produce(topics.logs, [{ value: logRequest('after the idle time') }]);
    const answers: { status: number; reason: string }[] = [];
    await eventually(
      async () => {
        answers.push(await health(writer.healthPort, '/ready'));
        return (await count(db.client, table)) === 2;
      },
      30_000,
      'the second row',
    );
    const refused = answers.filter((a) => a.status !== 200);
    assert.deepEqual(refused, [], `readiness stayed green through the flush (${answers.length} answers)`);
  },
);
