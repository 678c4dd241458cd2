import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../core/config/load.js';
import { configSchema, envName } from '../../core/config/options.js';
import { fromRoot } from '../../core/paths.js';
import { RECORD_FRAMING_BYTES, REPLAY_WINDOW_MS } from '../../schemas/topics.js';

interface Service {
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync(fromRoot('docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const known = new Set(Object.keys(configSchema).map(envName));

test('docker-compose has kafka, clickhouse, receiver and writer with health checks', () => {
  for (const name of ['kafka', 'clickhouse', 'receiver', 'writer']) {
    assert.ok(compose.services[name], `service ${name}`);
    assert.ok(compose.services[name].healthcheck, `service ${name} has a healthcheck`);
  }
});

test('every TRIBUTARY_* variable in docker-compose is a config key with a valid value', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(service.environment ?? {})) {
      if (!k.startsWith('TRIBUTARY_')) continue;
      assert.ok(known.has(k), `${name}: ${k} is not a config key`);
      env[k] = String(v);
    }
    assert.doesNotThrow(() => loadConfig({ env }), `${name}: its environment validates`);
  }
});

test('published receiver ports match its configured ports and health checks use the health ports', () => {
  const receiver = compose.services['receiver']!;
  const { config } = loadConfig({
    env: Object.fromEntries(Object.entries(receiver.environment ?? {}).map(([k, v]) => [k, String(v)])),
  });
  const published = (receiver.ports ?? []).map((p) => Number(p.split(':')[1]));
  assert.ok(published.includes(config['receiver.httpPort']));
  assert.ok(published.includes(config['receiver.grpcPort']));
  assert.ok(receiver.healthcheck!.test.join(' ').includes(`:${config['receiver.healthPort']}/ready`));
  const writer = compose.services['writer']!;
  const writerConfig = loadConfig({
    env: Object.fromEntries(Object.entries(writer.environment ?? {}).map(([k, v]) => [k, String(v)])),
  }).config;
  assert.ok(writer.healthcheck!.test.join(' ').includes(`:${writerConfig['writer.healthPort']}/ready`));
});

test('receiver and writer commands are tributary subcommands', () => {
  assert.deepEqual(compose.services['receiver']!.command, ['receiver']);
  assert.deepEqual(compose.services['writer']!.command, ['writer']);
  assert.deepEqual(compose.services['migrate']!.command, ['migrate']);
});

test("compose creates its topics as doctor wants them: the replay window's retention, room for dead letters", () => {
  const script = compose.services['kafka-topics']!.command!.join('\n');
  const brokerLimit = Number(compose.services['kafka']!.environment!['KAFKA_MESSAGE_MAX_BYTES']);
  const creates = [...script.matchAll(/--topic (\S+) .*/g)];
  assert.deepEqual(
    creates.map((m) => m[1]),
    ['$$t', '$$t.dlq'],
  );
  for (const [line] of creates)
    assert.match(line, new RegExp(`--config retention\\.ms=${REPLAY_WINDOW_MS}\\b`));
  const dlqLimit = Number(/--topic \$\$t\.dlq .*--config max\.message\.bytes=(\d+)/.exec(script)?.[1]);
  assert.equal(dlqLimit, brokerLimit + RECORD_FRAMING_BYTES);
});
