/**
 * `tributary doctor` against a deliberately mis-configured deployment: a logs topic whose retention
 * is shorter than the replay window, with a max.message.bytes below the receiver's record size; a
 * traces topic with unclean leader election on; an otel_logs table with dedup window 0. Each problem
 * is found with its fix, the healthy parts are not flagged (the single test broker's lack of
 * replicas is one note), and the command exits non-zero.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { loadConfig } from '../../core/config/load.js';
import { selfCommand } from '../../core/self.js';
import type { Finding } from '../../ops/doctor/findings.js';
import { diagnose } from '../../ops/doctor/run.js';
import { freshDatabase } from '../harness/clickhouse.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../harness/env.js';
import { testKafka } from '../harness/kafka.js';

const DAY = 86_400_000;

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
  'doctor finds a mis-configured topic and table, each with its fix, and exits 1',
  { timeout: 120_000 },
  async (t) => {
    const prefix = `${uniqueName('doc')}.`;
    const admin = testKafka().admin();
    t.after(() => admin.close());
    const healthy = { 'retention.ms': String(8 * DAY), 'max.message.bytes': '2000000' };
    const topic = (name: string, configs: Record<string, string>) => ({
      name: `${prefix}${name}`,
      partitions: 3,
      replicationFactor: 1,
      configs,
    });
    await admin.ensureTopics([
      topic('otlp_logs', {
        'retention.ms': String(3_600_000),
        'min.insync.replicas': '1',
        'max.message.bytes': '200000',
      }),
      topic('otlp_logs.dlq', { ...healthy, 'max.message.bytes': '3000000' }),
      topic('otlp_spans', { ...healthy, 'unclean.leader.election.enable': 'true' }),
      topic('otlp_spans.dlq', { ...healthy, 'max.message.bytes': '3000000' }),
      topic('otlp_metrics', healthy),
      topic('otlp_metrics.dlq', { ...healthy, 'max.message.bytes': '3000000' }),
    ]);
    const db = await freshDatabase();
    t.after(() => db.drop());
    await db.client.command({
      query: `ALTER TABLE \`${db.database}\`.otel_logs MODIFY SETTING non_replicated_deduplication_window = 0`,
    });

    const flags = {
      'kafka.brokers': kafkaBrokers().join(','),
      'topics.prefix': prefix,
      'clickhouse.url': clickhouseUrl(),
      'clickhouse.database': db.database,
    };
    const { config } = loadConfig({ env: {}, overrides: { ...flags, logLevel: 'error' } });
    const findings = await diagnose(config);
    const problems = findings.filter((f) => f.severity !== 'info');
    const about = (subject: string, what: RegExp): Finding | undefined =>
      problems.find((f) => f.subject === subject && what.test(f.what));

    const logs = `topic ${prefix}otlp_logs`;
    const retention = about(logs, /retention\.ms=3600000 .* shorter than the replay window/);
    assert.equal(retention?.severity, 'error');
    assert.match(retention.fix ?? '', /--add-config retention\.ms=604800000/);
    const size = about(logs, /max\.message\.bytes=200000 is below receiver\.maxRecordBytes=1000000/);
    assert.equal(size?.severity, 'error');
    assert.match(size.fix ?? '', /max\.message\.bytes=\d+/);
    const unclean = about(`topic ${prefix}otlp_spans`, /unclean\.leader\.election\.enable=true/);
    assert.equal(unclean?.severity, 'error');
    const dedup = about(`table ${db.database}.otel_logs`, /dedup window 0 /);
    assert.equal(dedup?.severity, 'error');
    assert.match(dedup.fix ?? '', /tributary migrate .*--clickhouse-dedup-window 10000/);

    // A single broker cannot replicate: said once, as what a local stack is, not for every topic.
    const local = findings.filter(
      (f) =>
        /replication factor|min\.insync|one broker/.test(f.what) &&
        !/ partitions, replication factor/.test(f.what),
    );
    assert.deepEqual(
      local.map((f) => [f.severity, f.subject]),
      [['info', 'kafka']],
    );
    assert.match(local[0]!.what, /^one broker: .* as expected of a local stack/);
    // Nothing else is wrong: the metrics topic and every other table pass.
    const unexpected = problems.filter((f) => f !== retention && f !== size && f !== unclean && f !== dedup);
    assert.deepEqual(unexpected, []);
    assert.ok(findings.some((f) => f.subject === 'clickhouse' && /^version \d+\./.test(f.what)));

    const cli = await run([
      'doctor',
      ...Object.entries(flags).flatMap(([k, v]) => [
        `--${k
          .replace('.', '-')
          .replace(/([a-z])([A-Z])/g, '$1-$2')
          .toLowerCase()}`,
        v,
      ]),
    ]);
    assert.equal(cli.code, 1, cli.stdout);
    assert.match(cli.stdout, /^ERROR topic .*otlp_logs: retention\.ms=3600000/m);
    assert.match(cli.stdout, /^ {7}fix: tributary migrate/m);
    assert.match(cli.stdout, /doctor: 4 error\(s\), 0 warning\(s\)/);
  },
);
