/**
 * `tributary status --once --json` against a running writer: the topic end offsets, the writer
 * group's position and lag per partition from the done state, rows per table, dead letters, and
 * which components answer — each checked against what the test set up. Then the text form.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { selfCommand } from '../../core/self.js';
import type { StatusSnapshot } from '../../ops/status/collect.js';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../harness/env.js';
import { freshTopics, produce, topicSize } from '../harness/kafka.js';
import { freePort } from '../harness/stack.js';
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

function run(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const self = selfCommand();
  const child = spawn(self.command, [...self.args, ...args], {
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
}

test(
  'status --once --json reports offsets, lag, rows, dead letters and components of a running stack; on a terminal it refreshes',
  { timeout: 120_000 },
  async (t) => {
    const topics = await freshTopics(2);
    const db = await freshDatabase();
    t.after(() => db.drop());
    const groupId = uniqueName('status');
    const writer = await startTestWriter(topics.prefix, db.database, {
      'writer.signals': 'logs',
      'writer.groupId': groupId,
      'writer.metricsPort': await freePort(),
    });
    t.after(() => writer.stop());
    await produce(topics.logs, [
      { value: logRequest('a'), partition: 0 },
      { value: logRequest('b'), partition: 0 },
      { value: Buffer.from([0x0a, 0x05, 0xff]), partition: 1 }, // poison: to the DLQ
      { value: logRequest('c'), partition: 1 },
    ]);
    await eventually(
      async () =>
        (await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`)) === 3 &&
        (await topicSize(`${topics.logs}.dlq`)) === 1 &&
        (await count(
          db.client,
          `SELECT max(End) AS n FROM \`${db.database}\`.tributary_done WHERE Partition = 1`,
        )) === 2,
      30_000,
      'rows written, the poison record dead-lettered, done state at the end',
    );

    const down = await freePort();
    const flags = [
      '--kafka-brokers',
      kafkaBrokers().join(','),
      '--topics-prefix',
      topics.prefix,
      '--clickhouse-url',
      clickhouseUrl(),
      '--clickhouse-database',
      db.database,
      '--endpoints',
      `http://127.0.0.1:${writer.healthPort},http://127.0.0.1:${down}`,
      '--metrics-endpoints',
      `http://127.0.0.1:${writer.metricsPort}`,
      '--interval-ms',
      '500',
    ];
    const json = await run(['status', '--once', '--json', ...flags]);
    assert.equal(json.code, 0, json.stdout);
    const status = JSON.parse(json.stdout) as StatusSnapshot;

    const logs = status.topics.find((s) => s.signal === 'logs')!;
    assert.equal(logs.topic, topics.logs);
    assert.equal(logs.endOffset, 4);
    assert.deepEqual(
      logs.partitions.map((p) => [p.partition, p.high]),
      [
        [0, 2],
        [1, 2],
      ],
    );
    assert.equal(status.topics.find((s) => s.signal === 'traces')!.endOffset, 0);

    assert.deepEqual(
      status.groups.map((g) => ({
        group: g.group,
        lag: g.lag,
        partitions: g.partitions.map((p) => [p.topic, p.partition, p.position, p.lag]),
      })),
      [
        {
          group: `${groupId}-logs`,
          lag: 0,
          partitions: [
            [topics.logs, 0, 2, 0],
            [topics.logs, 1, 2, 0],
          ],
        },
      ],
    );
    assert.equal(status.tables.find((r) => r.table === 'otel_logs')?.rows, 3);
    assert.equal(status.tables.find((r) => r.table === 'otel_traces')?.rows, 0);
    assert.deepEqual(
      status.dlq.map((d) => [d.topic, d.records]),
      [
        [`${topics.traces}.dlq`, 0],
        [`${topics.metrics}.dlq`, 0],
        [`${topics.logs}.dlq`, 1],
      ],
    );
    assert.deepEqual(
      status.components.map((c) => [c.url, c.answering, c.ready]),
      [
        [`http://127.0.0.1:${writer.healthPort}`, true, true],
        [`http://127.0.0.1:${down}`, false, false],
      ],
    );
    // Insert counts and times per table from the writer's metrics; no receiver ran: no answers.
    const inserts = status.metrics.inserts.find((i) => i.table === 'otel_logs');
    assert.ok(inserts && inserts.count >= 2 && inserts.seconds > 0, JSON.stringify(status.metrics));
    assert.deepEqual(status.metrics.requests, { '200': 0, '429': 0, '503': 0, '4xx': 0 });
    assert.deepEqual(status.problems, []);
    // --once and --json carry the rates the refreshing view shows, over status.intervalMs (idle now).
    assert.ok(status.rates && status.rates.overSeconds >= 0.5, JSON.stringify(status.rates));
    assert.equal(status.rates.rowsPerSecond['otel_logs'], 0);
    assert.deepEqual(status.rates.receiverAnswersPerSecond, { '200': 0, '429': 0, '503': 0, '4xx': 0 });
    assert.equal(status.rates.insertsPerSecond['otel_logs'], 0);

    const text = await run(['status', '--once', ...flags]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`${groupId}-logs  lag 0`));
    assert.match(text.stdout, /otel_logs\s+3 rows {2}0 rows\/s/);
    assert.match(text.stdout, /DOWN/);
    assert.match(
      text.stdout,
      /receiver answers since start \(per second now\): 200 0 \(0\/s\) {2}429 0 \(0\/s\)/,
    );
    assert.match(text.stdout, /otel_logs\s+\d+ inserts \(0\/s\) {2}mean \d+ ms/);

    // On a terminal: the view redraws in place (home + clear) with rates between frames; one Ctrl-C ends it.
    const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
    const self = selfCommand();
    const command = [
      'exec',
      ...[self.command, ...self.args, 'status', ...flags, '--interval-ms', '300'].map(quote),
    ];
    const tty = spawn('script', ['-qfec', command.join(' '), '/dev/null'], {
      env: { PATH: process.env['PATH'] ?? '', TERM: 'xterm-256color' },
      stdio: 'pipe',
    });
    let screen = '';
    tty.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
    const ttyExit = new Promise<number | null>((resolve) => tty.once('exit', (code) => resolve(code)));
    t.after(() => tty.kill('SIGKILL'));
    const frames = (): number => screen.split('\x1b[H\x1b[2J').length - 1;
    await eventually(async () => Promise.resolve(frames() >= 1), 30_000, 'a first frame');
    await produce(topics.logs, [{ value: logRequest('d'), partition: 0 }]);
    await eventually(
      async () => Promise.resolve(/otel_logs\s+4 rows {2}[\d.]+ rows\/s/.test(screen)),
      30_000,
      'a frame with the new row and a rate',
    );
    assert.ok(frames() >= 2);
    assert.match(screen, /\(Ctrl-C to quit\)/);
    tty.stdin.write('\x03');
    assert.equal(await ttyExit, 0, screen.slice(-500));
  },
);
