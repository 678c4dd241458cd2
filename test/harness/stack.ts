/**
 * One Kafka broker and one local ClickHouse server for a whole test run (started by test/run.mjs),
 * shared by every test file through environment variables. Tests isolate themselves with their own
 * topics, tables and consumer groups (see env.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClickHouse } from '../../deploy/local/clickhouse/process.js';
import { startKafka } from '../../deploy/local/kafka/runner.js';
import { freePort } from '../../deploy/local/free-port.js';

export { freePort, freePortRange } from '../../deploy/local/free-port.js';

export const ENV_KAFKA = 'TEST_KAFKA_BROKERS';
export const ENV_CLICKHOUSE = 'TEST_CLICKHOUSE_URL';

export interface TestStack {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startTestStack(log: (line: string) => void): Promise<TestStack> {
  const root = mkdtempSync(join(tmpdir(), 'tributary-test-'));
  const started = Date.now();
  const [kafka, clickhouse] = await Promise.all([
    startKafka({
      dataDir: join(root, 'kafka'),
      port: await freePort(),
      brokerCount: 1,
      version: process.env['TEST_KAFKA_VERSION'] ?? '4.1.1',
      onProgress: (line) => log(`kafka: ${line}`),
    }),
    startClickHouse({ dataDir: join(root, 'clickhouse'), port: 0 }),
  ]);
  log(
    `stack up in ${Date.now() - started} ms: kafka ${kafka.brokers.join(',')}, clickhouse ${clickhouse.url}`,
  );
  return {
    env: { [ENV_KAFKA]: kafka.brokers.join(','), [ENV_CLICKHOUSE]: clickhouse.url },
    async stop() {
      await Promise.allSettled([kafka.stop(), clickhouse.stop()]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
