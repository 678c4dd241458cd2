/**
 * Kafka over SASL_SSL (PLAIN over TLS, the common managed-Kafka setup): a broker with such a listener
 * next to its plaintext one; the receiver and the writer connect with kafka.tls + the CA file +
 * SASL credentials (the password from a file, as secrets must be). A wrong password is refused with
 * an authentication error, not a hang.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../core/config/load.js';
import { startKafka } from '../../deploy/local/kafka/runner.js';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { createKafka } from '../../kafka/create.js';
import { KafkaError } from '../../kafka/port.js';
import { kafkaSecurity } from '../../kafka/security.js';
import { startReceiver } from '../../receiver/main.js';
import { startWriter } from '../../writer/main.js';
import { createTestPki } from '../fixtures/certs.js';
import * as sdk from '../fixtures/otel-sdk.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { clickhouseUrl, uniqueName } from '../harness/env.js';
import { freePort, freePortRange } from '../harness/stack.js';

test('receiver and writer over SASL_SSL; a wrong password is refused', { timeout: 120_000 }, async (t) => {
  const pki = createTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'tributary-kafka-secure-'));
  const cleanups: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  });
  const securePort = await freePortRange(1);
  const kafka = await startKafka({
    dataDir: join(dir, 'kafka'),
    port: await freePort(),
    brokerCount: 1,
    version: '4.1.1',
    secure: {
      port: securePort,
      caFile: pki.caCert,
      certFile: pki.serverCert,
      keyFile: pki.serverKey,
      users: { tributary: 'correct-horse' },
    },
  });
  cleanups.push(() => kafka.stop());
  await ensureTopics(kafka.brokers, ['otlp_spans', 'otlp_metrics', 'otlp_logs', 'otlp_logs.dlq'], 1, 1);
  const passwordFile = join(dir, 'kafka-password');
  writeFileSync(passwordFile, 'correct-horse\n');
  const secureEnv = {
    TRIBUTARY_KAFKA_BROKERS: `127.0.0.1:${securePort}`,
    TRIBUTARY_KAFKA_TLS: 'true',
    TRIBUTARY_KAFKA_TLS_CA_FILE: pki.caCert,
    TRIBUTARY_KAFKA_SASL_MECHANISM: 'plain',
    TRIBUTARY_KAFKA_SASL_USERNAME: 'tributary',
    TRIBUTARY_KAFKA_SASL_PASSWORD_FILE: passwordFile,
  };

  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  const { config } = loadConfig({
    env: {
      ...secureEnv,
      TRIBUTARY_CLICKHOUSE_URL: clickhouseUrl(),
      TRIBUTARY_CLICKHOUSE_DATABASE: db.database,
      TRIBUTARY_RECEIVER_HOST: '127.0.0.1',
      TRIBUTARY_RECEIVER_HTTP_PORT: '0',
      TRIBUTARY_RECEIVER_GRPC_PORT: '0',
      TRIBUTARY_RECEIVER_HEALTH_PORT: '0',
      TRIBUTARY_RECEIVER_METRICS_PORT: '0',
      TRIBUTARY_WRITER_HEALTH_PORT: '0',
      TRIBUTARY_WRITER_METRICS_PORT: '0',
      TRIBUTARY_WRITER_SIGNALS: 'logs',
      TRIBUTARY_WRITER_GROUP_ID: uniqueName('secure'),
      TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: '300',
      TRIBUTARY_LOG_LEVEL: 'warn',
    },
  });
  assert.equal(config['kafka.saslPassword'], 'correct-horse', 'password read from the _FILE variable');
  const receiver = await startReceiver(config);
  cleanups.push(() => receiver.stop());
  const writer = await startWriter(config);
  cleanups.push(() => writer.stop());

  const response = await fetch(`http://127.0.0.1:${receiver.httpPort}/v1/logs`, {
    method: 'POST',
    body: sdk.logsProtobuf(),
    headers: { 'content-type': 'application/x-protobuf' },
  });
  assert.equal(response.status, 200);
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`)) > 0,
    30_000,
    'rows written through SASL_SSL',
  );

  const { config: wrong } = loadConfig({
    env: {
      ...secureEnv,
      TRIBUTARY_KAFKA_SASL_PASSWORD_FILE: undefined,
      TRIBUTARY_KAFKA_SASL_PASSWORD: 'wrong',
    },
  });
  const admin = createKafka({
    brokers: wrong['kafka.brokers'],
    clientId: 'wrong-password',
    security: kafkaSecurity(wrong),
    connectionTimeoutMs: 3_000,
  }).admin();
  await assert.rejects(
    admin.listTopics(),
    (err: unknown) =>
      err instanceof KafkaError &&
      err.code === 'AUTH' &&
      !err.retryable &&
      /SASL|[Aa]uthentication/.test(err.message),
  );
  await admin.close();
});
