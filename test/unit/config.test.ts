import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, redact } from '../../core/config/load.js';
import { configSchema, envName, flagName } from '../../core/config/options.js';
import { TributaryError } from '../../core/errors.js';

function expectConfigError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TributaryError, 'a TributaryError');
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.match(err.message, pattern);
    return true;
  });
}

test('defaults come from the schema', () => {
  const { config, sources } = loadConfig({ env: {} });
  assert.equal(config['receiver.httpPort'], 4318);
  assert.equal(config['receiver.grpcPort'], 4317);
  assert.equal(config['topics.traces'], 'otlp_spans');
  assert.equal(config['receiver.maxRecordBytes'], 1_000_000);
  assert.deepEqual(config['kafka.brokers'], ['127.0.0.1:9092']);
  assert.equal(sources['kafka.brokers'], 'default');
});

test('names derive from keys', () => {
  assert.equal(envName('kafka.brokers'), 'TRIBUTARY_KAFKA_BROKERS');
  assert.equal(envName('receiver.maxRecordBytes'), 'TRIBUTARY_RECEIVER_MAX_RECORD_BYTES');
  assert.equal(flagName('receiver.httpPort'), '--receiver-http-port');
});

test('precedence: flags > env > file > defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(
    file,
    'receiver:\n  httpPort: 1111\n  grpcPort: 2222\ntopics.prefix: eu1.\nkafka:\n  brokers: [a:1, b:2]\n',
  );
  const env = {
    TRIBUTARY_CONFIG: file,
    TRIBUTARY_RECEIVER_GRPC_PORT: '3333',
    TRIBUTARY_TOPICS_PREFIX: 'us1.',
  };
  const { config, sources } = loadConfig({ env, flags: { '--topics-prefix': 'ap1.' } });
  assert.equal(config['receiver.httpPort'], 1111);
  assert.equal(sources['receiver.httpPort'], 'file');
  assert.equal(config['receiver.grpcPort'], 3333);
  assert.equal(sources['receiver.grpcPort'], 'env');
  assert.equal(config['topics.prefix'], 'ap1.');
  assert.equal(sources['topics.prefix'], 'flag');
  assert.deepEqual(config['kafka.brokers'], ['a:1', 'b:2']);
});

test('lists parse from comma-separated strings', () => {
  const { config } = loadConfig({ env: { TRIBUTARY_KAFKA_BROKERS: 'h1:9092, h2:9092,' } });
  assert.deepEqual(config['kafka.brokers'], ['h1:9092', 'h2:9092']);
});

test('bad values name the key and what is allowed', () => {
  expectConfigError(
    () => loadConfig({ env: { TRIBUTARY_RECEIVER_HTTP_PORT: '70000' } }),
    /receiver\.httpPort.*integer from 0 to 65535/,
  );
  expectConfigError(
    () => loadConfig({ env: { TRIBUTARY_LOG_LEVEL: 'loud' } }),
    /logLevel.*one of debug, info, warn, error/,
  );
  expectConfigError(
    () => loadConfig({ env: { TRIBUTARY_RECEIVER_REGION_ATTRIBUTE: 'yes' } }),
    /regionAttribute.*true or false/,
  );
});

test('unknown keys fail fast, wherever they come from', () => {
  expectConfigError(
    () => loadConfig({ env: { TRIBUTARY_NO_SUCH_THING: '1' } }),
    /TRIBUTARY_NO_SUCH_THING.*unknown/,
  );
  expectConfigError(
    () => loadConfig({ env: {}, flags: { '--no-such-flag': '1' } }),
    /--no-such-flag.*unknown/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ receiver: { httpPortt: 1 } }));
  expectConfigError(
    () => loadConfig({ env: { TRIBUTARY_CONFIG: file } }),
    /receiver\.httpPortt.*unknown key/,
  );
});

test('a flag outside the command is rejected', () => {
  expectConfigError(
    () => loadConfig({ env: {}, flags: { '--writer-batch-rows': '5' }, command: 'receiver' }),
    /--writer-batch-rows.*not an option of this command/,
  );
});

test("a command's own keys take short flags as well as the long ones, never both at once", () => {
  const short = loadConfig({
    env: {},
    command: 'replay',
    flags: { '--signal': 'traces', '--from': 'earliest', '--to': '2026-11-24T11:00:00Z' },
  });
  const long = loadConfig({
    env: {},
    command: 'replay',
    flags: {
      '--replay-signal': 'traces',
      '--replay-from': 'earliest',
      '--replay-to': '2026-11-24T11:00:00Z',
    },
  });
  for (const key of ['replay.signal', 'replay.from', 'replay.to'] as const) {
    assert.equal(short.config[key], long.config[key]);
    assert.equal(short.sources[key], 'flag');
  }
  assert.equal(short.config['replay.signal'], 'traces');
  const dlq = loadConfig({ env: {}, command: 'dlq', flags: { '--all': 'true', '--limit': '5' } }).config;
  assert.equal(dlq['dlq.all'], true);
  assert.equal(dlq['dlq.limit'], 5);
  expectConfigError(
    () => loadConfig({ env: {}, command: 'replay', flags: { '--from': '1', '--replay-from': '2' } }),
    /--replay-from: sets replay\.from as --from does/,
  );
  // Without a command (programmatic use) only the full flags name keys.
  expectConfigError(() => loadConfig({ env: {}, flags: { '--from': '1' } }), /--from: unknown option/);
});

test('secrets are redacted', () => {
  const { config } = loadConfig({
    env: { TRIBUTARY_CLICKHOUSE_PASSWORD: 's3cret', TRIBUTARY_RECEIVER_API_KEYS: 'k1,k2' },
  });
  const shown = JSON.stringify(redact(config));
  assert.ok(!shown.includes('s3cret'));
  assert.ok(!shown.includes('k1'));
});

test('every option documents itself', () => {
  for (const [key, option] of Object.entries(configSchema)) {
    assert.ok(option.doc.length > 10, `${key} has a doc string`);
  }
});

test('per-signal retention keys take ClickStack durations and refuse anything else by key', () => {
  const { config } = loadConfig({
    env: { TRIBUTARY_SCHEMA_LOGS_TTL: '720h' },
    flags: { '--schema-traces-ttl': '30d' },
  });
  assert.equal(config['schema.logsTtl'], '720h');
  assert.equal(config['schema.tracesTtl'], '30d');
  assert.equal(config['schema.metricsTtl'], '', 'empty = schema.ttlDays');
  assert.equal(config['writer.logProcessing'], 'clickstack');
  expectConfigError(
    () => loadConfig({ env: { TRIBUTARY_SCHEMA_METRICS_TTL: '2 weeks' } }),
    /schema\.metricsTtl: retention "2 weeks"/,
  );
  expectConfigError(
    () => loadConfig({ env: { TRIBUTARY_SCHEMA_SESSIONS_TTL: '1.5h' } }),
    /schema\.sessionsTtl/,
  );
  expectConfigError(
    () => loadConfig({ env: { TRIBUTARY_WRITER_LOG_PROCESSING: 'hyperdx' } }),
    /writer\.logProcessing/,
  );
});
