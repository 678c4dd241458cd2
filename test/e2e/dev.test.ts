/**
 * `tributary dev` (what `npm start` runs): the whole local stack comes up, takes OTLP, writes it to
 * ClickHouse, and Ctrl-C stops every process it started.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { selfCommand } from '../../core/self.js';
import { count, eventually } from '../harness/clickhouse.js';
import { createClickHouse } from '../../core/clickhouse.js';
import { freePort } from '../harness/stack.js';
import { parseStrictJson } from '../harness/strict-json.js';
import { runCli } from '../harness/cli.js';
import type { StatusSnapshot } from '../../ops/status/collect.js';

function processesMentioning(text: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

test('tributary dev: up, ingest, query, Ctrl-C stops everything', { timeout: 180_000 }, async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tributary-dev-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const ports = {
    kafka: await freePort(),
    clickhouse: await freePort(),
    http: await freePort(),
    grpc: await freePort(),
    health: await freePort(),
    writerHealth: await freePort(),
  };
  const self = selfCommand();
  const args = [
    ...self.args,
    'dev',
    '--state-dir',
    stateDir,
    '--kafka-port',
    String(ports.kafka),
    '--clickhouse-port',
    String(ports.clickhouse),
    '--receiver-http-port',
    String(ports.http),
    '--receiver-grpc-port',
    String(ports.grpc),
    '--receiver-health-port',
    String(ports.health),
    '--receiver-metrics-port',
    '0',
    '--writer-health-port',
    String(ports.writerHealth),
    '--writer-metrics-port',
    '0',
    '--writer-flush-interval-ms',
    '300',
    // Every line a dev run logs, at info, as the JSON strict consumers read (checked below).
    '--log-level',
    'info',
    '--log-format',
    'json',
  ];
  const started = Date.now();
  const dev = spawn(self.command, args, {
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let logged = '';
  dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    logged += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  t.after(() => {
    dev.kill('SIGKILL');
  });
  await eventually(
    async () => Promise.resolve(output.includes('[dev] ready in') || dev.exitCode !== null),
    120_000,
    'dev ready',
  );
  assert.ok(output.includes('[dev] ready in'), `dev did not start:\n${output}`);
  process.stderr.write(`tributary dev ready in ${Date.now() - started} ms\n`);
  assert.match(output, new RegExp(`OTLP/HTTP   http://127\\.0\\.0\\.1:${ports.http}`));
  assert.match(output, /curl -s/);

  const body = JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'dev-smoke' } }] },
        scopeLogs: [
          {
            logRecords: [
              { timeUnixNano: String(Date.now() * 1e6), body: { stringValue: 'hello from the smoke test' } },
            ],
          },
        ],
      },
    ],
  });
  const res = await fetch(`http://127.0.0.1:${ports.http}/v1/logs`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 200);
  const client = createClickHouse({
    url: `http://127.0.0.1:${ports.clickhouse}`,
    user: 'default',
    password: '',
    database: 'default',
  });
  await eventually(
    async () =>
      (await count(client, "SELECT count() AS n FROM default.otel_logs WHERE ServiceName = 'dev-smoke'")) ===
      1,
    60_000,
    'the log in ClickHouse',
  );
  await client.close();
  assert.equal((await fetch(`http://127.0.0.1:${ports.health}/ready`)).status, 200);

  // The stack `npm start` brings up passes its own doctor: topics and tables as the guarantees need
  // them, one broker's lack of replicas noted once as what a local stack is.
  const doctor = await runCli([
    'doctor',
    '--kafka-brokers',
    `127.0.0.1:${ports.kafka}`,
    '--clickhouse-url',
    `http://127.0.0.1:${ports.clickhouse}`,
  ]);
  assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
  assert.match(doctor.stdout, /^doctor: no problems found$/m);
  assert.match(doctor.stdout, /^info {2}kafka: one broker: /m);

  // On its non-default ports dev tells `status` where to look: the exact command, which works as printed.
  const statusLine = /^\[dev\] {3}status {6}(tributary status .*)$/m.exec(output)?.[1];
  assert.ok(statusLine, `the ready banner names the status command:\n${output}`);
  assert.equal(
    statusLine,
    `tributary status --kafka-brokers 127.0.0.1:${ports.kafka} --clickhouse-url http://127.0.0.1:${ports.clickhouse}` +
      ` --endpoints http://127.0.0.1:${ports.health},http://127.0.0.1:${ports.writerHealth} --metrics-endpoints ''`,
  );
  const words = statusLine.match(/'[^']*'|\S+/g)!.map((w) => (w.startsWith("'") ? w.slice(1, -1) : w));
  const status = await runCli([...words.slice(1), '--once', '--json']);
  assert.equal(status.code, 0, status.stderr);
  const snapshot = JSON.parse(status.stdout) as StatusSnapshot;
  assert.deepEqual(
    snapshot.components.map((c) => [c.url, c.ready]),
    [
      [`http://127.0.0.1:${ports.health}`, true],
      [`http://127.0.0.1:${ports.writerHealth}`, true],
    ],
  );
  assert.equal(snapshot.tables.find((t) => t.table === 'otel_logs')?.rows, 1);
  assert.deepEqual(snapshot.problems, []);

  dev.kill('SIGINT');
  assert.equal(await exited, 0, `dev exits cleanly:\n${output.slice(-2000)}`);
  await eventually(
    async () => Promise.resolve(processesMentioning(stateDir).length === 0),
    20_000,
    'no orphan process',
  );
  assert.match(output, /\[dev\] stopped/);

  // dev, its receiver and its writer log JSON lines on stderr: each one an object whose keys appear once.
  const lines = logged.split('\n').filter((line) => line.trim() !== '');
  const components = new Set<unknown>();
  for (const line of lines) {
    const event = parseStrictJson(line) as Record<string, unknown>;
    components.add(event['component']);
  }
  for (const component of ['dev', 'receiver', 'writer'])
    assert.ok(components.has(component), `${component} logged (${lines.length} lines)`);
});
