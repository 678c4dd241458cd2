/**
 * One Kafka broker and one local ClickHouse server for a whole test run (started by test/run.mjs),
 * shared by every test file through environment variables. Tests isolate themselves with their own
 * topics, tables and consumer groups (see env.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClickHouse } from '../../deploy/local/clickhouse/process.js';
import { startKafka } from '../../deploy/local/kafka/runner.js';

export const ENV_KAFKA = 'TEST_KAFKA_BROKERS';
export const ENV_CLICKHOUSE = 'TEST_CLICKHOUSE_URL';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive free ports (brokers listen on port, port + 1, ...). */
export async function freePortRange(count: number): Promise<number> {
  for (;;) {
    const base = await freePort();
    let free = true;
    for (let i = 1; i < count && free; i++) free = await portIsFree(base + i);
    if (free) return base;
  }
}

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
